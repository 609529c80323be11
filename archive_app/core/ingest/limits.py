"""Size limits, binary sniffing, text decoding and zip-bomb checks shared by the importers."""

from __future__ import annotations

import codecs
import os
import re
import stat
import zipfile
import zlib
from pathlib import Path

from archive_app.core.errors import RejectedFile

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
MAX_RATIO = 200
RATIO_MIN_BYTES = 10 * 1024 * 1024
MAX_ZIP_MEMBERS = 20_000
MAX_PDF_PAGES = 5000
SNIFF_BYTES = 8192
MAX_TEXT_CHARS = 16_000_000
"""Text kept of one file (about 8,000 pages); the rest is cut with a note (`truncated`)."""
MAX_MEMBER_BYTES = 64 * 1024 * 1024
"""One EPUB chapter or DOCX document.xml, as read: no larger than a whole HTML file."""
MAX_BOOK_BYTES = MAX_FILE_BYTES
"""Decompressed bytes read from one EPUB (its chapters' markup): as much as the largest
HTML file, so a book costs no more than a page may."""
MAX_EPUB_CHAPTERS = 5000
"""Distinct spine entries read from one EPUB; the spine is deduplicated first."""
READ_CHUNK = 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")
# C0 controls except \t\n\v\f\r, DEL and C1 controls, and U+FFFD.
_BAD_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")


def unreadable(path: Path, error: OSError) -> RejectedFile:
    """An OS error as a rejection whose reason names the file and the OS's own words."""
    return RejectedFile("unreadable", f"cannot read {path.name}: {error.strerror or error}")


def check_file(path: Path, max_bytes: int | None = None) -> int:
    """Stat (never read) the file first so huge or unreadable files cost nothing; return size.

    `max_bytes` raises the limit for containers and mailboxes, read member by member."""
    limit = max_bytes or MAX_FILE_BYTES
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, "not a regular file", str(path))
        with open(path, "rb"):
            pass
    except OSError as error:
        raise unreadable(path, error) from error
    if info.st_size > limit:
        size_mb = round(info.st_size / (1024 * 1024), 1)
        raise RejectedFile("too-large", f"file is {size_mb} MB; the limit is "
                                        f"{limit // (1024 * 1024):,} MB")
    return info.st_size


def read_bytes(path: Path) -> bytes:
    """The whole file, but never more than MAX_FILE_BYTES even if it grew since the stat.

    It asks for the file's size first: `read(MAX_FILE_BYTES + 1)` allocates the whole
    64 MB before shrinking it, which was a sixth of indexing time on small files."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            data = handle.read(min(size, MAX_FILE_BYTES) + 1)
            if len(data) > size:  # it grew since: the rest, still within the limit
                data += handle.read(max(0, MAX_FILE_BYTES + 1 - len(data)))
    except OSError as error:
        raise unreadable(path, error) from error
    if len(data) > MAX_FILE_BYTES:
        raise RejectedFile("too-large", "file is larger than the 64 MB limit")
    return data


def _bom_encoding(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 text of mostly ASCII has NULs at every other byte; binary has them anywhere."""
    half = max(len(sample) // 2, 1)
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    if odd >= 0.3 * half and even <= 0.02 * half:
        return "utf-16-le"
    if even >= 0.3 * half and odd <= 0.02 * half:
        return "utf-16-be"
    return None


def _looks_like_binary_text(text: str) -> bool:
    """Many control or replacement characters mean the bytes were never text.

    One regex scan in C (was a per-character ord() loop: ~2 ms a file, 10% of indexing).
    """
    sample = text[:SNIFF_BYTES]
    if not sample:
        return False
    bad = len(_BAD_CHARS.findall(sample))
    return bad / len(sample) > 0.05


def _try_decode(data: bytes, encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _guess(data: bytes) -> str:
    """charset-normalizer's best guess, else UTF-8 with replacement characters."""
    from charset_normalizer import from_bytes

    results = from_bytes(data)
    best = results.best()
    for match in results if best is not None else ():
        # Single-byte code pages often tie; Windows-1252 is by far the likeliest of them.
        tie = match.chaos <= best.chaos and match.coherence >= best.coherence
        if tie and "cp1252" in match.could_be_from_charset:
            best = match
            break
    if best is not None:
        try:
            return str(best)
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("utf-8", errors="replace")


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Bytes of a text format to str: BOM, declared charset, strict UTF-8, then a guess.

    Raises RejectedFile("binary") for bytes that are not text, so a PNG renamed .txt
    is reported instead of indexed as gibberish.
    """
    if not data:
        raise RejectedFile("empty", "the file is empty (0 bytes)")
    encoding = _bom_encoding(data)
    if encoding is None and 0 in data[:SNIFF_BYTES]:
        encoding = _utf16_without_bom(data[:SNIFF_BYTES])
        if encoding is None:
            raise RejectedFile("binary", "looks like binary data, not text (contains NUL bytes)")
    text = _try_decode(data, encoding)
    if text is None and encoding is None:
        text = _try_decode(data, declared) or _try_decode(data, "utf-8")
    if text is None:
        text = _guess(data)
    if _looks_like_binary_text(text):
        raise RejectedFile("binary", "looks like binary data, not text (many control characters)")
    return text


def open_zip(path: Path) -> zipfile.ZipFile:
    """Open a zip container (DOCX, EPUB) after checking it cannot expand into a bomb."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise RejectedFile("corrupt", f"not a valid zip container: {error}") from error
    except OSError as error:
        raise unreadable(path, error) from error
    try:
        check_zip(archive)
    except BaseException:
        archive.close()
        raise
    return archive


def check_zip(archive: zipfile.ZipFile) -> None:
    """Reject archives whose declared sizes or compression ratios betray a zip bomb."""
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise RejectedFile("bomb", f"zip container holds {len(members)} files; too many")
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > RATIO_MIN_BYTES:
            ratio = member.file_size / max(member.compress_size, 1)
            if ratio > MAX_RATIO:
                raise RejectedFile(
                    "bomb",
                    f"possible zip bomb: {member.filename} expands {int(ratio)}x "
                    f"to {member.file_size // (1024 * 1024)} MB",
                )
    if total > MAX_UNCOMPRESSED_BYTES:
        raise RejectedFile(
            "bomb", f"zip container expands to {total // (1024 * 1024)} MB; the limit is 256 MB"
        )


class ZipBudget:
    """The decompressed bytes read so far from one container, counted as they are read.

    The sizes a zip declares are checked by `check_zip`, but a spine may list one member
    many times and a member's header may lie; counting what is actually inflated bounds
    the work whatever the container says.
    """

    def __init__(self, limit: int = MAX_UNCOMPRESSED_BYTES) -> None:
        self.limit = limit
        self.used = 0

    def take(self, count: int, name: str) -> None:
        self.used += count
        if self.used > self.limit:
            raise RejectedFile("bomb", f"reading {name} took the container beyond "
                                       f"{self.limit // (1024 * 1024)} MB decompressed")


def iter_member(archive: zipfile.ZipFile, name: str, budget: ZipBudget | None = None,
                cap: int = MAX_MEMBER_BYTES):
    """A member's bytes in chunks, stopping with RejectedFile("too-large") past `cap`
    and charging each chunk to `budget`."""
    read = 0
    try:
        with archive.open(name) as handle:
            while chunk := handle.read(READ_CHUNK):
                read += len(chunk)
                if read > cap:
                    raise RejectedFile("too-large", f"{name} expands beyond "
                                                    f"{cap // (1024 * 1024)} MB")
                if budget is not None:
                    budget.take(len(chunk), name)
                yield chunk
    except KeyError as error:
        raise RejectedFile("corrupt", f"missing {name} inside the container") from error
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError,
            NotImplementedError) as error:
        raise RejectedFile("corrupt", f"{name} cannot be inflated: {error}") from error


def read_member(archive: zipfile.ZipFile, name: str, budget: ZipBudget | None = None,
                cap: int = MAX_MEMBER_BYTES) -> bytes:
    """One member's bytes, read with a running total so a lying size header cannot
    exhaust memory."""
    return b"".join(iter_member(archive, name, budget, cap))


def truncated_note(limit: int = MAX_TEXT_CHARS) -> str:
    """The line that ends a text cut at the cap, so the reader sees that it was cut."""
    return f"[Archive App: text truncated; only the first {limit:,} characters were kept]"


def part_note(part: str, reason: str) -> str:
    """The line that stands for a part (a chapter) that could not be read."""
    return f"[Archive App: {part} could not be read: {reason}]"
