"""Metadata the user wrote next to documents: NAME.meta.json sidecars and catalog.csv."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Mapping
from pathlib import Path

from archive_app.core.documents import METADATA_FIELDS, normalise_field
from archive_app.core.errors import RejectedFile

log = logging.getLogger(__name__)

SIDECAR_SUFFIX = ".meta.json"
CATALOG_NAME = "catalog.csv"
MAX_SIDECAR_BYTES = 1024 * 1024
MAX_CATALOG_BYTES = 64 * 1024 * 1024


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


def read_sidecar(path: Path) -> dict[str, str]:
    """The sidecar's metadata for the document at `path`; a broken sidecar never fails it."""
    for candidate in sidecar_candidates(path):
        if not candidate.is_file():
            continue
        try:
            if candidate.stat().st_size > MAX_SIDECAR_BYTES:
                raise ValueError("larger than 1 MB")
            data = json.loads(candidate.read_bytes().decode("utf-8-sig"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError, RecursionError) as error:
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
    if not catalog.is_file():
        return {}
    try:
        if catalog.stat().st_size > MAX_CATALOG_BYTES:
            raise ValueError("larger than 64 MB")
        text = decode_text(catalog.read_bytes())
        rows = list(csv.DictReader(io.StringIO(text)))
    except (OSError, ValueError, csv.Error, RejectedFile) as error:
        log.warning("ignoring catalog %s: %s", catalog, error)
        return {}
    result: dict[str, dict[str, str]] = {}
    for row in rows:
        fields = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
        key = _catalog_key(str(fields.get("path") or ""))
        if key:
            result[key] = clean_metadata({k: v for k, v in fields.items() if k != "path"})
    return result
