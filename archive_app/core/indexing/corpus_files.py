"""What in a corpus folder may be opened at all: inside the folder, a regular file, bounded.

A leak is written by people who may want to harm its reader, and `tar -x` or `unzip`
restore whatever links it holds. So before anything is opened, a link is followed only
if it finally lands inside the folder being indexed (`notes.md -> /etc/passwd` is not),
and only regular files are read: a FIFO would block forever, /dev/zero never ends.
The small files we read whole (.archiveignore, sidecars, catalog.csv) are also capped.
Every refusal is a short reason the scan records, so `check` can show it.
"""

from __future__ import annotations

import errno
import os
import stat

NOT_READ = "; not read"
OUTSIDE_FILE = "link to a file outside this folder" + NOT_READ
OUTSIDE_FOLDER = "link to a folder outside this folder" + NOT_READ
DANGLING = "link to a file that does not exist" + NOT_READ
LOOP = "a loop of symbolic links" + NOT_READ

_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISDIR, "a folder"))


class NotRead(Exception):
    """A small corpus file that was refused; `reason` says why (recorded, never raised on)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def real_folder(folder: str | os.PathLike[str]) -> str:
    """The folder with every link resolved: what 'inside' is measured against."""
    return os.path.realpath(folder)


def is_inside(real_path: str, real_root: str) -> bool:
    """Whether a resolved path is the root or below it (not merely sharing a prefix)."""
    return real_path == real_root or real_path.startswith(real_root.rstrip(os.sep) + os.sep)


def not_regular(mode: int) -> str:
    """The reason a file of this mode is not read as a document or a small file."""
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    return f"not a regular file ({kind}){NOT_READ}"


def link_refusal(path: str, real_root: str) -> tuple[str | None, os.stat_result | None]:
    """Judge a symbolic link by where it finally leads: (reason or None, the target's stat).

    Outside the folder wins over every other verdict (a dangling link to /home/... is
    still a link out); then loops and missing targets. A chain of links is resolved
    to its end by realpath, and relative `../../` targets are resolved from the link.
    """
    try:
        target = os.stat(path)
    except OSError as error:
        target = None
        failure = error
    if not is_inside(os.path.realpath(path), real_root):
        is_folder = target is not None and stat.S_ISDIR(target.st_mode)
        return (OUTSIDE_FOLDER if is_folder else OUTSIDE_FILE), target
    if target is None:
        if failure.errno == errno.ELOOP:
            return LOOP, None
        if failure.errno in (errno.ENOENT, errno.ENOTDIR):
            return DANGLING, None
        return f"cannot read the file: {failure.strerror or failure}{NOT_READ}", None
    return None, target


def _limit_text(limit: int) -> str:
    megabytes = limit / (1024 * 1024)
    return f"larger than {megabytes:g} MB{NOT_READ}"


def refusal(path: str, real_root: str, limit: int) -> tuple[str | None, os.stat_result | None]:
    """Why a small file (sidecar, catalog.csv, .archiveignore) may not be read, if it may not.

    Stat only (nothing is opened): a link leaving the folder, not a regular file, or
    over `limit` bytes. Returns (reason or None, the stat of what would be read).
    """
    try:
        info = os.lstat(path)
    except OSError as error:
        return f"cannot read the file: {error.strerror or error}{NOT_READ}", None
    if stat.S_ISLNK(info.st_mode):
        reason, info = link_refusal(path, real_root)
        if reason:
            return reason, info
    if not stat.S_ISREG(info.st_mode):
        return not_regular(info.st_mode), info
    if info.st_size > limit:
        return _limit_text(limit), info
    return None, info


def read_small_file(path: str, real_root: str, limit: int) -> bytes:
    """The whole of a small corpus file, or NotRead with the reason.

    Checked by stat first (`refusal`), then opened without blocking (a file swapped for a
    FIFO in between cannot hang us) and checked again on the open descriptor, and read
    no further than `limit` + 1 bytes (a file that grew is refused, not read on).
    """
    reason, _ = refusal(path, real_root, limit)
    if reason:
        raise NotRead(reason)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise NotRead(f"cannot read the file: {error.strerror or error}{NOT_READ}") from error
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise NotRead(not_regular(info.st_mode))
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise NotRead(f"cannot read the file: {error.strerror or error}{NOT_READ}") from error
    finally:
        os.close(descriptor)
    if len(data) > limit:
        raise NotRead(_limit_text(limit))
    return data
