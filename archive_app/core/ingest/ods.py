"""OpenDocument spreadsheet (.ods): each sheet's name and its cells, row by row.

content.xml is streamed (running-total inflate cap); a row is read when it ends and
then freed. Repeated cells and rows (`number-columns-repeated`, `number-rows-repeated`,
which spreadsheets use for millions of empty cells) are never expanded when empty, and
a repeated non-empty cell or row at most MAX_REPEAT times; at most office_xml.MAX_CELLS
cells are read, then a line says the sheet was cut.
"""

from __future__ import annotations

from pathlib import Path

from archive_app.core.ingest import limits, office_xml
from archive_app.core.ingest.documents import Extracted
from archive_app.core.ingest.opendocument import (
    TABLE,
    H,
    P,
    metadata,
    open_package,
    paragraph_text,
)

MAX_REPEAT = 1000
_TABLE, _ROW = f"{{{TABLE}}}table", f"{{{TABLE}}}table-row"
_CELL, _COVERED = f"{{{TABLE}}}table-cell", f"{{{TABLE}}}covered-table-cell"
_NAME = f"{{{TABLE}}}name"
_COLUMNS, _ROWS = f"{{{TABLE}}}number-columns-repeated", f"{{{TABLE}}}number-rows-repeated"


def _repeat(element, attribute: str) -> int:
    try:
        return max(1, int(element.get(attribute, "1")))
    except ValueError:
        return 1


def _cell_text(cell) -> str:
    return " ".join(paragraph_text(p) for p in cell.iter(P, H) if p.getparent() is cell)


def _row_cells(row) -> list[str]:
    cells: list[str] = []
    pending = 0  # empty cells not yet written (they matter only before a filled one)
    for cell in row:
        if cell.tag not in (_CELL, _COVERED):
            continue
        text = _cell_text(cell)
        count = _repeat(cell, _COLUMNS)
        if not text.strip():
            pending += count
            continue
        cells.extend([""] * min(pending, office_xml.MAX_PAD))
        pending = 0
        cells.extend([text] * min(count, MAX_REPEAT))
    return cells


def extract(path: Path) -> Extracted:
    with open_package(path, "application/vnd.oasis.opendocument.spreadsheet",
                      "ODS") as archive:
        budget = limits.ZipBudget()
        sheets = office_xml.SheetText()
        for event, element in office_xml.stream(archive, "content.xml", budget,
                                                ("start", "end"), (_TABLE, _ROW), "ODS"):
            if element.tag == _TABLE:
                if event == "start":
                    sheets.sheet(element.get(_NAME) or "")
                else:
                    office_xml.free(element)
                continue
            if event == "start":
                continue
            cells = _row_cells(element)
            repeat = min(_repeat(element, _ROWS), MAX_REPEAT) if any(cells) else 1
            office_xml.free(element)
            if not all(sheets.row(list(cells)) for _ in range(repeat)):
                break
        meta = metadata(archive, budget)
    return Extracted(text=sheets.text(), metadata=meta)
