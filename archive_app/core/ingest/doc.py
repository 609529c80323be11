"""Word 97-2003 (.doc): the text from antiword, else catdoc, run as separate programs.

No Python library reads the Word binary format well, and both Debian tools are GPL, so
they run as programs of their own (never linked): no shell, stdin closed, in a session
of their own (killed as a group), with a time limit, address-space and CPU-time caps,
and at most MAX_OUTPUT_BYTES of output read. antiword (`-w 0`: no wrapping, `-m
UTF-8.txt`: UTF-8) gives one paragraph a line with blank lines between, and draws
tables with `|`, which are turned back into tab-separated rows. Where antiword refuses
a file (a damaged table stream, a format it does not know), catdoc (`-w -d utf-8`) is
tried; catdoc copies a file without the OLE signature through unread, so it is only
tried on OLE files. A ".doc" that is really RTF or a DOCX (Word saved it under the
wrong name) goes to that importer. Title, author and date come from the OLE
SummaryInformation stream: olefile opens the container (`read_stream` refuses sizes
beyond the file's), `parse_summary` reads the stream; xls.py shares both. A document
whose FIB says it is encrypted is refused before any tool runs.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import os
import selectors
import shutil
import signal
import struct
import subprocess
import time
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import limits
from archive_app.core.ingest.documents import Extracted

try:  # POSIX; elsewhere the tools run without the caps
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

TOOL_TIME_LIMIT_SECONDS = 60.0
"""Wall-clock time one run of antiword or catdoc may take (as bounds.py gives a file)."""
TOOL_MEMORY_BYTES = 1024 ** 3
"""Address space the tool may use: 1 GiB, far beyond what a 64 MB document needs."""
MAX_OUTPUT_BYTES = limits.MAX_TEXT_CHARS * 4
"""Text read from the tool: the loader's character cap at UTF-8's widest; then killed."""
MAX_ERROR_BYTES = 4096
MAX_REASON_CHARS = 160
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WINWORD_2_MAGICS = (b"\x9b\xa5", b"\xdb\xa5")
"""Word for Windows 1 and 2 files, which predate OLE: antiword's alone (see above)."""
ANTIWORD_ARGS = ("-w", "0", "-m", "UTF-8.txt")
CATDOC_ARGS = ("-w", "-d", "utf-8")
_FIB_ENCRYPTED = 0x0100
_UTF8_CODEPAGE = 65001
_UTF16_CODEPAGE = 1200
_EARLIEST_YEAR = 1980
_SUMMARY_STREAM = "\x05SummaryInformation"
_SUMMARY_IDS = {"codepage": 1, "title": 2, "author": 4, "created": 12, "saved": 13}
_VT_I2, _VT_LPSTR, _VT_LPWSTR, _VT_FILETIME = 2, 30, 31, 64
MAX_FIELD_CHARS = 1000


@dataclass
class ToolRun:
    """What one run of a tool left: exit status, its output and the start of stderr;
    `cut`: the output reached MAX_OUTPUT_BYTES and the tool was killed (status 0 then)."""

    returncode: int
    output: bytes
    errors: bytes
    cut: bool = False


class ToolFailed(Exception):
    """A tool refused the file; `reason` is its own first line, ready for a user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _cap(which: int, wanted: int) -> tuple[int, int]:
    """(soft, hard) no higher than the hard limit already set (a child cannot raise it)."""
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    return wanted, wanted


def _child_limits():
    """A preexec_fn that only calls setrlimit with values computed here, in the parent:
    after fork in a threaded process the child must not import, allocate or lock."""
    if resource is None:
        return None
    caps = [(resource.RLIMIT_AS, _cap(resource.RLIMIT_AS, TOOL_MEMORY_BYTES)),
            (resource.RLIMIT_CPU, _cap(resource.RLIMIT_CPU, int(TOOL_TIME_LIMIT_SECONDS) + 5)),
            (resource.RLIMIT_CORE, (0, 0))]  # a tool crashing on a hostile file: no core
    setrlimit = resource.setrlimit

    def apply() -> None:
        for which, value in caps:
            setrlimit(which, value)

    return apply


def _kill(child: subprocess.Popen) -> None:
    """Kill the tool's process group (a wrapper script's children with it) while the tool
    itself has not been reaped, so that the group id cannot be another's by then."""
    if child.poll() is None:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except OSError:
            child.kill()


def _collect(child: subprocess.Popen, name: str) -> ToolRun:
    """Read stdout (up to MAX_OUTPUT_BYTES) and the start of stderr until both close,
    within the time limit; both pipes are drained together so neither can fill up."""
    deadline = time.monotonic() + TOOL_TIME_LIMIT_SECONDS
    output, errors = bytearray(), bytearray()
    with selectors.DefaultSelector() as selector:
        selector.register(child.stdout, selectors.EVENT_READ)
        selector.register(child.stderr, selectors.EVENT_READ)
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                raise _overtime(name)
            for key, _ in selector.select(left):
                chunk = os.read(key.fd, limits.READ_CHUNK)
                if not chunk:
                    selector.unregister(key.fileobj)
                elif key.fileobj is child.stdout:
                    output += chunk
                    if len(output) > MAX_OUTPUT_BYTES:
                        _kill(child)
                        return ToolRun(0, bytes(output[:MAX_OUTPUT_BYTES]), b"", cut=True)
                elif len(errors) < MAX_ERROR_BYTES:
                    errors += chunk[:MAX_ERROR_BYTES - len(errors)]
    try:
        returncode = child.wait(max(deadline - time.monotonic(), 0.01))
    except subprocess.TimeoutExpired:
        raise _overtime(name) from None
    return ToolRun(returncode, bytes(output), bytes(errors))


def _overtime(name: str) -> RejectedFile:
    return RejectedFile("timeout", f"{name} took longer than {TOOL_TIME_LIMIT_SECONDS:.0f} s "
                                   "on this DOC; it was stopped")


def run_tool(program: str, args: tuple[str, ...], path: Path) -> ToolRun:
    """Run `program args -- path` under the caps (module docstring); the file is named by
    its absolute path after `--`, so no file name can be taken for an option."""
    argv = [program, *args, "--", os.path.abspath(path)]
    name = os.path.basename(program)
    try:
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, bufsize=0, close_fds=True,
                                 start_new_session=True, preexec_fn=_child_limits())
    except OSError as error:
        raise ToolFailed(f"could not be started: {error.strerror or error}") from error
    with child:
        try:
            return _collect(child, name)
        finally:
            _kill(child)  # also when the file's own timer (bounds.py) fires in here


def escaped_line(text: str) -> str:
    """One line for a reason: control and other unprintable characters written as
    escapes, so that a tool's message cannot move the cursor or fake a line."""
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)


def tool_reason(run: ToolRun, path: Path) -> str:
    """The first line the tool wrote to stderr, with the file's path said as 'the file'."""
    text = run.errors.decode("utf-8", "replace").replace(os.path.abspath(path), "the file")
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not line:
        if run.returncode < 0:
            line = f"stopped by signal {-run.returncode}"
        else:
            line = f"exited with status {run.returncode}" if run.returncode else "found no text"
    return escaped_line(line)[:MAX_REASON_CHARS]


def tool_text(run: ToolRun) -> str:
    """The tool's UTF-8 output; if it was cut, cut under the loader's cap with its note,
    so that the reader is told even when the cut bytes held fewer characters."""
    text = run.output.decode("utf-8", "replace")
    if run.cut:
        text = text[:limits.MAX_TEXT_CHARS] + "\n\n" + limits.truncated_note()
    return text


def _is_table_line(line: str) -> bool:
    return len(line) >= 2 and line[0] == "|" and line[-1] == "|"


def _columns(lines: list[str]) -> list[int]:
    """Positions of the column rules: the '|' found at the same place on every line (a
    '|' inside a cell's text is not, except by a coincidence on every line)."""
    common = {index for index, char in enumerate(lines[0]) if char == "|"}
    for line in lines[1:]:
        common &= {index for index, char in enumerate(line) if char == "|"}
    return sorted(common | {0})


def _cells(line: str, rules: list[int]) -> list[str]:
    cells = [line[start + 1:end].strip() for start, end in pairwise(rules)]
    if len(line) - 1 > rules[-1]:
        cells.append(line[rules[-1] + 1:].rstrip("|").strip())
    return cells


def _continues(previous: list[str], cells: list[str], widths: list[int]) -> bool:
    """antiword wraps a long cell inside its column: a line continues the row above when
    each of its filled cells starts with a word that would not have fitted after the
    previous line's text in that column. (A new row that happens to look so is merged
    into the one above; its words stay next to each other.)"""
    if not any(cells) or len(previous) != len(cells):
        return False
    for before, cell, width in zip(previous, cells, widths, strict=False):  # widths: one spare
        if cell and not (before and len(before) + 1 + len(cell.split()[0]) > width):
            return False
    return True


def table_rows(lines: list[str]) -> list[str]:
    """antiword's drawn table as rows of tab-separated cells, wrapped cells re-joined."""
    rules = _columns(lines)
    widths = [end - start - 1 for start, end in pairwise(rules)] + [1 << 30]
    rows: list[list[str]] = []
    previous: list[str] = []
    for line in lines:
        cells = _cells(line, rules)
        if rows and _continues(previous, cells, widths):
            rows[-1] = [f"{old} {new}" if old and new else old or new
                        for old, new in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)
        previous = cells
    return ["\t".join(row) for row in rows if any(row)]


def antiword_paragraphs(text: str) -> str:
    """Paragraphs (blank-line separated, line breaks kept) and table rows, each a block
    of its own with a blank line between, as the DOCX importer gives them."""
    blocks: list[str] = []
    paragraph: list[str] = []
    table: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append("\n".join(paragraph))
            paragraph.clear()
        if len(table) == 1 and table[0].count("|") == 2:
            blocks.append(table[0])  # '|a paragraph like this|', not a table
        elif table:
            blocks.extend(table_rows(table))
        table.clear()

    for line in text.replace("\f", "\n").splitlines():
        line = line.rstrip()
        if _is_table_line(line):
            if paragraph:
                flush()
            table.append(line)
        elif not line.strip():
            flush()
        else:
            if table:
                flush()
            paragraph.append(line)
    flush()
    return "\n\n".join(blocks)


def catdoc_paragraphs(text: str) -> str:
    """catdoc -w writes one paragraph (or table row, cells tab-separated) a line."""
    return "\n\n".join(line.rstrip() for line in text.splitlines() if line.strip())


def open_ole(source: Path | bytes):
    """An olefile.OleFileIO on a path or on bytes already read (given as a file object:
    olefile takes bytes shorter than 1,536 for a file name)."""
    import olefile

    return olefile.OleFileIO(io.BytesIO(source) if isinstance(source, bytes) else str(source))


def read_stream(ole, name: str, file_size: int) -> bytes:
    """One stream, refused (ValueError) when its size, the mini stream's or the mini FAT's
    is more than the whole file: olefile logs such a defect and reads on, up to the size
    the file declares, through a chain that may run in a circle."""
    sizes = (ole.get_size(name), ole.root.size, ole.num_mini_fat_sectors * ole.sector_size)
    if max(sizes) > file_size:
        raise ValueError(f"the OLE stream {name} claims more bytes than the file has")
    with ole.openstream(name) as stream:
        return stream.read()


def _u32(data: bytes, position: int) -> int:
    return struct.unpack_from("<I", data, position)[0]


def _property_text(data: bytes, position: int, codepage: int) -> str:
    """A VT_LPSTR (bytes in the set's code page) or VT_LPWSTR (UTF-16) value."""
    kind, count = _u32(data, position), _u32(data, position + 4)
    if kind == _VT_LPWSTR:
        raw, encoding = data[position + 8:position + 8 + 2 * count], "utf-16-le"
    elif kind == _VT_LPSTR:
        raw = data[position + 8:position + 8 + count]
        encoding = {_UTF8_CODEPAGE: "utf-8", _UTF16_CODEPAGE: "utf-16-le"}.get(
            codepage, f"cp{codepage}")
    else:
        return ""
    try:
        text = raw.decode(encoding, "replace")
    except LookupError:  # a code page Python does not know
        text = raw.decode("cp1252", "replace")
    return text.split("\x00", 1)[0].strip()[:MAX_FIELD_CHARS]


def _property_date(data: bytes, position: int) -> str:
    """A VT_FILETIME as a date; an unset one (1601) or one before Word says nothing."""
    if _u32(data, position) != _VT_FILETIME:
        return ""
    ticks = struct.unpack_from("<Q", data, position + 4)[0]
    moment = datetime.datetime(1601, 1, 1) + datetime.timedelta(microseconds=ticks // 10)
    return moment.date().isoformat() if moment.year >= _EARLIEST_YEAR else ""


def _property_offsets(data: bytes) -> dict[int, int]:
    """{property id: offset of its value} of the first property set ([MS-OLEPS] 2.21):
    at most as many entries as the stream has room for, so a lying count costs nothing."""
    base = _u32(data, 44)  # after the 28-byte header, the set count and its FMTID
    count = _u32(data, base + 4)
    offsets = {}
    for index in range(min(count, max(len(data) - base - 8, 0) // 8)):
        entry = base + 8 + 8 * index
        offsets.setdefault(_u32(data, entry), base + _u32(data, entry + 4))
    return offsets


def parse_summary(data: bytes) -> dict[str, str]:
    """Title, author and created (else last saved) date of a SummaryInformation stream.

    Read here rather than by olefile's get_metadata, whose vector properties loop as
    many times as a 32-bit count in the file says (a mutated 6 KB XLS ran past 60 s)."""
    offsets = _property_offsets(data)
    codepage = 1252
    if _SUMMARY_IDS["codepage"] in offsets:
        position = offsets[_SUMMARY_IDS["codepage"]]
        if _u32(data, position) == _VT_I2:
            codepage = struct.unpack_from("<H", data, position + 4)[0]  # 65001 = UTF-8
    meta: dict[str, str] = {}
    for field, pid in (("title", _SUMMARY_IDS["title"]), ("author", _SUMMARY_IDS["author"])):
        with contextlib.suppress(struct.error):
            meta[field] = _property_text(data, offsets[pid], codepage) if pid in offsets else ""
    for pid in (_SUMMARY_IDS["created"], _SUMMARY_IDS["saved"]):
        with contextlib.suppress(struct.error, OverflowError):
            meta["date"] = meta.get("date") or (
                _property_date(data, offsets[pid]) if pid in offsets else "")
    return {key: value for key, value in meta.items() if value}


def summary_metadata(ole, file_size: int) -> dict[str, str]:
    """SummaryInformation's metadata, or {}: whatever a hostile file makes olefile or the
    parser raise costs the metadata, never the text."""
    try:
        if not ole.exists(_SUMMARY_STREAM):
            return {}
        return parse_summary(read_stream(ole, _SUMMARY_STREAM, file_size))
    except Exception:  # noqa: BLE001 - see the docstring
        return {}


def _is_encrypted(ole, file_size: int) -> bool:
    """The FIB's fEncrypted flag (Word 97-2003, [MS-DOC] 2.5.2)."""
    if not ole.exists("WordDocument"):
        return False
    header = read_stream(ole, "WordDocument", file_size)[:12]
    return len(header) == 12 and bool(int.from_bytes(header[10:12], "little") & _FIB_ENCRYPTED)


def ole_facts(path: Path) -> tuple[dict[str, str], bool]:
    """(SummaryInformation metadata, whether the FIB says encrypted); ({}, False) when
    olefile cannot read the container: the tools judge the file then."""
    meta, encrypted = {}, False
    with contextlib.suppress(Exception), open_ole(path) as ole:  # metadata and a flag only
        size = os.path.getsize(path)
        meta = summary_metadata(ole, size)
        encrypted = _is_encrypted(ole, size)
    return meta, encrypted


def _tool(name: str) -> str | None:
    return shutil.which(name)


def _missing_tools() -> RejectedFile:
    return RejectedFile("unsupported", "reading .doc files needs antiword (or catdoc), "
                                       "which is not installed: apt-get install antiword")


def _word_text(path: Path, ole: bool) -> str:
    """antiword's text, else (OLE files only) catdoc's; RejectedFile with both reasons."""
    antiword, catdoc = _tool("antiword"), _tool("catdoc") if ole else None
    if antiword is None and catdoc is None:
        raise _missing_tools()
    reasons = []
    for program, args, shape in ((antiword, ANTIWORD_ARGS, antiword_paragraphs),
                                 (catdoc, CATDOC_ARGS, catdoc_paragraphs)):
        if program is None:
            continue
        name = os.path.basename(program)
        try:
            run = run_tool(program, args, path)
        except ToolFailed as failure:
            reasons.append(f"{name} {failure.reason}")
            continue
        text = shape(tool_text(run)) if run.returncode == 0 or run.cut else ""
        if text.strip():
            return text
        reasons.append(f"{name}: {tool_reason(run, path)}")
    raise RejectedFile("corrupt", "DOC could not be read: " + "; ".join(reasons))


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(8)
    except OSError as error:
        raise limits.unreadable(path, error) from error


def extract(path: Path) -> Extracted:
    """Text with one paragraph or table row a block; title, author and created date."""
    head = _head(path)
    if head.lstrip()[:5] == b"{\\rtf":
        from archive_app.core.ingest import rtf

        return rtf.extract(path)
    if head.startswith(b"PK\x03\x04"):
        from archive_app.core.ingest import docx

        return docx.extract(path)
    ole = head.startswith(OLE_MAGIC)
    if not ole and not head.startswith(WINWORD_2_MAGICS):
        raise RejectedFile("corrupt", "DOC could not be read: not a Word document (it has "
                                      "no OLE signature)")
    meta, encrypted = ole_facts(path) if ole else ({}, False)
    if encrypted:
        raise RejectedFile("unsupported", "encrypted DOC (needs a password)")
    return Extracted(text=_word_text(path, ole), metadata=meta)
