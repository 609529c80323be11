"""Export chosen excerpts with citations: Markdown, HTML, DOCX, CSV, W3C JSON, REFI-QDA, sources."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from archive_app.core.atomic_files import write_atomically
from archive_app.core.export.citation import STYLES
from archive_app.core.export.common import safe_inputs, styled
from archive_app.core.export.gather import (
    document_texts,
    excerpts_from_annotations,
    excerpts_from_search,
    sentence_bounds,
)
from archive_app.core.export.grouping import entry_count
from archive_app.core.export.model import (
    GROUPINGS,
    Excerpt,
    ExportError,
    ExportOptions,
    NothingToExport,
)
from archive_app.core.jobs import JobControl

if TYPE_CHECKING:
    from archive_app.core.library import Library

__all__ = ["FORMATS", "GROUPINGS", "STYLES", "Excerpt", "ExportError", "ExportOptions",
           "NothingToExport", "check_target", "document_texts",
           "excerpts_from_annotations", "excerpts_from_search", "export_excerpts",
           "export_to_file", "format_module", "needs_texts", "preview", "render",
           "sentence_bounds"]

FORMATS = {
    "md": "markdown", "html": "html", "docx": "docx", "csv": "csv_format",
    "json": "web_annotation", "qdpx": "qdpx", "csl": "csl", "bibtex": "bibtex",
}
"""Format name (as the CLI and the dialog show it) -> module in this package. Each module
has LABEL, SUFFIX, BINARY, NEEDS_TEXTS and render(excerpts, options, texts, tick)."""

Tick = Callable[[], None]


def format_module(name: str) -> ModuleType:
    """The module writing format `name` (imported on first use: python-docx is heavy)."""
    if name not in FORMATS:
        raise ExportError(f"unknown export format '{name}' (one of {', '.join(FORMATS)})")
    return importlib.import_module(f"{__name__}.{FORMATS[name]}")


def needs_texts(name: str) -> bool:
    """Whether format `name` wants the documents' full texts (see `document_texts`)."""
    return bool(format_module(name).NEEDS_TEXTS)


def _styled(excerpts: list[Excerpt], options: ExportOptions) -> list[Excerpt]:
    if options.style not in STYLES:
        raise ExportError(f"unknown citation style '{options.style}' "
                          f"(one of {', '.join(STYLES)})")
    return styled(list(excerpts), options)


def _ticker(excerpts: list[Excerpt], options: ExportOptions,
            control: JobControl | None) -> Tick:
    if control is None:
        return lambda: None
    total = max(entry_count(excerpts, options.grouping), len(excerpts))
    done = 0

    def tick() -> None:
        nonlocal done
        control.check_cancelled()
        done = min(done + 1, total)
        control.progress(done, total, f"excerpt {done} of {total}")

    return tick


def render(excerpts: list[Excerpt], options: ExportOptions,
           texts: Mapping[str, str] | None = None, control: JobControl | None = None) -> bytes:
    """The file content of the excerpts in `options.format`; checks `control` between
    excerpts (raising `Cancelled`) and reports progress to it."""
    module = format_module(options.format)
    if control is not None:
        control.check_cancelled()
    safe, options, texts = safe_inputs(_styled(excerpts, options), options, texts or {})
    data = module.render(safe, options, texts, _ticker(safe, options, control))
    if control is not None:
        control.progress(len(excerpts), len(excerpts), "written")
    return data


def preview(excerpts: list[Excerpt], options: ExportOptions, count: int = 3,
            texts: Mapping[str, str] | None = None) -> str:
    """The first `count` excerpts as text in the chosen format (Markdown for DOCX, QDPX)."""
    module = format_module(options.format)
    first, options, texts = safe_inputs(_styled(list(excerpts)[:count], options), options,
                                        texts or {})
    if module.BINARY:
        module = format_module("md")
    data = module.render(first, options, texts, lambda: None)
    return data.decode("utf-8-sig")


def export_to_file(excerpts: list[Excerpt], options: ExportOptions, path: str | os.PathLike,
                   overwrite: bool = False, control: JobControl | None = None,
                   texts: Mapping[str, str] | None = None) -> Path:
    """Write the export atomically (temporary file in the same folder, then rename).

    Refuses an existing file unless `overwrite`; a cancelled or failed export leaves
    neither the file nor a temporary file behind.
    """
    target = Path(path)
    check_target(target, overwrite)
    data = render(excerpts, options, texts, control)
    if control is not None:
        control.check_cancelled()
    try:
        _write_atomically(target, data, overwrite)
    except OSError as error:
        raise ExportError(f"cannot write {target}: {error.strerror or error}") from error
    return target


def export_excerpts(library: Library, gather: Callable[[], list[Excerpt]],
                    options: ExportOptions, path: str | os.PathLike, overwrite: bool = False,
                    control: JobControl | None = None) -> tuple[int, Path]:
    """The one export pipeline of both faces (`export`, File ▸ Export…): gather the
    excerpts (`gather`: the face's choice, as calls of `excerpts_from_annotations` or
    `excerpts_from_search`), refuse an empty choice (`NothingToExport`), colour the tags
    as the store has them, read the documents' texts when the format wants them, then
    write the file atomically (`export_to_file`). With `control`, progress is reported
    and Cancel is honoured after gathering and between excerpts.

    Returns how many excerpts were written, and where."""
    if control is not None:
        control.progress(0, 0, "Gathering excerpts…")
    excerpts = gather()
    if control is not None:
        control.check_cancelled()
    if not excerpts:
        raise NothingToExport("there is nothing to export for this choice")
    options = replace(options, tag_colors={tag.name: tag.color for tag in library.tags()})
    texts = document_texts(library, excerpts) if needs_texts(options.format) else None
    written = export_to_file(excerpts, options, path, overwrite=overwrite, control=control,
                             texts=texts)
    return len(excerpts), written


def _write_atomically(target: Path, data: bytes, overwrite: bool) -> None:
    write_atomically(target, data, lambda: check_target(target, overwrite))


def check_target(target: Path, overwrite: bool) -> None:
    """Raise `ExportError` when `target` cannot be written (exists, folder missing...)."""
    if target.is_dir():
        raise ExportError(f"{target} is a folder; give a file name to export to")
    if target.exists() and not overwrite:
        raise ExportError(f"{target} already exists; choose another name or allow "
                          "overwriting (--force)")
    if not target.parent.is_dir():
        raise ExportError(f"the folder {target.parent} does not exist")
