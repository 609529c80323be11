"""7z containers: every file inside becomes a member, read with py7zr.

py7zr is LGPL-2.1 and used unmodified as a library (imported, never copied or patched),
which the LGPL allows in an application under any licence.

Bounds. The header's declared sizes are checked against members.py's limits before any
byte is unpacked (py7zr never unpacks more than a file's declared size); the members
that pass are then unpacked in one pass (`extract(targets=..., factory=...)`, py7zr
1.0+), each written by a `_Writer` straight to its own file, never held in memory, and
cut off past MAX_MEMBER_BYTES whatever happens. One pass matters: a solid archive
decompresses everything before a member, so one call per member would unpack the
block again for each. The whole read runs under the loader's time limit.

Skipped with a reason: links, '..' or absolute names (and any py7zr itself refuses),
encrypted members (a 7z whose very list of files is encrypted is refused whole), and
members past the limits. A member whose data turns out to be damaged is skipped; the
members unpacked before it are kept.
"""

from __future__ import annotations

import contextlib
import os
from collections import defaultdict, deque
from pathlib import Path

import py7zr
from py7zr.io import Py7zIO, WriterFactory

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import members
from archive_app.core.ingest.container_listing import (
    ENCRYPTED_REASON,
    LINK_REASON,
    Entry,
    Listing,
    not_the_data,
    read_container,
    utc_date,
)
from archive_app.core.ingest.documents import Extracted

try:  # py7zr's own name check and the output name its factory is given
    from py7zr.helpers import get_sanitized_output_path
except ImportError:  # pragma: no cover - older py7zr
    get_sanitized_output_path = None

try:
    from py7zr.compressor import SupportedMethods
except ImportError:  # pragma: no cover - older py7zr
    SupportedMethods = None

_STAGING = "7z-names"
"""A folder (inside the members folder, left empty) that py7zr's names are made under:
it checks each name against a real folder, and ours has nothing in it to escape by."""


def extract(path: Path) -> Extracted:
    return read_container(path, "7Z", _read)


def _read(path: Path, listing: Listing) -> None:
    with open(path, "rb") as handle, _open(handle) as archive:
        # A file object, not a name: py7zr then unpacks in this thread, in order.
        planned = _plan(archive, listing)
        if planned:
            _unpack(archive, planned, listing)


def _open(handle) -> py7zr.SevenZipFile:
    try:
        return py7zr.SevenZipFile(handle)
    except py7zr.PasswordRequired as error:
        raise RejectedFile("unsupported", "the 7z archive is encrypted, its list of files "
                                          "too (needs a password)") from error
    except py7zr.UnsupportedCompressionMethodError as error:
        raise RejectedFile("unsupported", "the 7z archive is compressed in a way that "
                                          f"cannot be read ({str(error)[:120]})") from error
    except Exception as error:
        if not_the_data(error):
            raise
        message = str(error)[:120] or type(error).__name__
        raise RejectedFile("corrupt", f"not a readable 7z archive: {message}") from error


def _plan(archive: py7zr.SevenZipFile, listing: Listing) -> dict[int, tuple[str, Entry]]:
    """Each file's entry in the listing, from the header alone; returns the ones to
    unpack, (name, entry) by py7zr's file id."""
    planned: dict[int, tuple[str, Entry]] = {}
    files = list(archive.files)
    whole = archive.needs_password()
    staging = listing.folder / _STAGING
    for index, info in enumerate(files):
        if listing.full():
            listing.too_many(sum(1 for rest in files[index:] if _is_content(rest)))
            break
        entry = _plan_file(info, listing, whole, staging)
        if entry is not None and entry.path is not None:
            planned[info.id] = (info.filename, entry)
    return planned


def _is_content(info) -> bool:
    """A file or a link: what the listing names (directories and sockets it passes over)."""
    return not (info.is_directory or info.is_socket) and (
        info.is_file or info.is_symlink or info.is_junction)


def _plan_file(info, listing: Listing, whole: bool, staging: Path) -> Entry | None:
    if not _is_content(info):
        return None
    name = info.filename or ""
    reason = members.unsafe_name_reason(name) or _refused_by_py7zr(name, staging)
    if reason:
        return listing.skip(name, "unsafe", reason)
    if info.is_symlink or info.is_junction:
        return listing.skip(name, "unsupported", LINK_REASON)
    date = utc_date(_timestamp(info))
    if info.emptystream:
        return listing.listed(name, 0, date)
    if _encrypted(info, whole):
        return listing.skip(name, "unsupported", ENCRYPTED_REASON)
    return listing.plan(name, info.uncompressed or 0, info.compressed, date)


def _refused_by_py7zr(name: str, staging: Path) -> str:
    """py7zr refuses a whole extraction over one name it finds unsafe: such a member is
    left out of it (and skipped) even where members.unsafe_name_reason allows it."""
    if get_sanitized_output_path is None:
        return ""
    try:
        get_sanitized_output_path(name, staging)
    except Exception:
        return "the member's name cannot be unpacked safely"
    return ""


def _encrypted(info, whole: bool) -> bool:
    """Whether the block holding this file is encrypted (7z encrypts blocks, so one
    archive may mix them); the whole archive's answer where py7zr cannot tell."""
    try:
        return bool(SupportedMethods.needs_password(info.folder.coders))
    except Exception:
        return whole


def _timestamp(info) -> float | None:
    try:
        written = info.lastwritetime
        return None if written is None else written.totimestamp()
    except Exception:
        return None


def _unpack(archive: py7zr.SevenZipFile, planned: dict[int, tuple[str, Entry]],
            listing: Listing) -> None:
    """Unpack the planned members in one pass; afterwards, those that were not written
    whole (damaged data, or py7zr stopped) are skipped with the reason."""
    staging = listing.folder / _STAGING
    factory = _Writers(_expected_names(archive, planned, staging))
    failure = ""
    try:
        archive.extract(path=staging, targets=sorted({name for name, _ in planned.values()}),
                        factory=factory)
    except Exception as error:
        if not_the_data(error):
            raise
        failure = str(error)[:160] or type(error).__name__
    finally:
        factory.close_all()
        _remove_empty(staging)
    for file_id, (_, entry) in planned.items():
        _settle(entry, factory.writers.get(file_id), failure)


def _expected_names(archive: py7zr.SevenZipFile, planned: dict[int, tuple[str, Entry]],
                    staging: Path) -> dict[str, deque[tuple[int, Entry]]]:
    """The name py7zr's factory will be given for each planned file, so each write goes
    to its own member. py7zr hands over every file whose name is a target (the later of
    two with one name as "name_0", "name_1"...); files not planned get no member."""
    targets = {name for name, _ in planned.values()}
    seen: dict[str, int] = {}
    expected: dict[str, deque[tuple[int, Entry]]] = defaultdict(deque)
    for info in archive.files:
        name = info.filename
        if name not in targets:
            continue
        count = seen.get(name)
        seen[name] = 0 if count is None else count + 1
        outname = name if count is None else f"{name}_{count}"
        if info.id in planned:
            expected[_output_name(outname, staging)].append((info.id, planned[info.id][1]))
    return expected


def _output_name(name: str, staging: Path) -> str:
    try:
        if get_sanitized_output_path is not None:
            return get_sanitized_output_path(name, staging).as_posix()
    except Exception:
        return ""
    return staging.joinpath(name).as_posix()


def _settle(entry: Entry, writer: _Writer | None, failure: str) -> None:
    """Keep a member that was written whole; skip one that was not, saying why."""
    if writer is not None and writer.too_large:
        entry.fail("too-large", "the member unpacks to more than "
                                f"{members.MAX_MEMBER_BYTES // (1024 * 1024)} MB")
    elif writer is None or not writer.finished or writer.written != entry.size:
        detail = f": {failure}" if failure else ""
        entry.fail("corrupt", f"the member's data could not be unpacked{detail}")


def _remove_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        os.rmdir(folder)


class _Writers(WriterFactory):
    """py7zr's writer factory: each planned file's bytes go to that member's file."""

    def __init__(self, expected: dict[str, deque[tuple[int, Entry]]]) -> None:
        self.expected = expected
        self.writers: dict[int, _Writer] = {}

    def create(self, filename: str) -> Py7zIO:
        waiting = self.expected.get(filename)
        if not waiting:
            return _Writer(None)
        file_id, entry = waiting.popleft()
        writer = self.writers[file_id] = _Writer(entry.path)
        return writer

    def close_all(self) -> None:
        for writer in self.writers.values():
            writer.release()


class _Writer(Py7zIO):
    """Writes one member to its file as py7zr decompresses it (None: discards), stopping
    past MAX_MEMBER_BYTES. `finished` is set only by py7zr's close(), which it calls
    once the file is whole and its CRC checked."""

    def __init__(self, target: Path | None) -> None:
        # Open across py7zr's write() calls; closed by close() or by _Writers.close_all.
        self.handle = open(target, "wb") if target is not None else None  # noqa: SIM115
        self.written = 0
        self.too_large = False
        self.finished = False

    def write(self, data: bytes | bytearray) -> int:
        self.written += len(data)
        if self.written > members.MAX_MEMBER_BYTES:
            self.too_large = True
        elif self.handle is not None:
            self.handle.write(data)
        return len(data)

    def read(self, size: int | None = None) -> bytes:
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def seekable(self) -> bool:
        return False

    def flush(self) -> None:
        if self.handle is not None:
            self.handle.flush()

    def size(self) -> int:
        return self.written

    def close(self) -> None:
        self.finished = True
        self.release()

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None
