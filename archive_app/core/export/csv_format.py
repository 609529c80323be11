"""CSV: one row per excerpt, UTF-8 (optional BOM), formula-like cells neutralised.

Tags are written one per line inside their cell: a tag name cannot hold a line break
(tag names are cleaned of them), so a tag never reads back as two. Neutralising puts
a ' before any cell a spreadsheet would run as a formula — quote text included, so
'=SUM(A1:A9)' is written as "'=SUM(A1:A9)"; `csv_raw` (CLI --raw) writes every cell as
it is, for tools that are not spreadsheets.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping

from archive_app.core.export.common import note_shown
from archive_app.core.export.model import Excerpt, ExportOptions

LABEL, SUFFIX, BINARY, NEEDS_TEXTS = "CSV table", ".csv", False, False

COLUMNS = ("document", "title", "author", "source", "date", "url", "quote", "tags", "note",
           "start", "end")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TAG_SEPARATOR = "\n"
"""Between the tags of one cell: a line break, which no tag name can contain."""


def neutralise(cell: str) -> str:
    """Prefix a quote to a cell a spreadsheet would run as a formula (OWASP advice)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def row(excerpt: Excerpt, options: ExportOptions) -> list[str | int]:
    texts = [excerpt.doc, excerpt.title, excerpt.author, excerpt.source, excerpt.date,
             excerpt.url, excerpt.quote, TAG_SEPARATOR.join(excerpt.tags),
             note_shown(excerpt, options)]
    if not options.csv_raw:
        texts = [neutralise(text) for text in texts]
    return [*texts, excerpt.start, excerpt.end]


def render(excerpts: list[Excerpt], options: ExportOptions, texts: Mapping[str, str],
           tick: Callable[[], None]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for excerpt in excerpts:
        tick()
        writer.writerow(row(excerpt, options))
    return buffer.getvalue().encode("utf-8-sig" if options.csv_bom else "utf-8")
