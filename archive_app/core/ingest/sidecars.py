"""Metadata the user wrote next to documents: NAME.meta.json sidecars and catalog.csv."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
from collections.abc import Collection, Mapping
from pathlib import Path

from archive_app.core.errors import RejectedFile
from archive_app.core.indexing.corpus_files import NotRead, read_small_file, real_folder
from archive_app.core.ingest.documents import normalise_field
from archive_app.core.metadata import METADATA_FIELDS

log = logging.getLogger(__name__)

SIDECAR_SUFFIX = ".meta.json"
CATALOG_NAME = "catalog.csv"
MAX_SIDECAR_BYTES = 1024 * 1024
MAX_CATALOG_BYTES = 64 * 1024 * 1024
"""Caps on what is read whole; a larger sidecar or catalog.csv is ignored with a reason."""


def sidecar_path(path: Path) -> Path:
    """Where a sidecar for `path` is written: the full name plus .meta.json."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


def sidecar_candidates(path: Path) -> list[Path]:
    """Sidecars to read, best first: report.pdf.meta.json, then report.meta.json."""
    return [sidecar_path(path), path.with_name(path.stem + SIDECAR_SUFFIX)]


def clean_metadata(raw: Mapping[str, object]) -> dict[str, str]:
    """Only known fields, as clean one-line strings; empty values are dropped (no override)."""
    result: dict[str, str] = {}
    for key, value in raw.items():
        name = str(key).strip().lower()
        if name not in METADATA_FIELDS or isinstance(value, dict):
            continue
        if isinstance(value, list):
            value = [item for item in value if not isinstance(item, dict | list)]
        text = normalise_field(value)
        if text:
            result[name] = text
    return result


def read_sidecar(path: Path, root: Path | None = None) -> dict[str, str]:
    """The sidecar's metadata for the document at `path`; a broken sidecar never fails it.

    Only a regular file of at most 1 MB inside `root` (the corpus folder; the document's
    own folder when not given) is read: a sidecar linked to a file outside the folder,
    a FIFO or a device brings nothing in (the scan records why).
    """
    real_root = real_folder(root if root is not None else path.parent)
    for candidate in sidecar_candidates(path):
        if not os.path.lexists(candidate):
            continue
        try:
            data = json.loads(
                read_small_file(str(candidate), real_root, MAX_SIDECAR_BYTES).decode("utf-8-sig"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except NotRead as refused:
            log.warning("ignoring sidecar %s: %s", candidate, refused.reason)
            return {}
        except (ValueError, RecursionError) as error:
            log.warning("ignoring sidecar %s: %s", candidate, error)
            return {}
        return clean_metadata(data)
    return {}


def _catalog_key(value: str) -> str:
    """Catalog paths as the indexer writes keys: POSIX, relative, no leading './'."""
    key = value.strip().replace("\\", "/")
    while key.startswith("./"):
        key = key[2:]
    return key.lstrip("/")


MOST_WANTED = 16
"""A sync reading more files than this parses the whole catalog.csv."""
MOST_OCCURRENCES = 8
"""...as it does when a wanted file's name occurs more often than this in it."""


def _rows_naming(text: str, wanted: Collection[str]) -> list[list[str]] | None:
    """The CSV records of `text` (after its header) that hold the file name of one of
    the `wanted` paths, in file order, found with `str.find` instead of parsing every
    record; None when that would not be cheaper or not surely right (then the caller
    parses it all).

    A line is a record's start when an even number of quotes comes before it (RFC 4180:
    a quote inside a quoted field is doubled), so a record that spans lines (a quoted
    title with a line break) is read whole from its start, and a name found inside one
    is traced to the record it belongs to."""
    if len(wanted) > MOST_WANTED:
        return None
    starts: set[int] = set()
    body = text.find("\n") + 1
    for relative in wanted:
        name = relative.rsplit("/", 1)[-1]
        found = 0
        position = text.find(name, body)
        while position >= 0:
            found += 1
            if found > MOST_OCCURRENCES:
                return None
            line = text.rfind("\n", 0, position) + 1
            while text.count('"', 0, line) % 2:  # inside a quoted field: its record's line
                line = text.rfind("\n", 0, line - 1) + 1
            starts.add(line)
            position = text.find(name, position + len(name))
    rows = []
    for start in sorted(starts):
        end = start
        while True:  # the record's lines: up to a line end with an even count of quotes
            end = text.find("\n", end)
            end = len(text) if end < 0 else end + 1
            if text.count('"', start, end) % 2 == 0 or end >= len(text):
                break
        row = next(csv.reader(io.StringIO(text[start:end])), None)
        if row:
            rows.append(row)
    return rows


def read_catalog(root: Path, wanted: Collection[str] | None = None) -> dict[str, dict[str, str]]:
    """root/catalog.csv as {relative posix path: metadata}; missing or broken -> {} (logged).

    With `wanted` (the relative paths of the files about to be read), only their rows
    are cleaned: a sync that reads one file of a 100,000-row catalog parses the CSV
    (C speed) but builds one row's metadata, not 100,000 (1.8 s)."""
    from archive_app.core.ingest.limits import decode_text

    catalog = root / CATALOG_NAME
    if not os.path.lexists(catalog):
        return {}
    result: dict[str, dict[str, str]] = {}
    try:
        text = decode_text(read_small_file(str(catalog), real_folder(root), MAX_CATALOG_BYTES))
        reader = csv.reader(io.StringIO(text))
        header = [str(name).strip().lower() for name in next(reader, [])]
        if "path" not in header:
            return {}
        where = header.index("path")
        rows = _rows_naming(text, wanted) if wanted is not None else None
        for row in reader if rows is None else rows:
            if len(row) <= where:
                continue
            key = _catalog_key(row[where])
            if key and (wanted is None or key in wanted):
                result[key] = clean_metadata({name: value for name, value
                                              in zip(header, row, strict=False)
                                              if name != "path"})
    except NotRead as refused:  # a link out of the folder, a FIFO, a device, over 64 MB
        log.warning("ignoring catalog %s: %s", catalog, refused.reason)
        return {}
    except (ValueError, csv.Error, RejectedFile) as error:
        log.warning("ignoring catalog %s: %s", catalog, error)
        return {}
    return result
