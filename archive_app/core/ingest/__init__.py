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
from archive_app.core.ingest import bounds, isolation, limits
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
    ".odt": ("odt", "odt"), ".ods": ("ods", "ods"), ".odp": ("odp", "odp"),
    ".xlsx": ("xlsx", "xlsx"), ".pptx": ("pptx", "pptx"), ".rtf": ("rtf", "rtf"),
    ".csv": ("csv", "delimited"), ".tsv": ("tsv", "delimited"),
}
"""suffix -> (format name, importer module); modules load lazily to keep start-up fast."""

MAX_TITLE_LINE = 120
ISOLATED_FORMATS = frozenset({"pdf"})
"""Always read in a child process (ingest/isolation.py): pdfminer can take minutes and
gigabytes even on honest files, so a PDF gets its own process and 2 GB. Other formats
are read in this process under bounds.py's time limit and memory cap where this
process can be bounded, else in the same kind of child."""
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
        return _capped(_bounded_extract(path, module, label, fmt in ISOLATED_FORMATS))
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


def _bounded_extract(path: Path, module: str, label: str, isolate: bool) -> Extracted:
    """The importer's result under a time limit and a memory cap (issue 13).

    Here when this process can be bounded (bounds.py: the indexing children, the CLI),
    otherwise (the window's worker threads) or for PDF in an isolated child."""
    if isolate or not bounds.can_bound_here():
        return isolation.extract_isolated(f"{__name__}.{module}", path, label)
    with bounds.bounded(label):
        return importlib.import_module(f"{__name__}.{module}").extract(path)


def _capped(extracted: Extracted) -> Extracted:
    """Cut the text at limits.MAX_TEXT_CHARS, ending it with a note that says so."""
    note = "\n\n" + limits.truncated_note()
    if extracted.page_texts is None:
        if len(extracted.text) > limits.MAX_TEXT_CHARS:
            extracted.text = extracted.text[:limits.MAX_TEXT_CHARS] + note
        return extracted
    kept, room = [], limits.MAX_TEXT_CHARS
    for page in extracted.page_texts:
        if len(page) > room:
            kept.append(page[:room] + note)
            extracted.page_texts = kept
            break
        kept.append(page)
        room -= len(page)
    return extracted


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
    return normalise_field(path.stem)  # a name can hold ESC, newlines, lone surrogates


def _corpus_folder(path: Path, key: str) -> Path:
    """The corpus folder a document was found in, from its key ('root/sub/name' lies two
    folders below it); a sidecar linked to a file outside that folder is not read. A key
    without a folder part (a single file) means the file's own folder."""
    levels = key.count("/")
    parents = path.parents
    return parents[levels - 1] if 0 < levels <= len(parents) else path.parent


def load_document(
    path: Path, key: str, overrides: Mapping[str, str] | None = None
) -> Document:
    """Import one file. Metadata precedence: the file's own < `overrides` (catalog) < sidecar.

    Raises RejectedFile with code empty, binary, too-large, corrupt, unreadable,
    unsupported, bomb or timeout; never anything else. Every file is read under a time
    limit and a memory cap, and its text is cut at limits.MAX_TEXT_CHARS with a note.
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
    sidecar = read_sidecar(path, _corpus_folder(path, key))
    meta = _merge_metadata(extracted.metadata, overrides or {}, sidecar)
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
