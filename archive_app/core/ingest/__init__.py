"""The importer registry and `load_document`, the one entry point the indexer calls.

Every file either becomes a `Document` or raises `RejectedFile(code, reason)`; no
library exception escapes, so one bad file never stops an indexing run.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Mapping
from pathlib import Path

from archive_app.core.dates import normalise_date
from archive_app.core.documents import (
    METADATA_FIELDS,
    Document,
    Extracted,
    content_hash,
    join_pages,
    normalise_field,
    normalise_text,
)
from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import isolation, limits
from archive_app.core.ingest.sidecars import (
    CATALOG_NAME,
    SIDECAR_SUFFIX,
    read_catalog,
    read_sidecar,
    sidecar_path,
)
from archive_app.core.scripts import detect_language

__all__ = [
    "format_of",
    "SIDECAR_SUFFIX",
    "is_document_file",
    "is_document_name",
    "load_document",
    "read_catalog",
    "read_sidecar",
    "sidecar_path",
    "supported_suffixes",
]

_IMPORTERS: dict[str, tuple[str, str]] = {
    ".txt": ("txt", "text"),
    ".md": ("md", "markdown"),
    ".markdown": ("md", "markdown"),
    ".html": ("html", "html"),
    ".htm": ("html", "html"),
    ".pdf": ("pdf", "pdf"),
    ".docx": ("docx", "docx"),
    ".eml": ("eml", "eml"),
    ".epub": ("epub", "epub"),
}
"""suffix -> (format name, importer module); modules load lazily to keep start-up fast."""

MAX_TITLE_LINE = 120
ISOLATED_FORMATS = frozenset({"pdf"})
"""Read in a child process with a time limit (ingest/isolation.py): pdfminer can hang."""
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def supported_suffixes() -> frozenset[str]:
    """Lower-case suffixes (with the dot) that have an importer."""
    return frozenset(_IMPORTERS)


def format_of(path: Path) -> str:
    """The short format name ("pdf", "md", ...) of a supported file, '' otherwise."""
    return _IMPORTERS.get(Path(path).suffix.lower(), ("", ""))[0]


def is_document_file(path: Path) -> bool:
    """A file to index: supported suffix, not hidden, not a sidecar, catalog or Word lock file."""
    return is_document_name(Path(path).name)


def is_document_name(name: str) -> bool:
    """is_document_file for a bare file name (the folder scan's fast path)."""
    lowered = name.lower()
    if name.startswith((".", "~$")) or lowered.endswith(SIDECAR_SUFFIX):
        return False
    return lowered != CATALOG_NAME and os.path.splitext(lowered)[1] in _IMPORTERS


def _extract(path: Path, fmt: str, module: str) -> Extracted:
    """Run the importer, turning any library failure into a RejectedFile a user can read."""
    label = fmt.upper()
    try:
        if fmt in ISOLATED_FORMATS:
            return isolation.extract_isolated(f"{__name__}.{module}", path, label)
        return importlib.import_module(f"{__name__}.{module}").extract(path)
    except RejectedFile:
        raise
    except OSError as error:
        raise limits.unreadable(path, error) from error
    except RecursionError as error:
        raise RejectedFile("corrupt", f"{label} is nested too deeply to read") from error
    except MemoryError as error:
        raise RejectedFile("too-large", f"{label} is too large to read in memory") from error
    except Exception as error:  # the last line of defence: libraries raise anything
        message = str(error) or type(error).__name__
        raise RejectedFile(
            "corrupt", f"{label} could not be parsed: {message[:160]}"
        ) from error


def _clean(text: str) -> str:
    """Lone surrogates (from lenient decoders) cannot be stored or hashed as UTF-8."""
    return _SURROGATES.sub("\ufffd", text)


def _merge_metadata(*layers: Mapping[str, object]) -> dict[str, str]:
    """Later layers win, but only with non-empty values (and dates that can be read)."""
    merged = dict.fromkeys(METADATA_FIELDS, "")
    for layer in layers:
        for name in METADATA_FIELDS:
            value = normalise_field(_clean(str(layer.get(name) or "")))
            if name == "date":
                value = normalise_date(value)
            elif name == "lang":
                value = value.lower()
            if value:
                merged[name] = value
    return merged


def _fallback_title(fmt: str, text: str, path: Path) -> str:
    """A short first line titles a .txt file; everything else falls back to the file name."""
    if fmt == "txt":
        first, _, rest = text.partition("\n")
        if first.strip() and len(first) <= MAX_TITLE_LINE and rest.strip():
            return normalise_field(first)
    return path.stem


def load_document(
    path: Path, key: str, overrides: Mapping[str, str] | None = None
) -> Document:
    """Import one file. Metadata precedence: the file's own < `overrides` (catalog) < sidecar.

    Raises RejectedFile with code empty, binary, too-large, corrupt, unreadable,
    unsupported or bomb; never anything else.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _IMPORTERS:
        raise RejectedFile("unsupported", f"'{suffix or path.name}' files are not supported")
    fmt, module = _IMPORTERS[suffix]
    if limits.check_file(path) == 0:
        raise RejectedFile("empty", "the file is empty (0 bytes)")
    extracted = _extract(path, fmt, module)
    page_starts: list[int] = []
    if extracted.page_texts is not None:
        text, page_starts = join_pages([_clean(page) for page in extracted.page_texts])
    else:
        text = normalise_text(_clean(extracted.text))
    if not text.strip():
        reason = "no text could be extracted"
        raise RejectedFile("empty", reason + (" (scanned images need OCR)" if fmt == "pdf" else ""))
    meta = _merge_metadata(extracted.metadata, overrides or {}, read_sidecar(path))
    meta["title"] = meta["title"] or _fallback_title(fmt, text, path)
    meta["lang"] = meta["lang"] or detect_language(text)
    return Document(
        key=key,
        path=str(path),
        format=fmt,
        text=text,
        page_starts=page_starts,
        attachments=[normalise_field(_clean(name)) for name in extracted.attachments],
        sha256=content_hash(text),
        **meta,
    )
