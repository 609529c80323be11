"""The export dialog's work, in plain Python for the pool: gather, preview, write.

`Selection` is a snapshot of what the window has checked when the dialog opens; a
`Choice` is the source of excerpts the user picked. No function here touches a widget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from archive_app.core.annotations.records import Annotation
from archive_app.core.export import (
    Excerpt,
    ExportOptions,
    excerpts_from_annotations,
    excerpts_from_search,
    export_excerpts,
    preview,
)
from archive_app.core.jobs import JobControl
from archive_app.core.library import Library

CHECKED, TAGGED, FILTERED, RESULTS = "checked", "tagged", "filtered", "results"


@dataclass
class Selection:
    """What the window offers to export: checked and filtered annotations, checked hits."""

    checked_annotations: list[Annotation] = field(default_factory=list)
    filtered_annotations: list[Annotation] = field(default_factory=list)
    filter_active: bool = False
    result_keys: list[str] = field(default_factory=list)
    query: str = ""


@dataclass(frozen=True)
class Choice:
    """One source of excerpts, as the user chose it."""

    kind: str
    annotations: tuple[Annotation, ...] = ()
    tag: str = ""
    query: str = ""
    keys: tuple[str, ...] = ()


def gather(library: Library, choice: Choice, context_chars: int,
           limit: int | None = None) -> list[Excerpt]:
    """The excerpts of `choice` (only the first `limit` sources, for a preview)."""
    if choice.kind == RESULTS:
        keys = list(choice.keys[:limit] if limit else choice.keys)
        if not keys or not choice.query:
            return []
        return excerpts_from_search(library, choice.query, keys=keys, limit=len(keys),
                                    context_chars=context_chars)
    if choice.kind == TAGGED:
        annotations = library.all_annotations(tag=choice.tag) if choice.tag else []
        annotations.sort(key=lambda a: (a.doc, a.start, a.id))
    else:
        annotations = list(choice.annotations)
    return excerpts_from_annotations(library, annotations[:limit] if limit else annotations,
                                     context_chars=context_chars)


PREVIEW_COUNT = 3
"""How many excerpts the preview shows."""


@dataclass
class Preview:
    text: str
    summary: str


def make_preview(library: Library, choice: Choice, options: ExportOptions) -> Preview:
    """The first excerpts of `choice` rendered by core `preview()`, and how many there are."""
    excerpts = gather(library, choice, options.context_chars, limit=PREVIEW_COUNT)
    if not excerpts:
        return Preview("", "Nothing to export from this choice.")
    text = preview(excerpts, options, count=PREVIEW_COUNT)
    if choice.kind == RESULTS:
        total = len(choice.keys)
        summary = f"Passages from {total} checked result{'s' if total != 1 else ''}"
    else:
        total = (len(library.all_annotations(tag=choice.tag)) if choice.kind == TAGGED
                 else len(choice.annotations))
        summary = f"{total} excerpt{'s' if total != 1 else ''}"
    shown = min(len(excerpts), PREVIEW_COUNT)
    return Preview(text, f"{summary} · the preview shows the first {shown}")


def write_export(library: Library, choice: Choice, options: ExportOptions, path: Path,
                 overwrite: bool, control: JobControl) -> tuple[int, Path]:
    """Every excerpt of `choice` written to `path` by core `export_excerpts` (atomically,
    cancellable); returns how many, and where."""
    return export_excerpts(library, lambda: gather(library, choice, options.context_chars),
                           options, path, overwrite=overwrite, control=control)
