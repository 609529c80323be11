"""What an export is made of: the Excerpt record, the user's options and the export error."""

from __future__ import annotations

from dataclasses import dataclass, field

from archive_app.core.errors import ArchiveError

GROUPINGS = ("tag", "document", "none")


class ExportError(ArchiveError):
    """An export that cannot be written (file exists, unknown format, unwritable folder)."""


@dataclass
class Excerpt:
    """One passage to export with where it came from; `annotation_uuid` is None for
    search-hit excerpts. `context_before`/`context_after` hold what was gathered; the
    options decide how much of it is shown."""

    doc: str
    path: str
    quote: str
    start: int
    end: int
    title: str = ""
    author: str = ""
    source: str = ""
    date: str = ""
    url: str = ""
    lang: str = ""
    format: str = ""
    tags: list[str] = field(default_factory=list)
    note: str = ""
    prefix: str = ""
    suffix: str = ""
    context_before: str = ""
    context_after: str = ""
    annotation_uuid: str | None = None
    created: str = ""
    modified: str = ""
    citation: str = ""


@dataclass
class ExportOptions:
    """The choices of the export dialog (or the CLI flags).

    `context_chars` > 0 shows up to that many characters around each quote (as gathered
    by `excerpts_from_*`); `timestamp` fixes the creation time written into project files
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
