"""What every container and message importer shares: where members go, which names are
refused, and the limits that stop a bomb.

A container importer (zip, tar, 7z, mbox, a message's attachments) never reads its
members itself. It writes each one's bytes to a file in a private folder
(`new_members_dir`) and returns them as `Member`s; the loader (ingest/__init__.py) then
reads each file with the importer its suffix names, under that importer's own bounds,
and deletes the folder. So a PDF inside a zip inside a message is read exactly as a PDF
on disk is, and nothing of a member is held in memory longer than it is written.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest.documents import Member

MAX_CONTAINER_BYTES = 4 * 1024 ** 3
"""A container or mailbox file on disk: larger than any one document (64 MB), since it
is read member by member, never whole."""
MAX_MEMBERS = 20_000
"""Members read from one container; the rest are listed as skipped."""
MAX_MEMBER_BYTES = 64 * 1024 * 1024
"""One member, unpacked: the same limit as a file on disk (limits.MAX_FILE_BYTES)."""
MAX_TOTAL_BYTES = 2 * 1024 ** 3
"""All members of one container together, unpacked (a bomb's total)."""
MAX_RATIO = 200
"""Unpacked bytes per packed byte, judged once a member passes RATIO_MIN_BYTES."""
RATIO_MIN_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 4
"""Containers inside containers: a zip in a zip in a message in an mbox is depth 3."""
STALE_SECONDS = 24 * 3600
_PREFIX = "archive-app-members-"
_DRIVE = re.compile(r"^[A-Za-z]:")

CONTAINER_SUFFIXES = frozenset({
    ".zip", ".7z", ".tar", ".tgz", ".tbz2", ".txz", ".gz", ".bz2", ".xz",
    ".mbox", ".mbx", ".pst", ".ost", ".eml", ".msg",
})
"""Suffixes whose files may exceed limits.MAX_FILE_BYTES (read member by member)."""


def new_members_dir() -> Path:
    """A new private folder (mode 0700) for one container's members; old ones that a
    killed process left behind are removed first."""
    _remove_stale()
    return Path(tempfile.mkdtemp(prefix=_PREFIX))


def remove_members_dir(folder: str | os.PathLike) -> None:
    if folder and Path(folder).name.startswith(_PREFIX):
        shutil.rmtree(folder, ignore_errors=True)


def _remove_stale() -> None:
    root = Path(tempfile.gettempdir())
    now = time.time()
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(_PREFIX):
            try:
                if now - entry.stat(follow_symlinks=False).st_mtime > STALE_SECONDS:
                    shutil.rmtree(entry.path, ignore_errors=True)
            except OSError:
                continue


_COMPOUND_SUFFIXES = {".tar.gz": ".tgz", ".tar.bz2": ".tbz2", ".tar.xz": ".txz"}
"""Two-part suffixes a member keeps, in the one-part form the importer registry knows."""


def check_container_size(path: Path, noun: str) -> None:
    """Refuse a container or mailbox larger than MAX_CONTAINER_BYTES before reading it
    (the loader checks it too; this covers an importer called on its own)."""
    from archive_app.core.ingest import limits

    try:
        size = os.stat(path).st_size
    except OSError as error:
        raise limits.unreadable(path, error) from error
    if size > MAX_CONTAINER_BYTES:
        limit = MAX_CONTAINER_BYTES // 1024 ** 2
        raise RejectedFile("too-large", f"the {noun} is {size // 1024 ** 2} MB; "
                                        f"the limit is {limit} MB")


@contextlib.contextmanager
def removed_on_error(folder: Path, path: Path | None = None) -> Iterator[None]:
    """Delete a members folder when its importer fails, so no partial unpacking is left
    behind; with `path`, an OSError becomes that file's "unreadable" rejection."""
    from archive_app.core.ingest import limits

    try:
        yield
    except OSError as error:
        remove_members_dir(folder)
        if path is None:
            raise
        raise limits.unreadable(Path(path), error) from error
    except BaseException:
        remove_members_dir(folder)
        raise


def member_file(folder: Path, number: int, name: str) -> Path:
    """Where member `number` is written: a name of ours (never the member's own, which
    may be hostile), keeping only its suffix so that its importer is chosen ('.tar.gz'
    becomes '.tgz', so a compressed tar inside a zip is still opened as a tar)."""
    lowered = PurePosixPath(name.replace("\\", "/")).name.lower()
    suffix = next((short for long, short in _COMPOUND_SUFFIXES.items()
                   if lowered.endswith(long)), PurePosixPath(lowered).suffix)
    if not re.fullmatch(r"\.[a-z0-9]{1,8}", suffix):
        suffix = ""
    return folder / f"{number:06d}{suffix}"


def unsafe_name_reason(name: str) -> str:
    """Why a member's name is refused ('' if it is fine): names that climb out with
    `..`, absolute names and drive letters, which an unpacker would write outside its
    folder, and empty names."""
    cleaned = name.replace("\\", "/")
    if not cleaned.strip("/ "):
        return "the member has no name"
    if cleaned.startswith("/") or _DRIVE.match(cleaned):
        return "the member's name is absolute (it would unpack outside the container)"
    if ".." in PurePosixPath(cleaned).parts:
        return "the member's name climbs out of the container with '..'"
    if "\x00" in cleaned:
        return "the member's name holds a NUL byte"
    return ""


def write_member(folder: Path, number: int, name: str, data: bytes, budget: Budget,
                 key_part: str, place: str) -> Member:
    """A member whose bytes are already in hand (an attachment): written to its file
    if the container's budget allows, else skipped with the budget's reason."""
    reason = budget.member_reason(len(data), None)
    if reason:
        return skipped(key_part, place, "too-large", reason)
    target = member_file(folder, number, name)
    target.write_bytes(data)
    budget.take(len(data))
    return Member(key_part=key_part, place=place, path=str(target))


def skipped(key_part: str, place: str, code: str, reason: str) -> Member:
    return Member(key_part=key_part, place=place, skip_code=code, skip_reason=reason)


class Budget:
    """Unpacked bytes of one container so far, against MAX_TOTAL_BYTES and MAX_RATIO."""

    def __init__(self, total: int = MAX_TOTAL_BYTES, packed_total: int | None = None) -> None:
        self.total = total
        self.used = 0
        self.packed_total = packed_total
        """The container's own size on disk, when known: its members together may not
        unpack to more than MAX_RATIO times it (overlapping zip entries, a compressed
        tar of zeros: bombs that no single member's ratio betrays)."""

    def member_reason(self, size: int, packed: int | None) -> str:
        """Why a member of this declared size is not unpacked ('' when it may be)."""
        if size > MAX_MEMBER_BYTES:
            return f"the member is {size // (1024 * 1024)} MB unpacked; the limit is " \
                   f"{MAX_MEMBER_BYTES // (1024 * 1024)} MB"
        if packed is not None and size > RATIO_MIN_BYTES and size > MAX_RATIO * max(packed, 1):
            return f"the member unpacks {size // max(packed, 1)} times larger than it is " \
                   "packed (a zip bomb?)"
        if self.used + size > self.total:
            return "the container's members together unpack to more than " \
                   f"{self.total // 1024 ** 3} GB; the rest is not read"
        if self.whole_ratio_exceeded(self.used + size):
            return "the container's members together unpack more than " \
                   f"{MAX_RATIO} times larger than the container (a bomb?); the rest is not read"
        return ""

    def whole_ratio_exceeded(self, unpacked: int) -> bool:
        """Whether `unpacked` bytes from this container betray a bomb by their ratio
        to the container's size (judged only past RATIO_MIN_BYTES, as for a member)."""
        return (self.packed_total is not None and unpacked > RATIO_MIN_BYTES
                and unpacked > MAX_RATIO * max(self.packed_total, 1))

    def refusal(self, size: int, packed: int | None) -> tuple[str, str]:
        """(code, reason) for a member that is not unpacked, ('', '') when it may be:
        code "too-large" for one member over the limit, "bomb" for ratio and totals."""
        reason = self.member_reason(size, packed)
        if not reason:
            return "", ""
        return ("too-large" if size > MAX_MEMBER_BYTES else "bomb"), reason

    def take(self, size: int) -> None:
        self.used += size


def copy_bounded(source, target: Path, limit: int = MAX_MEMBER_BYTES) -> int:
    """Copy a member's stream to `target`, stopping past `limit` bytes whatever its
    header declared (a header can lie). Returns the bytes written."""
    written = 0
    with open(target, "wb") as out:
        while True:
            chunk = source.read(1024 * 1024)
            if not chunk:
                return written
            written += len(chunk)
            if written > limit:
                out.close()
                target.unlink(missing_ok=True)
                raise RejectedFile("too-large", "the member unpacks to more than "
                                                f"{limit // (1024 * 1024)} MB")
            out.write(chunk)
