"""Metadata the user wrote next to documents: NAME.meta.json sidecars and catalog.csv."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
from collections.abc import Mapping
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


def read_catalog(root: Path) -> dict[str, dict[str, str]]:
    """root/catalog.csv as {relative posix path: metadata}; missing or broken -> {} (logged)."""
    from archive_app.core.ingest.limits import decode_text

    catalog = root / CATALOG_NAME
    if not os.path.lexists(catalog):
        return {}
    try:
        text = decode_text(read_small_file(str(catalog), real_folder(root), MAX_CATALOG_BYTES))
        rows = list(csv.DictReader(io.StringIO(text)))
    except NotRead as refused:  # a link out of the folder, a FIFO, a device, over 64 MB
        log.warning("ignoring catalog %s: %s", catalog, refused.reason)
        return {}
    except (ValueError, csv.Error, RejectedFile) as error:
        log.warning("ignoring catalog %s: %s", catalog, error)
        return {}
    result: dict[str, dict[str, str]] = {}
    for row in rows:
        fields = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
        key = _catalog_key(str(fields.get("path") or ""))
        if key:
            result[key] = clean_metadata({k: v for k, v in fields.items() if k != "path"})
    return result
