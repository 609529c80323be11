"""CSV: one row per excerpt, UTF-8 (optional BOM), formula-like cells neutralised."""

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


def neutralise(cell: str) -> str:
    """Prefix a quote to a cell a spreadsheet would run as a formula (OWASP advice)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def row(excerpt: Excerpt, options: ExportOptions) -> list[str | int]:
    texts = [excerpt.doc, excerpt.title, excerpt.author, excerpt.source, excerpt.date,
             excerpt.url, excerpt.quote, "; ".join(excerpt.tags), note_shown(excerpt, options)]
    return [neutralise(text) for text in texts] + [excerpt.start, excerpt.end]


def render(excerpts: list[Excerpt], options: ExportOptions, texts: Mapping[str, str],
           tick: Callable[[], None]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for excerpt in excerpts:
        tick()
        writer.writerow(row(excerpt, options))
    return buffer.getvalue().encode("utf-8-sig" if options.csv_bom else "utf-8")
