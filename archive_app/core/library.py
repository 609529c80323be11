"""One open archive home: the index, a searcher per thread and the user's store, together.

This is the façade both faces use. It applies the user's metadata edits on top of what
the files say, keeps them in the index (so search, facets and citations see them at
once) and re-keys the user's work when a file moves.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import replace
from pathlib import Path

from archive_app.core import citation
from archive_app.core.catalog import Root
from archive_app.core.documents import METADATA_FIELDS
from archive_app.core.index import ArchiveIndex, DocumentView, IndexSummary
from archive_app.core.jobs import JobControl
from archive_app.core.paths import AppPaths
from archive_app.core.search import SearchResults, Searcher
from archive_app.core.store import UserStore


class Library:
    """Open with `Library(paths)`; close when done. Methods may be called from any thread
    (searches get a per-thread searcher; writes are serialised by the index)."""

    def __init__(self, paths: AppPaths):
        self.paths = paths.ensure()
        self.store = UserStore(paths.annotations_db, paths.backups_dir)
        self._store_lock = threading.RLock()
        self.index = ArchiveIndex(paths)
        self.index.extra_fields = self._extra_fields
        self._local = threading.local()
        self.store.daily_backup()

    def close(self) -> None:
        self.index.close()
        self.store.close()

    def _extra_fields(self, key: str) -> dict[str, str]:
        with self._store_lock:
            return self.store.metadata_edits(key)

    # -- searching and reading -------------------------------------------------------------
    def searcher(self) -> Searcher:
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._local.searcher = Searcher(self.index)
        return searcher

    def search(self, text: str, limit: int = 20, offset: int = 0,
               sort: str = "relevance") -> SearchResults:
        return self.searcher().search(text, limit=limit, offset=offset, sort=sort)

    def hit_spans(self, query: str, key: str) -> list[tuple[int, int]]:
        return self.searcher().hit_spans(query, key)

    def document(self, key: str) -> DocumentView | None:
        """The document as the reader shows it, with the user's metadata edits applied."""
        view = self.index.document(key)
        if view is None:
            return None
        edits = self._extra_fields(key)
        return replace(view, **{k: v for k, v in edits.items() if k in METADATA_FIELDS})

    def citation(self, key: str) -> str:
        view = self.document(key)
        if view is None:
            return ""
        return citation.format_citation(_metadata(view), view.path)

    def metadata_edits(self, key: str) -> dict[str, str]:
        return self._extra_fields(key)

    # -- indexing ------------------------------------------------------------------------
    def roots(self) -> list[Root]:
        return self.index.catalog.roots()

    def doc_count(self) -> int:
        return self.index.doc_count()

    def sync(self, folders: list[Path] | None = None, rebuild: bool = False,
             control: JobControl | None = None) -> IndexSummary:
        summary = self.index.sync(folders, rebuild=rebuild, control=control)
        with self._store_lock:
            for old_key, new_key in summary.moved:
                self.store.rename_document(old_key, new_key)
        if summary.moved:
            self.index.refresh_documents([new for _, new in summary.moved])
        return summary

    # -- the user's metadata -------------------------------------------------------------
    def edit_metadata(self, key: str, fields: dict[str, str]) -> DocumentView | None:
        """Store the user's corrections and apply them to search and facets at once."""
        with self._store_lock:
            self.store.set_metadata_edits(key, fields)
        self.index.refresh_documents([key])
        return self.document(key)

    def save_sidecar(self, key: str) -> Path:
        """Write the effective metadata to NAME.meta.json beside the file (user's request)."""
        view = self.document(key)
        if view is None:
            raise FileNotFoundError(key)
        target = Path(view.path).with_name(Path(view.path).name + ".meta.json")
        data = {name: value for name, value in _metadata(view).items() if value}
        temporary = target.with_name(target.name + ".tmp")
        temporary.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n",
                             encoding="utf-8")
        os.replace(temporary, target)
        return target


def _metadata(view: DocumentView) -> dict[str, str]:
    return {name: getattr(view, name) for name in METADATA_FIELDS}
