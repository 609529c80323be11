"""The archive's corpus folders as the user manages them: what each holds, and removal.

Both faces list the same thing (the CLI's `folders`, the window's File ▸ Folders…): each
folder with its indexed documents and its skipped files with their reasons, read from the
catalog without touching a file (`Library.folders`). Removing a folder is
`Library.remove_folder`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from archive_app.core.indexing.catalog import Catalog, Root
from archive_app.core.indexing.model import SkippedFile


@dataclass
class FolderSummary:
    """One corpus folder: its name (the first part of its documents' keys) and contents."""

    name: str
    path: Path
    documents: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    missing: bool = False
    """The folder is not on disk now (an unplugged drive): its documents are kept."""
    members: int = 0
    """Of `documents`, those read from inside containers and messages."""
    ocr: str = ""
    """Its OCR setting ('' auto, "off", or languages)."""


@dataclass
class RemovedFolder:
    """What removing a folder did: documents that left the index, annotations kept."""

    root: Root
    documents: int
    orphaned: int


def folder_summaries(catalog: Catalog) -> list[FolderSummary]:
    """Every folder of the archive in the order added, counted from the catalog (the
    calling thread's connection, handed by `Library.folders`)."""
    summaries = []
    for root in catalog.roots():
        summary = FolderSummary(root.name, root.path, missing=not root.path.is_dir(),
                                ocr=root.ocr)
        for record in sorted(catalog.files_of_root(root.name).values(),
                             key=lambda record: record.path):
            if record.skip_code is None:
                summary.documents += 1
            else:
                summary.skipped.append(SkippedFile(record.path, record.skip_code,
                                                   record.skip_reason or ""))
        summary.members = len(catalog.member_keys(root.name))
        summary.documents += summary.members
        summaries.append(summary)
    return summaries


def find_root(roots: list[Root], folder: Path) -> Root | None:
    """The root registered for `folder` (compared resolved, as `add_root` stores it)."""
    wanted = Path(folder).expanduser().resolve()
    return next((root for root in roots if root.path == wanted), None)
