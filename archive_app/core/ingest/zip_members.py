"""ZIP containers (leaked drives arrive zipped): every file inside becomes a member.

The central directory is trusted for nothing it could lie about. Each member is
streamed to its own file through `copy_bounded` (zipfile itself stops at the declared
size and checks the CRC, so a lying size cannot unpack more). Skipped with a reason,
while the rest is still read: names with '..' or absolute ones, links, encrypted
members, entries whose data overlaps another's (the overlapping-entry bomb), members
past the size, ratio and total limits of members.py, and past MAX_MEMBERS.
"""

from __future__ import annotations

import stat
import zipfile
from datetime import datetime
from pathlib import Path

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import members
from archive_app.core.ingest.container_listing import (
    ENCRYPTED_REASON,
    LINK_REASON,
    Listing,
    not_the_data,
    read_container,
)
from archive_app.core.ingest.documents import Extracted

_ENCRYPTED = 0x1
_UTF8_NAME = 0x800
OVERLAP_REASON = "the member's data overlaps another member's (a zip bomb?)"


def extract(path: Path) -> Extracted:
    return read_container(path, "ZIP", _read)


def _read(path: Path, listing: Listing) -> None:
    with _open(path) as archive:
        entries = archive.infolist()
        overlapping = _overlapping(entries)
        for index, info in enumerate(entries):
            if listing.full():
                listing.too_many(sum(1 for rest in entries[index:] if _kind(rest) == "file"))
                return
            _read_entry(archive, info, listing, index in overlapping)


def _open(path: Path) -> zipfile.ZipFile:
    """The zip, or RejectedFile("corrupt") when its central directory (the list of its
    files, at its end) is missing or damaged: without it nothing can be found."""
    try:
        return zipfile.ZipFile(path)
    except Exception as error:
        if not_the_data(error):
            raise
        reason = str(error) or type(error).__name__
    raise RejectedFile("corrupt", "not a readable zip archive: its list of files (the central "
                                  f"directory) is missing or damaged ({reason[:120]})")


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, listing: Listing,
                overlaps: bool) -> None:
    kind = _kind(info)
    if kind in ("directory", "special"):
        return
    name = _name(info)
    if reason := members.unsafe_name_reason(name):
        listing.skip(name, "unsafe", reason)
    elif kind == "link":
        listing.skip(name, "unsupported", LINK_REASON)
    elif info.flag_bits & _ENCRYPTED:
        listing.skip(name, "unsupported", ENCRYPTED_REASON)
    elif overlaps:
        listing.skip(name, "bomb", OVERLAP_REASON)
    else:
        listing.unpack(name, info.file_size, info.compress_size, _date(info),
                       lambda: archive.open(info), _classify)


def _kind(info: zipfile.ZipInfo) -> str:
    """'file', 'directory', 'link' or 'special' (a FIFO or device a Unix zip recorded),
    from the name's trailing '/' and the Unix mode in the high bits of external_attr."""
    if info.is_dir():
        return "directory"
    mode = info.external_attr >> 16
    if not stat.S_IFMT(mode) or stat.S_ISREG(mode):
        return "file"
    if stat.S_ISLNK(mode):
        return "link"
    return "directory" if stat.S_ISDIR(mode) else "special"


def _name(info: zipfile.ZipInfo) -> str:
    """The member's name as its writer meant it. With the UTF-8 flag, as zipfile read it;
    without, the bytes are tried as UTF-8 first (Linux and macOS zips write UTF-8 and
    leave the flag unset), then read as cp437, the zip standard's own encoding."""
    if info.flag_bits & _UTF8_NAME:
        return info.orig_filename
    raw = info.orig_filename.encode("cp437", "replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return info.orig_filename


def _overlapping(entries: list[zipfile.ZipInfo]) -> set[int]:
    """Indices of entries whose compressed data runs into the next entry's local header,
    or that share another entry's header: the overlapping-entry zip bomb, where many
    files reuse one compressed kernel. Honest zips never overlap."""
    order = sorted(range(len(entries)), key=lambda index: entries[index].header_offset)
    flagged: set[int] = set()
    for first, second in zip(order, order[1:], strict=False):
        start = entries[first].header_offset
        if start == entries[second].header_offset:
            flagged.add(max(first, second))
        elif start + entries[first].compress_size > entries[second].header_offset:
            flagged.add(first)
    return flagged


def _date(info: zipfile.ZipInfo) -> str:
    """The entry's modification time as ISO 8601 (a zip records local time, no zone)."""
    try:
        return datetime(*info.date_time).isoformat()
    except (TypeError, ValueError):
        return ""


def _classify(error: Exception) -> tuple[str, str] | None:
    """Why one member could not be unpacked. None for what is not the member's fault (see
    `not_the_data`): that stops the whole container. Anything else zipfile or a
    decompressor raises is damaged data."""
    if not_the_data(error):
        return None
    if isinstance(error, NotImplementedError):
        return "unsupported", f"the member is compressed in a way that cannot be read ({error})"
    return "corrupt", f"the member's data is damaged: {str(error)[:160] or type(error).__name__}"
