"""One open archive home: the index, a searcher per thread and the user's store, together.

This is the façade both faces use. It applies the user's metadata edits on top of what
the files say, keeps them in the index (so search, facets and citations see them at
once) and re-keys the user's work when a file moves.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from archive_app.core import citation
from archive_app.core.anchoring import find_occurrence, make_anchor, reanchor
from archive_app.core.annotations import Annotation, AnnotationError, Annotations, TagInfo
from archive_app.core.catalog import Root
from archive_app.core.documents import METADATA_FIELDS
from archive_app.core.errors import IndexProblem
from archive_app.core.index import ArchiveIndex, DocumentView, IndexSummary
from archive_app.core.jobs import JobControl
from archive_app.core.paths import AppPaths
from archive_app.core.search import Searcher, SearchResults
from archive_app.core.store import UserStore


class Library:
    """Open with `Library(paths)`; close when done. Methods may be called from any thread
    (searches get a per-thread searcher; writes are serialised by the index)."""

    def __init__(self, paths: AppPaths):
        self.paths = paths.ensure()
        self.store = UserStore(paths.annotations_db, paths.backups_dir)
        self._store_lock = threading.RLock()
        self.index = ArchiveIndex(paths)
        self.annotations = Annotations(self.store)
        self.index.extra_fields = self._extra_fields
        self.index.keys_with_extras = self._keys_with_extras
        self._local = threading.local()
        self._undo: list[tuple[str, Callable[[], list[str]]]] = []
        self.store.daily_backup()

    def close(self) -> None:
        self.index.close()
        self.store.close()

    @property
    def read_only(self) -> bool:
        """True when the home cannot be written: search and read work, changes do not."""
        return self.store.read_only or self.index.catalog.read_only

    def _extra_fields(self, key: str) -> dict[str, str]:
        """What the index adds to a document from the user's store: edits, tags, notes."""
        with self._store_lock:
            return {**self.store.metadata_edits(key), **self.annotations.index_fields(key)}

    def _keys_with_extras(self) -> set[str]:
        with self._store_lock:
            return set(self.store.all_metadata_edits()) | set(self.annotations.document_hashes())

    def _edits(self, key: str) -> dict[str, str]:
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
        return replace(view, **self._edits(key))

    def citation(self, key: str) -> str:
        view = self.document(key)
        if view is None:
            return ""
        return citation_of(view)

    def metadata_edits(self, key: str) -> dict[str, str]:
        return self._edits(key)

    # -- indexing ------------------------------------------------------------------------
    def roots(self) -> list[Root]:
        return self.index.catalog.roots()

    def doc_count(self) -> int:
        return self.index.doc_count()

    def sync(self, folders: list[Path] | None = None, rebuild: bool = False,
             control: JobControl | None = None) -> IndexSummary:
        try:
            summary = self.index.sync(folders, rebuild=rebuild, control=control)
        except (OSError, sqlite3.OperationalError) as error:
            raise IndexProblem(f"the index in {self.paths.index_dir} could not be written "
                               f"({getattr(error, 'strerror', None) or error}); the previous "
                               "index is unchanged and searching still works") from error
        moved_from = {old for old, _ in summary.moved}
        with self._store_lock:
            for old_key, new_key in summary.moved:
                self.store.rename_document(old_key, new_key)
            for key in summary.removed_keys:
                if key not in moved_from:
                    self.annotations.mark_orphaned(key)
        self._reanchor()
        if summary.moved:
            self.index.refresh_documents([new for _, new in summary.moved])
        return summary

    def _reanchor(self) -> None:
        """Find annotations again wherever their document's text is not the one they know.

        Every annotated document is checked, not only those this sync changed, so a crash
        between the index commit and this step is made good by the next sync. Two queries
        find the documents whose text moved on; only those are read.
        """
        current = self.index.catalog.hashes()
        with self._store_lock:
            placed = self.annotations.document_hashes()
        for key, hashes in placed.items():
            sha = current.get(key)
            if sha is None or hashes == {sha}:
                continue
            stored = self.index.catalog.text(key)
            if stored is None:
                continue
            text = stored[0]
            with self._store_lock:
                for annotation in self.annotations.for_document(key):
                    if annotation.doc_sha256 != sha:
                        placement = reanchor(annotation.anchor, text)
                        self.annotations.place(annotation.id, placement, text, sha)

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


    # -- annotations ---------------------------------------------------------------------
    def annotate(self, key: str, start: int, end: int, tags: list[str],
                 note: str = "", uuid: str | None = None) -> Annotation:
        """Tag the passage text[start:end] of a document; search knows it at once."""
        view = self.index.document(key)
        record = self.index.catalog.record(key)
        if view is None or record is None:
            raise AnnotationError(f"there is no document '{key}' in the archive")
        if not tags and not note.strip():
            raise AnnotationError("give the passage at least one tag or a note")
        anchor = make_anchor(view.text, start, end)
        with self._store_lock:
            annotation = self.annotations.create(key, record.sha256 or "", anchor, tags, note,
                                                 uuid=uuid)
        self._remember(f"add annotation {annotation.id}",
                       lambda: self._delete_quietly(annotation.id))
        self.index.refresh_documents([key])
        return annotation

    def annotate_quote(self, key: str, quote: str, tags: list[str], note: str = "",
                       occurrence: int = 1) -> Annotation:
        """Tag the n-th occurrence of a quote (whitespace-tolerant), as the CLI does."""
        view = self.index.document(key)
        if view is None:
            raise AnnotationError(f"there is no document '{key}' in the archive")
        found = find_occurrence(view.text, quote, occurrence)
        if found is None:
            raise AnnotationError(f"occurrence {occurrence} of {quote!r} is not in '{key}'")
        return self.annotate(key, found[0], found[1], tags, note)

    def update_annotation(self, annotation_id: int, tags: list[str] | None = None,
                          note: str | None = None) -> Annotation:
        with self._store_lock:
            before = self.annotations.get(annotation_id)
            after = self.annotations.update(annotation_id, tags=tags, note=note)
        self._remember(f"edit annotation {annotation_id}", lambda: self._restore(before))
        self.index.refresh_documents([after.doc])
        return after

    def delete_annotation(self, annotation_id: int) -> Annotation:
        with self._store_lock:
            snapshot = self.annotations.delete(annotation_id)
        self._remember(f"delete annotation {annotation_id}", lambda: self._restore(snapshot))
        self.index.refresh_documents([snapshot.doc])
        return snapshot

    def annotations_for(self, key: str) -> list[Annotation]:
        with self._store_lock:
            return self.annotations.for_document(key)

    def all_annotations(self, tag: str | None = None, state: str | None = None,
                        text: str = "") -> list[Annotation]:
        """Every annotation, filtered by tag, state and a case-insensitive text match."""
        with self._store_lock:
            found = self.annotations.all(tag=tag, state=state)
        needle = text.casefold().strip()
        if needle:
            found = [a for a in found if needle in a.exact.casefold()
                     or needle in a.note.casefold()
                     or any(needle in t.casefold() for t in a.tags)]
        return found

    def needs_attention(self) -> list[Annotation]:
        """Orphaned annotations and fuzzy re-anchorings waiting for the user's review."""
        return [a for a in self.all_annotations() if a.state != "anchored"]

    def _restore(self, snapshot: Annotation) -> list[str]:
        with self._store_lock:
            self.annotations.restore(snapshot)
        return [snapshot.doc]

    def _delete_quietly(self, annotation_id: int) -> list[str]:
        with self._store_lock:
            return [self.annotations.delete(annotation_id).doc]

    def _remember(self, description: str, undo: Callable[[], list[str]]) -> None:
        self._undo.append((description, undo))
        del self._undo[:-100]

    def can_undo(self) -> str | None:
        return self._undo[-1][0] if self._undo else None

    def undo(self) -> str | None:
        """Undo the last annotation change of this session; returns what was undone."""
        if not self._undo:
            return None
        description, action = self._undo.pop()
        self.index.refresh_documents(action())
        return description

    # -- tags ----------------------------------------------------------------------------
    def tags(self) -> list[TagInfo]:
        with self._store_lock:
            return self.annotations.tags()

    def _tag_change(self, change: Callable[[], object], names: list[str]) -> None:
        """Apply a tag change and refresh the index entries of the documents it touches."""
        with self._store_lock:
            docs = {a.doc for name in names for a in self.annotations.all(tag=name)}
            change()
        self.index.refresh_documents(sorted(docs))

    def rename_tag(self, old: str, new: str) -> None:
        self._tag_change(lambda: self.annotations.rename_tag(old, new), [old])

    def merge_tags(self, source: str, target: str) -> None:
        self._tag_change(lambda: self.annotations.merge_tags(source, target), [source])

    def delete_tag(self, name: str) -> None:
        self._tag_change(lambda: self.annotations.delete_tag(name), [name])

    def set_tag_color(self, name: str, color: str) -> None:
        with self._store_lock:
            self.annotations.set_tag_color(name, color)


def citation_of(view: DocumentView) -> str:
    """The citation line of a document; its archive key (folder/relative path, the same on
    every machine) stands in when nothing else identifies it."""
    return citation.format_citation(_metadata(view), view.key)


def _metadata(view: DocumentView) -> dict[str, str]:
    return {name: getattr(view, name) for name in METADATA_FIELDS}
