"""A document's metadata, once: the record every document-shaped value is built on.

A document read from its file (ingest's `Document`), one shown in the reader
(`DocumentView`), a search hit (`Hit`) and an exported passage (`Excerpt`) all say
where a text came from with the same fields. They were four copies of one field list,
and a field added to one (the document type) was missing from the others. Each of
them now extends `Metadata`, so the list and what it means are written here only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

METADATA_FIELDS = ("title", "author", "source", "date", "url", "lang", "type")
"""The metadata a sidecar, the catalog or the user can set; anything else comes from the
file. `type` is what kind of document it is, in CSL's terms (report, book, webpage...),
for the source exports; empty means guessed from the format (core/export/kinds.py)."""

RECORD_FIELDS = (*METADATA_FIELDS, "format")
"""Every field of the record: the settable ones and the format the importer found."""


@dataclass(kw_only=True)
class Metadata:
    """Where a text came from. Every field is a plain, cleaned string; '' is unknown."""

    title: str = ""
    author: str = ""
    source: str = ""
    date: str = ""
    """ISO 8601, as precise as known: "2013", "2013-09" or "2013-09-01"."""
    url: str = ""
    lang: str = ""
    """An ISO 639-1 code, lower case."""
    type: str = ""
    format: str = ""
    """The importer's name for the file's format: "pdf", "html", "eml"..."""

    @property
    def year(self) -> str:
        return self.date[:4] if len(self.date) >= 4 else ""

    def metadata(self) -> dict[str, str]:
        """The settable fields (METADATA_FIELDS) with their values."""
        return {name: getattr(self, name) for name in METADATA_FIELDS}

    def record_fields(self) -> dict[str, str]:
        """Every field of the record, to build another record from this one."""
        return {name: getattr(self, name) for name in RECORD_FIELDS}


def metadata_from_stored(stored: Mapping[str, object]) -> dict[str, str]:
    """The record's fields from a document's stored index fields (missing ones empty)."""
    return {name: str(stored.get(name) or "") for name in RECORD_FIELDS}
