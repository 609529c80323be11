"""What an export is made of: the Excerpt record, the user's options and the export error."""

from __future__ import annotations

from dataclasses import dataclass, field

from archive_app.core.annotations.regions import Region
from archive_app.core.errors import ArchiveError
from archive_app.core.metadata import Metadata

GROUPINGS = ("tag", "document", "none")


class ExportError(ArchiveError):
    """An export that cannot be written (file exists, unknown format, unwritable folder)."""


class NothingToExport(ExportError):
    """The choice holds no excerpt: no file is written."""


@dataclass
class Excerpt(Metadata):
    """One passage to export with where it came from; `annotation_uuid` is None for
    search-hit excerpts. `context_before`/`context_after` hold what was gathered; the
    options decide how much of it is shown. `type` is the document type the user chose
    (a CSL type such as 'report'; empty: guessed from the format and source), `pages`
    the first and last PDF page the quote is on, `accessed` the day a web page was saved
    (YYYY-MM-DD, the file's modification date)."""

    doc: str
    path: str
    quote: str
    start: int
    end: int
    tags: list[str] = field(default_factory=list)
    note: str = ""
    prefix: str = ""
    suffix: str = ""
    context_before: str = ""
    context_after: str = ""
    annotation_uuid: str | None = None
    created: str = ""
    modified: str = ""
    creator: str = ""
    citation: str = ""
    pages: tuple[int, int] | None = None
    accessed: str = ""
    region: Region | None = None
    """For a region annotation: the rectangle on page `pages[0]` (its quote is then a
    caption saying so, and `picture` the PNG of that part of the page, when it could be
    rendered). HTML and DOCX show the picture; the other formats carry the caption."""
    picture: bytes = b""
    whole_document: bool = False
    """A tag or note on the whole document: its quote is WHOLE_DOCUMENT's caption, and
    the W3C export's target has no selector."""


@dataclass
class ExportOptions:
    """The choices of the export dialog (or the CLI flags).

    `context_chars` > 0 shows up to that many characters around each quote (as gathered
    by `excerpts_from_*`), cut at whole words; `style` is the citation style (see
    `core.citation.STYLES`); `user` names who made a project file (REFI-QDA), the OS
    user when empty; `csv_raw` writes CSV cells as they are, for tools that are not
    spreadsheets; `timestamp` fixes the creation time written into project files
    (tests, reproducible exports) and is the current UTC time when empty; `tag_colors`
    maps tag names to '#RRGGBB' for formats that carry colours.
    """

    format: str = "md"
    grouping: str = "tag"
    include_notes: bool = True
    context_chars: int = 0
    csv_bom: bool = False
    title: str = "Excerpts"
    timestamp: str = ""
    tag_colors: dict[str, str] = field(default_factory=dict)
    style: str = "short"
    user: str = ""
    csv_raw: bool = False
