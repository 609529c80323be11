"""Plain-text importer: any common encoding in, binary files out."""

from __future__ import annotations

from pathlib import Path

from archive_app.core.ingest import limits
from archive_app.core.ingest.documents import Extracted


def extract(path: Path) -> Extracted:
    """The decoded text; a .txt file carries no metadata of its own (the loader picks a title)."""
    return Extracted(text=limits.decode_text(limits.read_bytes(path)))
