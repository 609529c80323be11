"""Comma- and tab-separated values (.csv, .tsv): rows as lines, cells separated by tabs.

The bytes are decoded as any text file is (limits.decode_text); a .csv's delimiter is
sniffed from its first 64 KB (comma, semicolon, tab or bar; comma if unsure), a .tsv's
is the tab. Python's csv module reads the rows (linear); a cell is cut at
office_xml.MAX_CELL_CHARS, a field longer than MAX_FIELD_CHARS (an unclosed quote
swallowing the file) makes the file be read again as plain lines split at the
delimiter, each line cut at MAX_FIELD_CHARS. At most office_xml.MAX_CELLS cells. A
corpus folder's catalog.csv is metadata and never reaches this importer (the registry
excludes the name).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from archive_app.core.ingest import limits, office_xml
from archive_app.core.ingest.documents import Extracted

SNIFF_CHARS = 64 * 1024
MAX_FIELD_CHARS = 1024 * 1024
_DELIMITERS = ",;\t|"


def _delimiter(text: str, suffix: str) -> str:
    if suffix == ".tsv":
        return "\t"
    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS:
        sample = sample.rsplit("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","


def _rows(text: str, delimiter: str):
    previous = csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        yield from csv.reader(io.StringIO(text), delimiter=delimiter)
    finally:
        csv.field_size_limit(previous)


def _render(text: str, delimiter: str) -> str:
    sheet = office_xml.SheetText()
    try:
        for row in _rows(text, delimiter):
            if not sheet.row(row):
                break
    except csv.Error:
        sheet = office_xml.SheetText()
        for line in text.splitlines():
            if not sheet.row(line[:MAX_FIELD_CHARS].split(delimiter)):
                break
    return sheet.text()


def extract(path: Path) -> Extracted:
    text = limits.decode_text(limits.read_bytes(path))
    return Extracted(text=_render(text, _delimiter(text, path.suffix.lower())))
