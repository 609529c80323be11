"""Tar containers, plain or compressed (.tar, .tgz/.tar.gz, .tbz2/.tar.bz2, .txz/.tar.xz):
every regular file inside becomes a member.

The compression is told by the file's first bytes, not its suffix. Entries are walked
one header at a time (never `extractall`, never `getmembers`), each regular file copied
through `extractfile` and `copy_bounded`. Directories, devices and FIFOs hold no
content and are passed over; links are skipped with a reason (never followed), and so
are '..' or absolute names and members past the limits of members.py. A compressed tar
has no per-member packed size, so its bomb check is the whole stream's: once the
unpacked stream outgrows MAX_RATIO times the file, the rest is not read. A header no
honest tar writes (a negative size, a long-name or pax record of megabytes) stops the
walk with a reason: tarfile would loop on the one or read the other whole into memory.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import members
from archive_app.core.ingest.container_listing import (
    LINK_REASON,
    Listing,
    not_the_data,
    read_container,
    utc_date,
)
from archive_app.core.ingest.documents import Extracted

_MAGIC = ((b"\x1f\x8b", "gz"), (b"BZh", "bz2"), (b"\xfd7zXZ\x00", "xz"))
MAX_HEADER_BYTES = 1024 * 1024
"""A GNU long name or a pax record: tarfile reads it whole, and honest ones are short."""
_RECORD_TYPES = frozenset({tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK,
                           tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE})


class _HostileHeader(Exception):
    """Raised from inside tarfile's header parsing: it passes through `TarFile.next`."""


class _BoundedTarInfo(tarfile.TarInfo):
    """A TarInfo that refuses, before tarfile acts on them, the headers it cannot survive:
    a negative size (tarfile would step back and read the same header for ever) and a
    long-name or pax record over MAX_HEADER_BYTES (read whole into memory)."""

    def _proc_member(self, tarfile_):
        if self.size < 0:
            raise _HostileHeader("a header declares a negative size")
        if self.type in _RECORD_TYPES and self.size > MAX_HEADER_BYTES:
            raise _HostileHeader(f"a header declares a name or attribute record of "
                                 f"{self.size:,} bytes")
        return super()._proc_member(tarfile_)


def extract(path: Path) -> Extracted:
    return read_container(path, "TAR", _read)


def _read(path: Path, listing: Listing) -> None:
    compression = _compression(path)
    with _open(path, compression) as archive:
        _walk(archive, listing, compressed=bool(compression))


def _compression(path: Path) -> str:
    """'gz', 'bz2', 'xz' or '' (a plain tar), from the magic bytes."""
    with open(path, "rb") as handle:
        start = handle.read(8)
    return next((name for magic, name in _MAGIC if start.startswith(magic)), "")


def _open(path: Path, compression: str) -> tarfile.TarFile:
    """The tar, or RejectedFile("corrupt") when not even its first header can be read.
    Names are read as UTF-8 whatever the locale; other bytes become lone surrogates."""
    try:
        return tarfile.open(path, f"r:{compression}", tarinfo=_BoundedTarInfo,
                            encoding="utf-8", errors="surrogateescape")
    except _HostileHeader as error:
        raise RejectedFile("corrupt", f"not a readable tar archive: {error}") from error
    except Exception as error:
        if not_the_data(error):
            raise
        kind = {"gz": "gzip-compressed ", "bz2": "bzip2-compressed ",
                "xz": "xz-compressed "}.get(compression, "")
        message = str(error)[:120] or type(error).__name__
        raise RejectedFile("corrupt", f"not a readable {kind}tar archive: {message}") from error


def _walk(archive: tarfile.TarFile, listing: Listing, compressed: bool) -> None:
    """Read header after header until the end, a damaged spot or a limit."""
    previous = -1
    while True:
        if listing.full():
            listing.too_many(None)
            return
        if compressed and listing.budget.whole_ratio_exceeded(archive.offset):
            listing.stop("bomb", f"the archive unpacks more than {members.MAX_RATIO} times "
                                 "larger than it is packed (a bomb?); the rest is not read")
            return
        info = _next(archive, listing)
        if info is None:
            return
        if info.offset <= previous:
            listing.stop("corrupt", "a header points back into the archive; the rest is "
                                    "not read")
            return
        previous = info.offset
        _read_entry(archive, info, listing)
        archive.members.clear()  # tarfile keeps every header; nothing here needs them


def _next(archive: tarfile.TarFile, listing: Listing) -> tarfile.TarInfo | None:
    """The next header, or None at the end or after a damaged one (listed as such)."""
    try:
        return archive.next()
    except _HostileHeader as error:
        listing.stop("corrupt", f"{error}; the rest is not read")
    except Exception as error:
        if not_the_data(error):
            raise
        message = str(error)[:160] or type(error).__name__
        listing.stop("corrupt", f"the rest of the archive could not be read: {message}")
    return None


def _read_entry(archive: tarfile.TarFile, info: tarfile.TarInfo, listing: Listing) -> None:
    if info.isdir() or info.ischr() or info.isblk() or info.isfifo():
        return
    name = info.name
    if reason := members.unsafe_name_reason(name):
        listing.skip(name, "unsafe", reason)
    elif info.issym() or info.islnk():
        listing.skip(name, "unsupported", LINK_REASON)
    elif not info.isreg():
        listing.skip(name, "unsupported", f"the member is of a kind of tar entry this app "
                                          f"does not read (type {info.type!r})")
    else:
        listing.unpack(name, info.size, None, utc_date(info.mtime),
                       lambda: archive.extractfile(info), _classify)


def _classify(error: Exception) -> tuple[str, str] | None:
    """Why one member could not be copied; None for the disk's errors and memory, which
    stop the container (see zip_members._classify)."""
    if not_the_data(error):
        return None
    return "corrupt", f"the member's data is damaged: {str(error)[:160] or type(error).__name__}"
