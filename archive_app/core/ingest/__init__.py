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

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import bounds, isolation, limits, members, options
from archive_app.core.ingest.documents import (
    Document,
    Extracted,
    Member,
    content_hash,
    join_pages,
    normalise_field,
    normalise_text,
)
from archive_app.core.ingest.sidecars import (
    CATALOG_NAME,
    SIDECAR_SUFFIX,
    read_catalog,
    read_sidecar,
    sidecar_path,
)
from archive_app.core.metadata import METADATA_FIELDS
from archive_app.core.text.dates import normalise_date
from archive_app.core.text.writing_systems import detect_language

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
    ".doc": ("doc", "doc"), ".xls": ("xls", "xls"),
    ".png": ("image", "image"), ".jpg": ("image", "image"), ".jpeg": ("image", "image"),
    ".tif": ("image", "image"), ".tiff": ("image", "image"), ".bmp": ("image", "image"),
    ".webp": ("image", "image"),
    ".zip": ("zip", "zip_members"), ".7z": ("7z", "sevenz_members"),
    ".tar": ("tar", "tar_members"), ".tgz": ("tar", "tar_members"),
    ".tbz2": ("tar", "tar_members"), ".txz": ("tar", "tar_members"),
    ".mbox": ("mbox", "mbox"), ".mbx": ("mbox", "mbox"),
    ".pst": ("pst", "pst"), ".ost": ("pst", "pst"), ".msg": ("msg", "msg"),
}
"""suffix -> (format name, importer module); modules load lazily to keep start-up fast."""

MAX_TITLE_LINE = 120
ISOLATED_FORMATS = frozenset({"pdf"})
"""Always read in a child process (ingest/isolation.py): PDF is read by pdfium, C code
that a hostile file may crash or send into a loop, so a PDF gets its own process and
2 GB, and a crash costs only that file. Other formats
are read in this process under bounds.py's time limit and memory cap where this
process can be bounded, else in the same kind of child."""
_SURROGATES = re.compile(r"[\ud800-\udfff]")


CONTAINER_FORMATS = frozenset({"zip", "7z", "tar", "mbox", "pst", "eml", "msg"})
"""Formats whose members (files, messages, attachments) become child documents."""
CONTAINER_TIME_LIMIT = 600.0
"""Listing and unpacking one container (its members are then read one by one)."""
_COMPOUND_SUFFIXES = {".tar.gz": ".tgz", ".tar.bz2": ".tbz2", ".tar.xz": ".txz"}
CHILD_KEY_SEPARATOR = "//"
"""Between a container's key and a member's part in the member's key: a file's key is
a path with no empty segment, so the first '//' always ends the file's own key."""
PLACE_SEPARATOR = " \u203a "


def suffix_of(name: str) -> str:
    """The lower-case suffix that picks the importer; '.tar.gz' and friends count as one."""
    lowered = name.lower()
    for long, short in _COMPOUND_SUFFIXES.items():
        if lowered.endswith(long):
            return short
    return os.path.splitext(lowered)[1]


def in_maildir(folder: str | os.PathLike) -> bool:
    """A Maildir's `cur` or `new` folder (its parent holds cur, new and tmp): every file
    in it is one message, named by the delivering program ("1733.M5P9.host:2,S")."""
    folder = os.fspath(folder)
    if os.path.basename(folder) not in ("cur", "new"):
        return False
    parent = os.path.dirname(folder)
    return all(os.path.isdir(os.path.join(parent, part)) for part in ("cur", "new", "tmp"))


def is_maildir_message(path: Path) -> bool:
    name = Path(path).name
    return not name.startswith(".") and not name.lower().endswith(SIDECAR_SUFFIX) \
        and in_maildir(Path(path).parent)


def _importer_of(path: Path) -> tuple[str, str] | None:
    """(format, module) of a file: by its suffix, or a message of a Maildir folder."""
    found = _IMPORTERS.get(suffix_of(path.name))
    if found is None and is_maildir_message(path):
        return _IMPORTERS[".eml"]
    return found


def supported_suffixes() -> frozenset[str]:
    """Lower-case suffixes (with the dot) that have an importer."""
    return frozenset(_IMPORTERS)


def format_of(path: Path) -> str:
    """The short format name ("pdf", "md", ...) of a supported file, '' otherwise."""
    return (_importer_of(Path(path)) or ("", ""))[0]


def is_document_file(path: Path) -> bool:
    """A file to index: supported suffix, not hidden, not a sidecar, catalog or Word lock file."""
    return is_document_name(Path(path).name)


def is_document_name(name: str) -> bool:
    """is_document_file for a bare file name (the folder scan's fast path)."""
    lowered = name.lower()
    if name.startswith((".", "~$")) or lowered.endswith(SIDECAR_SUFFIX):
        return False
    return lowered != CATALOG_NAME and suffix_of(lowered) in _IMPORTERS


def _extract(path: Path, fmt: str, module: str) -> Extracted:
    """Run the importer, turning any library failure into a RejectedFile a user can read."""
    label = fmt.upper()
    try:
        return _capped(_bounded_extract(path, module, label, fmt))
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


def _bounded_extract(path: Path, module: str, label: str, fmt: str) -> Extracted:
    """The importer's result under a time limit and a memory cap (issue 13).

    Here when this process can be bounded (bounds.py: the indexing children, the CLI),
    otherwise (the window's worker threads) or for PDF in an isolated child. A
    container only lists and unpacks its members here (each is read later under its
    own bounds), which for a large mailbox or zip takes longer than one file may."""
    time_limit = (CONTAINER_TIME_LIMIT if fmt in CONTAINER_FORMATS
                  else bounds.FILE_TIME_LIMIT_SECONDS)
    if fmt in ISOLATED_FORMATS or not bounds.can_bound_here():
        return isolation.extract_isolated(f"{__name__}.{module}", path, label,
                                          time_limit=time_limit, options=options.current())
    with bounds.bounded(label, time_limit=time_limit):
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
    path: Path, key: str, catalog_metadata: Mapping[str, str] | None = None,
    read_options: options.ReadOptions | None = None,
) -> Document:
    """Import one file. Metadata precedence: the file's own < `catalog_metadata` (the
    folder's catalog file) < sidecar.

    Raises RejectedFile with code empty, binary, too-large, corrupt, unreadable,
    unsupported, bomb or timeout; never anything else. Every file is read under a time
    limit and a memory cap, and its text is cut at limits.MAX_TEXT_CHARS with a note.
    A container's or a message's members come back as `children` (see Document.family);
    a member that cannot be read is listed in `skipped_members` and the rest are kept.
    """
    path = Path(path)
    importer = _importer_of(path)
    if importer is None:
        suffix = suffix_of(path.name)
        raise RejectedFile("unsupported", f"'{suffix or path.name}' files are not supported")
    fmt, module = importer
    size_limit = members.MAX_CONTAINER_BYTES if fmt in CONTAINER_FORMATS else None
    if limits.check_file(path, size_limit) == 0:
        raise RejectedFile("empty", "the file is empty (0 bytes)")
    with options.reading_with(read_options):
        extracted = _extract(path, fmt, module)
        try:
            _read_scans(path, fmt, extracted)
            sidecar = read_sidecar(path, _corpus_folder(path, key))
            document = _document(extracted, fmt, path, key, [catalog_metadata or {}, sidecar])
            _read_members(document, extracted, depth=1)
        finally:
            members.remove_members_dir(extracted.members_dir)
    return document


def _document(extracted: Extracted, fmt: str, path: Path, key: str,
              layers: list[Mapping[str, object]], fallback_name: str = "") -> Document:
    """The Document of one extracted file or member (its text normalised, its metadata
    merged, layers after the file's own winning)."""
    page_starts: list[int] = []
    if extracted.page_texts is not None:
        text, page_starts = join_pages([_clean(page) for page in extracted.page_texts])
    else:
        text = normalise_text(_clean(extracted.text))
    if not text.strip() and not extracted.members:
        raise RejectedFile("empty", _empty_reason(fmt, extracted))
    meta = _merge_metadata(extracted.metadata, *layers)
    name = Path(fallback_name) if fallback_name else path
    meta["title"] = meta["title"] or _fallback_title(fmt, text, name)
    meta["lang"] = meta["lang"] or detect_language(text)
    return Document(
        key=key,
        path=str(path),
        format=fmt,
        text=text,
        page_starts=page_starts,
        attachments=[normalise_field(_clean(name)) for name in extracted.attachments],
        sha256=content_hash(text),
        details={normalise_field(_clean(k)): normalise_field(_clean(v))
                 for k, v in extracted.details.items() if v},
        **meta,
    )


def _empty_reason(fmt: str, extracted: Extracted) -> str:
    if extracted.ocr_pages:
        if not options.current().ocr:
            return "no text layer, and OCR is off for this folder"
        reason = extracted.details.get("ocr_problem")
        return f"no text was found by OCR{f' ({reason})' if reason else ''}"
    return "no text could be extracted"


def _read_scans(path: Path, fmt: str, extracted: Extracted) -> None:
    """Read the pages the importer found to be scans (a PDF page without a text layer,
    an image) by OCR, outside the importer's own time limit: each page has its own
    (ingest/ocr.py). The text is marked: details `ocr`, its confidence and languages."""
    if not extracted.ocr_pages or extracted.page_texts is None:
        return
    if not options.current().ocr:
        extracted.details["ocr"] = "off"
        return
    from archive_app.core.ingest import ocr

    if not ocr.available():
        extracted.details["ocr_problem"] = "Tesseract OCR is not installed"
        return
    kind = "pdf" if fmt == "pdf" else "image"
    pages, problems = ocr.ocr_pages(path, kind, list(extracted.ocr_pages),
                                    len(extracted.page_texts))
    for number, page in pages.items():
        if 0 <= number < len(extracted.page_texts):
            extracted.page_texts[number] = page.text
    if pages:
        confidence = sum(page.confidence for page in pages.values()) / len(pages)
        extracted.details.update(
            ocr="yes", ocr_confidence=f"{confidence:.1f}", ocr_pages=str(len(pages)),
            ocr_lang=" ".join(sorted({page.languages for page in pages.values()})))
    if problems:
        extracted.details["ocr_problem"] = "; ".join(problems[:3])


def _read_members(parent: Document, extracted: Extracted, depth: int) -> None:
    """Each member of a container or message becomes a child document of `parent`, read
    by its own importer under its own bounds; one that cannot be read is listed in
    the top document's `skipped_members` with its reason, and the rest still count."""
    for member in extracted.members:
        place = _place(parent, member)
        if member.skip_code or not member.path:
            parent.skipped_members.append(
                (place, member.skip_code or "unsupported", member.skip_reason or "not read"))
            continue
        try:
            child = _read_member(parent, member, place, depth)
        except RejectedFile as rejection:
            parent.skipped_members.append((place, rejection.code, rejection.reason))
            continue
        parent.children.append(child)
        parent.skipped_members.extend(child.skipped_members)
        child.skipped_members = []


def _place(parent: Document, member: Member) -> str:
    own = parent.place or normalise_field(Path(parent.path).name)
    return f"{own}{PLACE_SEPARATOR}{normalise_field(_clean(member.place))}"


def _read_member(parent: Document, member: Member, place: str, depth: int) -> Document:
    path = Path(member.path)
    name = member.key_part.rsplit("/", 1)[-1]
    suffix = suffix_of(path.name)
    if suffix not in _IMPORTERS:
        raise RejectedFile("unsupported", f"'{suffix_of(name) or name}' files are not supported")
    fmt, module = _IMPORTERS[suffix]
    if fmt in CONTAINER_FORMATS and depth > members.MAX_DEPTH:
        raise RejectedFile("too-deep", f"containers and messages nested more than "
                                       f"{members.MAX_DEPTH} deep are not opened")
    if limits.check_file(path) == 0:
        raise RejectedFile("empty", "the member is empty (0 bytes)")
    extracted = _extract(path, fmt, module)
    try:
        _read_scans(path, fmt, extracted)
        key = f"{parent.key}{CHILD_KEY_SEPARATOR}{member.key_part}"
        # a member's time in its container is when the file changed, not when the
        # document was written: it is shown beside its place, never taken as its date
        layers = [{k: v for k, v in member.metadata.items() if k != "date"}]
        if member.metadata.get("date"):
            extracted.details.setdefault("member_modified", member.metadata["date"])
        child = _document(extracted, fmt, path, key, layers, fallback_name=name)
        child.path = parent.path
        child.file_key = parent.source_file_key
        child.parent = parent.key
        child.place = place
        _read_members(child, extracted, depth + 1)
    finally:
        members.remove_members_dir(extracted.members_dir)
    return child
