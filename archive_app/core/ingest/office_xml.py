"""Shared pieces of the Office Open XML and OpenDocument importers (xlsx, pptx, odt, ods, odp).

Every part is inflated in chunks with a running total (limits.iter_member, charged to a
limits.ZipBudget) into an lxml pull parser that loads no DTD, resolves no entities,
never touches the network and keeps huge_tree off; an element is freed once read.
Spreadsheets are rendered one way for every format (`SheetText`): a heading line
"Sheet: NAME", then one line per row with the cells separated by tabs, at most
MAX_CELLS cells per file and MAX_CELL_CHARS characters per cell.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import limits

MAX_CELLS = 200_000
"""Non-empty cells read from one spreadsheet (xlsx, ods, csv, tsv); then a note says so."""
MAX_CELL_CHARS = 32_767
"""Characters kept of one cell (Excel's own limit)."""
MAX_SLIDES = limits.MAX_PDF_PAGES
"""Slides read from one presentation, as pages of a PDF."""
MAX_PAD = 256
"""Empty cells written before a cell far to the right (its column kept roughly)."""
SMALL_PART = 4 * 1024 * 1024
"""Metadata, relationships and workbook parts: read whole, at most this large."""


def cells_note(limit: int = MAX_CELLS) -> str:
    return f"[Archive App: spreadsheet cut; only the first {limit:,} cells were read]"


def safe_parser(**options):
    """An lxml parser (a pull parser if `events` is given) that fetches nothing."""
    from lxml import etree

    parser_class = etree.XMLPullParser if "events" in options else etree.XMLParser
    return parser_class(resolve_entities=False, no_network=True, load_dtd=False,
                        huge_tree=False, **options)


def parse_small(archive: zipfile.ZipFile, name: str, budget: limits.ZipBudget):
    """A small part (metadata, relationships) parsed whole; None if missing or broken."""
    from lxml import etree

    if name not in archive.NameToInfo:
        return None
    try:
        return etree.fromstring(limits.read_member(archive, name, budget, cap=SMALL_PART),
                                safe_parser())
    except etree.XMLSyntaxError:
        return None


def stream(archive: zipfile.ZipFile, name: str, budget: limits.ZipBudget,
           events: tuple[str, ...], tags: Iterable[str] | None, label: str) -> Iterator:
    """(event, element) pairs of one part, parsed as it is inflated."""
    from lxml import etree

    parser = safe_parser(events=events, tag=tuple(tags) if tags else None)
    try:
        for chunk in limits.iter_member(archive, name, budget):
            parser.feed(chunk)
            yield from parser.read_events()
        parser.close()
        yield from parser.read_events()
    except etree.XMLSyntaxError as error:
        raise RejectedFile("corrupt", f"{label} could not be read: {error}") from error


def free(element) -> None:
    """Drop a read element and the siblings read before it."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def one_line(value: str) -> str:
    """A cell's text on one line, cut at MAX_CELL_CHARS."""
    if len(value) > MAX_CELL_CHARS:
        value = value[:MAX_CELL_CHARS]
    if "\t" in value or "\n" in value or "\r" in value:
        value = " ".join(value.split())
    return value


class SheetText:
    """Sheets rendered as text under a cell cap (see the module docstring)."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = MAX_CELLS if limit is None else limit
        self.cut = False  # by the cell cap (the text cap is the loader's to note)
        self.cells = 0
        self.length = 0
        self.full = False
        self.blocks: list[list[str]] = []

    def sheet(self, name: str | None) -> None:
        self.blocks.append([f"Sheet: {one_line(name)}"] if name else [])

    def row(self, cells: list[str]) -> bool:
        """Add one row (empty trailing cells dropped); False once the cap is reached."""
        if self.full or self.length > limits.MAX_TEXT_CHARS:
            self.full = True
            return False
        while cells and not cells[-1]:
            cells.pop()
        filled = sum(1 for cell in cells if cell)
        if not filled:
            return True
        if self.cells + filled > self.limit:
            self.full = self.cut = True
            return False
        self.cells += filled
        if not self.blocks:
            self.sheet(None)
        line = "\t".join(one_line(cell) for cell in cells)
        self.length += len(line) + 1
        self.blocks[-1].append(line)
        return True

    def text(self) -> str:
        blocks = ["\n".join(lines) for lines in self.blocks if lines]
        if self.cut:
            blocks.append(cells_note(self.limit))
        return "\n\n".join(blocks)


def column_index(reference: str | None) -> int | None:
    """'C7' -> 2 (0-based); None when there is no usable reference."""
    if not reference:
        return None
    number = 0
    for position, char in enumerate(reference):
        if "A" <= char <= "Z":
            number = number * 26 + ord(char) - 64
        elif position and char.isdigit():
            break
        else:
            return None
        if position > 3:
            return None
    return number - 1 if number else None


def core_properties(archive: zipfile.ZipFile, budget: limits.ZipBudget) -> dict[str, str]:
    """Title, author, created date and language of an OOXML package (docProps/core.xml)."""
    root = parse_small(archive, "docProps/core.xml", budget)
    if root is None:
        return {}
    names = {"title": "title", "creator": "author", "created": "date", "language": "lang"}
    meta: dict[str, str] = {}
    for element in root:
        local = str(element.tag).rsplit("}", 1)[-1]
        if local in names and (element.text or "").strip():
            meta[names[local]] = element.text.strip()[:1000]
    if "date" in meta:
        meta["date"] = meta["date"][:10]
    return meta
