"""Excel 97-2003 workbook (.xls, and the BIFF2-5 files of older Excels): each sheet's
name and its cells, row by row, as the other spreadsheet importers give them.

The OLE container is opened by olefile, which follows a sector chain at most as far as
the stream's size, and only the workbook stream ("Workbook", or "Book" before Excel 97)
goes to xlrd (2.x reads only these binary workbooks), which takes a bare BIFF stream as
well: xlrd's own container reader loops on a short-sector chain that runs in a circle,
gathering empty pieces until memory runs out (a mutated 6 KB file took 16-26 s to reach
the 1 GiB cap). A file without the OLE signature (BIFF2-4, or not a workbook) goes to
xlrd as read. The file is read once, at most limits.MAX_FILE_BYTES, into memory (no
mmap, which a file changing underneath would turn into SIGBUS); sheets are loaded one
at a time (`on_demand`) and unloaded once read, rows ragged so a far-right cell does
not widen every row. Cells are shown as Excel shows them in a General column: text,
integers without ".0" and other numbers to Excel's 15 significant digits, dates as ISO
dates (with the time of day if there is one; a time alone as HH:MM:SS), TRUE/FALSE,
error codes (#DIV/0!, #N/A...); formulas by their cached value. Rendered by
office_xml.SheetText (at most office_xml.MAX_CELLS cells). xlrd's warnings go nowhere
(its default is stdout). Title, author and date come from the OLE SummaryInformation
stream (doc.summary_metadata); xlrd's `user_name` is the last user to save, written as
"Calc" by LibreOffice, so it is left out. A ".xls" that is really an XLSX (Excel saved
it under the wrong name) goes to that importer.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import limits, office_xml
from archive_app.core.ingest.doc import (
    OLE_MAGIC,
    escaped_line,
    open_ole,
    read_stream,
    summary_metadata,
)
from archive_app.core.ingest.documents import Extracted

MAX_REASON_CHARS = 160
WORKBOOK_STREAMS = ("Workbook", "Book")
"""BIFF8 (Excel 97-2003) and BIFF5 (Excel 5 and 95) names of the workbook stream."""
_EXCEL_DIGITS = 15
_INTEGER_LIMIT = 10 ** _EXCEL_DIGITS
_EMPTY, _TEXT, _NUMBER, _DATE, _BOOLEAN, _ERROR, _BLANK = range(7)  # xlrd's XL_CELL_*


class _Discard:
    """A log file that keeps nothing: xlrd writes its warnings to stdout by default."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def number_text(value: float) -> str:
    """1200.0 -> '1200', 0.1 + 0.2 -> '0.3': what a General cell in Excel shows."""
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        return "#NUM!"
    if value.is_integer() and abs(value) < _INTEGER_LIMIT:
        return str(int(value))
    return f"{value:.{_EXCEL_DIGITS}g}"


def date_text(value: float, datemode: int) -> str:
    """A date cell as an ISO date, 'YYYY-MM-DD HH:MM:SS' with a time, 'HH:MM:SS' for a
    time alone; a serial number no date can have stays a number."""
    import xlrd

    if value < 0:  # Excel shows ##### for these
        return number_text(value)
    try:
        moment = xlrd.xldate.xldate_as_datetime(value, datemode)
    except (xlrd.XLDateError, ValueError, OverflowError):
        return number_text(value)
    moment = moment.replace(microsecond=0)
    if 0 <= value < 1:
        return moment.time().isoformat()
    if moment.time() == datetime.time(0):
        return moment.date().isoformat()
    return moment.isoformat(sep=" ")


def cell_text(kind: int, value, datemode: int) -> str:
    """One cell as text (see the module docstring)."""
    import xlrd

    if kind == _TEXT:
        return str(value)
    if kind == _NUMBER and isinstance(value, float | int):
        return number_text(float(value))
    if kind == _DATE and isinstance(value, float | int):
        return date_text(float(value), datemode)
    if kind == _BOOLEAN:
        return "TRUE" if value else "FALSE"
    if kind == _ERROR:
        return xlrd.error_text_from_code.get(value, "#ERROR!")
    return ""


def _sheet_rows(book, index: int):
    """Each row of one sheet as a list of cell texts; the sheet is unloaded afterwards."""
    sheet = book.sheet_by_index(index)
    try:
        for row in range(sheet.nrows):
            cells = zip(sheet.row_types(row), sheet.row_values(row), strict=False)
            yield [cell_text(kind, value, book.datemode) for kind, value in cells]
    finally:
        book.unload_sheet(index)


def _reason(error: Exception) -> str:
    return escaped_line(str(error) or type(error).__name__)[:MAX_REASON_CHARS]


def _unreadable(error: Exception) -> RejectedFile:
    return RejectedFile("corrupt", f"XLS could not be read: {_reason(error)}")


def _open(data: bytes):
    """The workbook, or RejectedFile with xlrd's reason (encrypted ones: unsupported)."""
    import xlrd

    try:
        return xlrd.open_workbook(file_contents=data, logfile=_Discard(), on_demand=True,
                                  formatting_info=False, ragged_rows=True)
    except xlrd.XLRDError as error:
        if "encrypted" in str(error).lower():
            raise RejectedFile("unsupported", "encrypted XLS (needs a password)") from error
        raise _unreadable(error) from error


def _no_workbook(ole) -> RejectedFile:
    if ole.exists("EncryptedPackage"):  # an XLSX with a password, in an OLE wrapper
        return RejectedFile("unsupported", "encrypted XLS (needs a password)")
    return RejectedFile("corrupt", "XLS could not be read: the file holds no workbook")


def _workbook_stream(data: bytes) -> tuple[bytes, dict[str, str]]:
    """The workbook stream of an OLE file and its SummaryInformation metadata. A stream
    that is itself an OLE file is refused: xlrd would open it with its own reader."""
    try:
        with open_ole(data) as ole:
            name = next((name for name in WORKBOOK_STREAMS if ole.exists(name)), None)
            if name is None:
                raise _no_workbook(ole)
            workbook = read_stream(ole, name, len(data))
            meta = summary_metadata(ole, len(data))
    except (RejectedFile, MemoryError):
        raise
    except Exception as error:  # olefile's defects are OSErrors: not the disk's fault
        raise _unreadable(error) from error
    if workbook.startswith(OLE_MAGIC):
        raise RejectedFile("corrupt", "XLS could not be read: its workbook is another "
                                      "OLE file")
    return workbook, meta


def _render(book) -> str:
    text = office_xml.SheetText()
    for index, name in enumerate(book.sheet_names()):
        text.sheet(name)
        for cells in _sheet_rows(book, index):
            if not text.row(cells):
                break
        if text.full:
            break
    return text.text()


def extract(path: Path) -> Extracted:
    """Sheets as 'Sheet: NAME' and tab-separated rows; title, author and created date."""
    data = limits.read_bytes(path)
    if data.startswith(b"PK\x03\x04"):
        from archive_app.core.ingest import xlsx

        return xlsx.extract(path)
    workbook, meta = _workbook_stream(data) if data.startswith(OLE_MAGIC) else (data, {})
    book = _open(workbook)
    try:
        text = _render(book)
    finally:
        book.release_resources()
    return Extracted(text=text, metadata=meta)
