"""One open archive home: the index, a searcher per thread and the user's store, together.

This is the façade both faces use. It applies the user's metadata edits on top of what
the files say, keeps them in the index (so search, facets and citations see them at
once) and re-keys the user's work when a file moves.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import Any

from archive_app.core import ingest
from archive_app.core.annotations.anchoring import (
    ORPHANED,
    Anchor,
    find_occurrence,
    make_anchor,
    reanchor,
)
from archive_app.core.annotations.history import Change, History
from archive_app.core.annotations.records import (
    Annotation,
    AnnotationError,
    AnnotationFilter,
    Annotations,
    TagInfo,
    tag_ancestors,
    tidy_tag,
)
from archive_app.core.annotations.regions import Region, clip_region, region_placement
from archive_app.core.annotations.saved_searches import (
    ImportReport,
    SavedSearch,
    SavedSearchError,
    SavedSearches,
    clean_search,
    last_run_time,
    parse_import,
    read_import_file,
    write_export,
)
from archive_app.core.annotations.store import UserStore, now_precise
from archive_app.core.annotations.tag_renames import TagRenames, rewrite_query
from archive_app.core.browse import FolderListing, address_for_path, list_folder
from archive_app.core.connections.finder import (
    MIN_WORDS,
    Connections,
    Place,
    ReusedPassage,
    ReuseReport,
)
from archive_app.core.connections.store import ConnectionsStore
from archive_app.core.entities.cooccurrence import CooccurrenceTable
from archive_app.core.entities.matching import list_specs
from archive_app.core.entities.patterns import values_by_kind
from archive_app.core.entities.watchlists import (
    Entity,
    WatchList,
    WatchListError,
    WatchListStore,
    batched,
    changed_entities,
    read_csv_file,
    write_csv_file,
)
from archive_app.core.errors import ArchiveError, IndexProblem, QueryError
from archive_app.core.export import citation
from archive_app.core.export.reuse_report import write_reuse_report
from archive_app.core.indexing import health
from archive_app.core.indexing.catalog import Root
from archive_app.core.indexing.folders import (
    FolderSummary,
    RemovedFolder,
    find_root,
    folder_summaries,
)
from archive_app.core.indexing.health import HealthReport
from archive_app.core.indexing.index import ArchiveIndex, DocumentView, IndexSummary
from archive_app.core.indexing.model import IndexingCancelled
from archive_app.core.indexing.watching import Changes, FolderWatcher, WatchStatus
from archive_app.core.ingest.documents import EMPTY_TEXT_SHA
from archive_app.core.jobs import JobControl
from archive_app.core.pages.document_pages import DocumentPages, has_pages
from archive_app.core.pages.renderer import PageProblem, PageRenderer
from archive_app.core.paths import AppPaths
from archive_app.core.search import query as query_language
from archive_app.core.search.hit_spans import HitMatcher
from archive_app.core.search.refine import combine
from archive_app.core.search.searcher import Searcher, SearchResults
from archive_app.core.search.timeline import Timeline
from archive_app.core.text.pages import page_of

OCR_DEPENDENT_FORMATS = frozenset({"pdf", "image"}) | ingest.CONTAINER_FORMATS
SAVED_SEARCH = "saved search"
"""The history kind of saving and deleting a saved search (a face re-reads its list)."""


CONNECTIONS_FILE = "connections.sqlite3"
"""The fingerprints of the archive's texts (core/connections/store.py), in the home."""


def ocr_setting(setting: str) -> str:
    """A folder's OCR setting as stored ('' for auto), or ArchiveError saying what is
    allowed; languages must be ones Tesseract has here."""
    value = setting.strip().lower()
    if value in ("", "auto", "on"):
        return ""
    if value == "off":
        return "off"
    wanted = value.split("+")
    if not all(re.fullmatch(r"[a-z_]{3,16}", part) for part in wanted):
        raise ArchiveError(f"'{setting}' is not an OCR setting: use auto, off, or "
                           "Tesseract languages such as fas or eng+ara")
    from archive_app.core.ingest import ocr

    missing = [part for part in wanted if part not in ocr.installed_languages()]
    if missing:
        have = ", ".join(sorted(ocr.installed_languages() - {"osd"})) or "none"
        raise ArchiveError(f"Tesseract has no language data for {', '.join(missing)} "
                           f"here (installed: {have})")
    return value


class Library:
    """Open with `Library(paths)`; close when done. Methods may be called from any thread
    (searches get a per-thread searcher; writes are serialised by the index).

    The one door into core: its index and the user's store are its own (`_index`,
    `_store`, `_annotations`), and the faces reach them only through its methods; core
    modules that need a part get it handed over (`check`, `folders`)."""

    def __init__(self, paths: AppPaths):
        self.paths = paths.ensure()
        self._store = UserStore(paths.annotations_db, paths.backups_dir)
        self._store_lock = threading.RLock()
        self._annotations = Annotations(self._store)
        self._saved = SavedSearches(self._store)
        self._watchlists = WatchListStore(self._store)
        self._entity_specs: tuple | None = None
        try:  # the index adds to each document what the user's store holds for it
            self._index = ArchiveIndex(paths, user_fields=self._user_fields,
                                       keys_with_user_fields=self._keys_with_user_fields,
                                       entity_lists=self._entity_lists)
        except BaseException:  # a damaged index: the store is not left open behind it
            self._store.close()
            raise
        self._local = threading.local()
        self.history = History()
        self._store.daily_backup()
        self._connections = self._open_connections()
        self._connections_lock = threading.Lock()
        self._connections_checked = False

    # -- connections: near-duplicates and reused passages (connections/) --------------------
    def _open_connections(self) -> Connections | None:
        """The fingerprint store, in the home beside the index (derived, but a rebuild of
        the index keeps it: it is keyed by text hash); None where it cannot be opened (a
        read-only home), and the features that need it answer with nothing."""
        try:
            store = ConnectionsStore(self.paths.home / CONNECTIONS_FILE)
        except (sqlite3.Error, OSError):
            return None
        return Connections(store, self._index.reader_catalog)

    def update_connections(self, keys: list[str] | None = None) -> tuple[int, int]:
        """Fingerprint the texts not fingerprinted yet (of `keys`, or all) and forget
        those no document holds (with all): (added, removed). Each sync calls it."""
        if self._connections is None or self.read_only:
            return 0, 0
        return self._connections.update(keys)

    def _ready_connections(self) -> Connections | None:
        """The connections, filled first if their store is empty while the archive is
        not (a deleted store, or one of an older format, emptied when opened): once per
        Library, on the first question, so opening pays nothing for it."""
        connections = self._connections
        if connections is None or self._connections_checked:
            return connections
        with self._connections_lock:
            if not self._connections_checked:
                if connections.store.count() == 0 and self._index.doc_count():
                    self.update_connections()
                self._connections_checked = True
        return connections

    def similar(self, key: str, most: int = 50) -> list[tuple[str, float]]:
        """The documents whose text is most like `key`'s (not its exact copies), with
        the estimated share of word shingles in common, most similar first."""
        connections = self._ready_connections()
        return connections.similar(key, most) if connections else []

    def similar_texts(self, key: str, most: int = 20) -> list[tuple[list[str], float]]:
        """As `similar`, one item per text: (the documents holding it, similarity)."""
        connections = self._ready_connections()
        return connections.similar_texts(key, most) if connections else []

    def reused_passages(self, key: str, min_words: int = MIN_WORDS) -> list[ReusedPassage]:
        """The passages of `key` other documents hold too, with where they stand."""
        connections = self._ready_connections()
        return connections.reused_in(key, min_words) if connections else []

    def reuse_report(self, min_words: int = MIN_WORDS) -> ReuseReport:
        """Every cluster of documents sharing a passage of `min_words` words or more,
        each led by its earliest dated document (the likely source)."""
        connections = self._ready_connections()
        if connections is None:
            return ReuseReport(min_words, [])
        return connections.reuse(min_words, self._dates_of)

    def export_reuse_report(self, path: Path, min_words: int = MIN_WORDS) -> ReuseReport:
        """The reuse report written to `path`: HTML for a .html/.htm name, else CSV."""
        report = self.reuse_report(min_words)
        kind = "html" if Path(path).suffix.lower() in (".html", ".htm") else "csv"
        write_reuse_report(report, Path(path), kind, self.document_title)
        return report

    def _dates_of(self, keys: list[str]) -> dict[str, str]:
        dates = {}
        for key in keys:
            edited = self._metadata_edits(key).get("date")
            dates[key] = edited or (self._index.stored_fields(key) or {}).get("date", "")
        return dates

    def also_in(self, annotation_id: int, min_words: int = MIN_WORDS) -> list[Place]:
        """Where else an annotated passage stands: in each document holding a reused
        passage around it (not its exact copies, which show the annotation already),
        the annotation's own words found there (anchoring.reanchor, fuzzy if edited)."""
        with self._store_lock:
            annotation = self._annotations.get(annotation_id)
        if annotation.is_region or annotation.start == annotation.end:
            return []
        copies = {doc for doc, _ in self.copies(annotation.doc)}
        found: dict[str, Place] = {}
        for passage in self.reused_passages(annotation.doc, min_words):
            if passage.end <= annotation.start or passage.start >= annotation.end:
                continue
            for place in passage.places:
                if place.doc in copies or place.doc in found or place.doc == annotation.doc:
                    continue
                stored = self._index.reader_catalog().text(place.doc)
                if stored is None:
                    continue
                guess = place.start + max(0, annotation.start - passage.start)
                moved = replace(annotation.anchor, start=guess,
                                end=guess + annotation.end - annotation.start)
                placement = reanchor(moved, stored[0])
                if placement.state != ORPHANED:
                    found[place.doc] = Place(place.doc, placement.start, placement.end)
        return sorted(found.values(), key=lambda p: p.doc)

    def copy_to_reuses(self, annotation_id: int, min_words: int = MIN_WORDS
                       ) -> list[Annotation]:
        """Tag the passage where it stands in the other documents (`also_in`) with the
        annotation's tags and note: new annotations, each anchored in its own document;
        a document whose passage already holds them is left as it is."""
        with self._store_lock:
            source = self._annotations.get(annotation_id)
        made: list[Annotation] = []
        for place in self.also_in(annotation_id, min_words):
            present = any(a.start == place.start and a.end == place.end
                          and set(source.tags) <= set(a.tags)
                          for a in self.annotations_for(place.doc))
            record = self._index.catalog.record(place.doc)
            view = self._index.document(place.doc)
            if present or record is None or view is None:
                continue
            anchor = make_anchor(view.text, place.start, place.end)
            with self._store_lock:
                made.append(self._annotations.create(place.doc, record.sha256 or "", anchor,
                                                     source.tags, source.note))
        if made:
            self._record_copies(source, made)
            self._refresh([annotation.doc for annotation in made])
        return made

    def _record_copies(self, source: Annotation, made: list[Annotation]) -> None:
        """One undo removes every annotation `copy_to_reuses` made; redo brings them
        back with the same identities. (The tags are the source's: none is created.)"""
        current = {"ids": [annotation.id for annotation in made]}

        def undo() -> list[str]:
            with self._store_lock:
                gone = [self._annotations.delete(number) for number in current["ids"]]
            return [annotation.doc for annotation in gone]

        def redo() -> list[str]:
            with self._store_lock:
                restored = [self._annotations.restore(self._moved_with_file(annotation))
                            for annotation in made]
            current["ids"] = [annotation.id for annotation in restored]
            return [annotation.doc for annotation in restored]

        documents = len({annotation.doc for annotation in made})
        self._record(f"tag the passage of {self._title(source.doc)} in {documents} other "
                     f"document{'' if documents == 1 else 's'}", "annotation", undo, redo)

    # -- watch-lists (entities/) -----------------------------------------------------------
    def _entity_lists(self) -> tuple:
        """The watch-lists as plain tuples, for the index (and its children) to match;
        read from the store once and kept until a list changes (the index asks for
        them for every document it writes)."""
        with self._store_lock:
            if self._entity_specs is None:
                self._entity_specs = list_specs(self._watchlists.all())
            return self._entity_specs

    def watchlists(self) -> list[WatchList]:
        with self._store_lock:
            return self._watchlists.all()

    def watchlist(self, name: str) -> WatchList:
        with self._store_lock:
            return self._watchlists.get(name)

    def save_watchlist(self, name: str, entities: list[Entity], color: str = "") -> WatchList:
        """Create a list or replace its entities; the documents whose entities change are
        refreshed from their stored text (no file is read again)."""
        with self._store_lock:
            try:
                before = self._watchlists.get(name).entities
            except WatchListError:
                before = ()
            saved = self._watchlists.save(name, entities, color)
            self._entity_specs = None
        self._refresh_entities(changed_entities(before, saved.entities))
        return saved

    def import_watchlist(self, path: Path, name: str) -> tuple[WatchList, list[str]]:
        """A CSV file (`name,alias,alias,…` a line) as the list `name`, with a message
        for each line left out."""
        entities, problems = read_csv_file(Path(path))
        if not entities:
            raise WatchListError(f"{path} holds no entity" + (
                f" ({problems[0]})" if problems else ""))
        return self.save_watchlist(name, entities), problems

    def export_watchlist(self, name: str, path: Path, overwrite: bool = False) -> int:
        """Write the list as CSV (atomically); returns how many entities."""
        found = self.watchlist(name)
        write_csv_file(Path(path), found.entities, overwrite)
        return len(found.entities)

    def delete_watchlist(self, name: str) -> WatchList:
        with self._store_lock:
            gone = self._watchlists.delete(name)
            self._entity_specs = None
        self._refresh_entities(list(gone.entities))
        return gone

    def _refresh_entities(self, entities: list[Entity]) -> None:
        """Refresh the documents an added, edited or removed entity can name: those
        whose `entity` field holds it and those whose text holds one of its forms (exact
        phrases through the engine: no document is scanned)."""
        if not entities:
            return
        searcher = self.searcher()
        keys = set()
        for batch in batched([form for entity in entities for form in entity.forms], 500):
            keys |= searcher.keys_with_phrases(batch)
        named = {entity.name.lower() for entity in entities}
        keys |= searcher.keys_with_field_values("entity", named)
        self._index.refresh_documents(sorted(keys))

    def entity_names(self) -> dict[str, str]:
        """Each entity as the index holds it (lower case) -> its name as written."""
        return {entity.name.lower(): entity.name
                for found in self.watchlists() for entity in found.entities}

    def cooccurrence(self, query: str, most: int = 30) -> CooccurrenceTable:
        """The watch-list entities of `query`'s results, and how many documents each
        pair shares (entities/cooccurrence.py)."""
        entities, together = self.searcher().cooccurrence(query, "entity", most)
        names = self.entity_names()
        return CooccurrenceTable(
            query, [(names.get(value, value), count) for value, count in entities],
            {tuple(sorted((names.get(a, a), names.get(b, b)))): n
             for (a, b), n in together.items()})

    def document_entities(self, key: str) -> dict[str, list[str]]:
        """What the side panel lists for a document: its watch-list entities (by name
        as written) and each pattern kind's values, from its index fields."""
        stored = self._index.reader_catalog().text(key)
        if stored is None:
            return {}
        found = {"entity": self._index.entity_matcher().entities_in(stored[0])}
        found.update(values_by_kind(stored[0]))
        return {kind: values for kind, values in found.items() if values}

    def entity_mentions(self, key: str):
        """Where the watch-lists' entities occur in document `key` (for the reader)."""
        stored = self._index.reader_catalog().text(key)
        if stored is None:
            return []
        return self._index.entity_matcher().mentions_in(stored[0])

    def close(self) -> None:
        if self._connections is not None:
            self._connections.store.close()
        if "_page_renderer" in self.__dict__:
            self._page_renderer.close()
        self._index.close()
        self._store.close()

    @property
    def read_only(self) -> bool:
        """True when the home cannot be written: search and read work, changes do not."""
        return self._store.read_only or self._index.catalog.read_only

    @property
    def needs_sync(self) -> bool:
        """True when a fresh index was made for folders indexed before (an upgrade of the
        index format, or a deleted index): the faces start a sync, or say to run one."""
        return self._index.needs_sync

    def _user_fields(self, key: str) -> dict[str, str]:
        """The user fields of a document: what the index adds to it from the user's store,
        its metadata edits and its annotations' tags and notes, with those of its exact
        copies (annotations belong to the text: a tag on one copy finds every copy)."""
        copied = self._copied_annotations(key)
        with self._store_lock:
            return {**self._store.metadata_edits(key),
                    **self._annotations.tag_and_note_fields(key, copied)}

    def _keys_with_user_fields(self) -> set[str]:
        with self._store_lock:
            annotated = self._annotated_texts()
            keys = set(self._store.all_metadata_edits()) | {
                doc for docs in annotated.values() for doc in docs}
        return keys | set(self._index.catalog.keys_with_hashes(set(annotated)))

    def _annotated_texts(self) -> dict[str, list[str]]:
        """Text hash -> the documents whose annotations were placed in that text (the
        empty text left out: it is no content to share). Kept until the store changes
        (its connection's change count), since the index asks for every document."""
        with self._store_lock:
            version = self._store.connection.total_changes
            cached = getattr(self, "_annotated_cache", None)
            if cached is None or cached[0] != version:
                by_text: dict[str, list[str]] = {}
                for doc, hashes in self._annotations.document_hashes().items():
                    for sha in hashes - {"", EMPTY_TEXT_SHA}:
                        by_text.setdefault(sha, []).append(doc)
                cached = self._annotated_cache = (version, by_text)
            return cached[1]

    def _copied_annotations(self, key: str) -> list[Annotation]:
        """The annotations of the other documents with exactly the text of `key`, placed
        in that text (offsets hold in every copy); regions left out (the same text
        does not mean the same pages)."""
        annotated = self._annotated_texts()
        if not annotated:
            return []
        record = self._index.catalog.record(key)
        sha = record.sha256 if record is not None else None
        others = [doc for doc in annotated.get(sha or "", []) if doc != key]
        if not others:
            return []
        with self._store_lock:
            return [annotation for doc in others
                    for annotation in self._annotations.for_document(doc)
                    if annotation.doc_sha256 == sha and annotation.state != ORPHANED
                    and not annotation.is_region]

    def copies(self, key: str) -> list[tuple[str, str]]:
        """The other documents with exactly the text of `key`, as (key, path)."""
        return self.searcher().copies_of(key)

    def _refresh(self, keys: list[str]) -> None:
        """Refresh documents whose annotations changed, and their exact copies, which
        carry the same tags and notes in the index."""
        keys = list(dict.fromkeys(keys))
        hashes = set(self._index.catalog.hashes(keys).values()) - {EMPTY_TEXT_SHA} if keys \
            else set()
        copies = self._index.catalog.keys_with_hashes(hashes) if hashes else {}
        self._index.refresh_documents(keys + sorted(set(copies) - set(keys)))

    def _metadata_edits(self, key: str) -> dict[str, str]:
        with self._store_lock:
            return self._store.metadata_edits(key)

    # -- searching and reading -------------------------------------------------------------
    def searcher(self) -> Searcher:
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._local.searcher = Searcher(self._index)
            searcher.passages = self._annotation_spans
        return searcher

    def search(self, text: str, limit: int = 20, offset: int = 0,
               sort: str = "relevance", within: Sequence[str] = (),
               copies: str = "collapse") -> SearchResults:
        """Search; a query naming a tag that was renamed since says so (`notices`) and
        suggests the query with the current name. `within`: earlier queries whose
        results this one narrows (search within results; their words are not marked).
        `copies`: 'collapse' shows exact copies as one result, 'separate' each."""
        results = self.searcher().search(text, limit=limit, offset=offset, sort=sort,
                                         within=within, copies=copies)
        if results.facets.get("entity"):  # the index keeps entities in lower case
            names = self.entity_names()
            results.facets["entity"] = [(names.get(value, value), count)
                                        for value, count in results.facets["entity"]]
        renamed = self.tag_renames.renamed_in(text, self._live_tag_names)
        if renamed:
            results.notices += [tag.notice() for tag in renamed]
            results.suggestion = rewrite_query(results.suggestion or text, renamed)
        return results

    def timeline(self, query: str, filters: list[str] | tuple[str, ...] = ()) -> Timeline:
        """Every match of `query` ANDed with facet `filters` (`date:2013`,
        `format:pdf`), counted by year, month or day as the range of their dates asks
        (core/search/timeline.py), the undated apart: `archive-app timeline`. A search
        carries the same timeline (`SearchResults.timeline`); this one skips the rest."""
        return self.searcher().timeline(combine(query, list(filters))[0])

    def _live_tag_names(self) -> set[str]:
        """Every tag name in use with its ancestors, lower case, as the index holds them."""
        return {ancestor.lower() for info in self.tags() for ancestor in tag_ancestors(info.name)
                if info.count}

    @cached_property
    def tag_renames(self) -> TagRenames:
        """The tags renamed or merged in this home (HOME/tag-renames.json)."""
        return TagRenames(self.paths.home / "tag-renames.json")

    def hit_spans(self, query: str, key: str) -> list[tuple[int, int]]:
        """Every hit of `query` in document `key`, in text order: its words, and the
        passages of the annotations whose tags or notes the query names, so a `tag:` or
        `note:` search opens the reader at the tagged passage and F3 steps through them."""
        return self.searcher().hit_spans(query, key)

    def _annotation_spans(self, key: str, matcher: HitMatcher) -> list[tuple[int, int]]:
        """The placed annotations of a document that a query's tag or note parts name."""
        return [(a.start, a.end) for a in self.annotations_for(key)
                if a.state != ORPHANED and matcher.marks_annotation(a.tags, a.note)]

    def document(self, key: str) -> DocumentView | None:
        """The document as the reader shows it, with the user's metadata edits applied."""
        view = self._index.document(key)
        if view is None:
            return None
        return replace(view, **self._metadata_edits(key))

    def page_of(self, key: str, offset: int) -> int | None:
        """The page an offset of a document is on (an annotation's, a hit's); None for a
        document without pages."""
        return page_of(self._index.reader_catalog().page_starts(key), offset)

    def pages(self, key: str, view: DocumentView | None = None) -> DocumentPages | None:
        """A document's pages for the page view (PDFs, scans, images on disk), or None
        for one without pages to show; `view` is the document when the caller has it.
        Rendering runs in one isolated child process with a time limit
        (pages/renderer.py), started on the first page shown."""
        view = view or self.document(key)
        if view is None or not has_pages(view):
            return None
        try:
            return DocumentPages(self._page_renderer, view, Path(view.path),
                                 self.paths.index_dir / "pages", self._cached_ocr(view))
        except OSError:  # the file went away since the check
            return None

    def _cached_ocr(self, view: DocumentView):
        """For a document read by OCR, its pages' cached OCR (with Tesseract's word
        boxes), under the key its folder's OCR setting gave them; None otherwise."""
        if not view.ocr:
            return None
        from archive_app.core.ingest import ocr

        folder = self._folder_of(Path(view.path))
        if folder is None:
            return None
        options = self._index.read_options(folder)
        return ocr.CachedOcr(Path(view.path), options.ocr_cache_dir, options.ocr_languages)

    def _folder_of(self, path: Path) -> Root | None:
        """The archive folder a file lies in (the innermost, if folders nest)."""
        inside = [root for root in self.roots() if path.is_relative_to(root.path)]
        return max(inside, key=lambda root: len(root.path.parts), default=None)

    @cached_property
    def _page_renderer(self) -> PageRenderer:
        return PageRenderer()

    def members(self, key: str) -> list[tuple[str, str, str]]:
        """(key, title, format) of what was read from this document's members: a zip's
        files, a mailbox's messages, a message's attachments."""
        return self._index.children(key)

    def thread(self, key: str) -> list[tuple[str, str, str, str]]:
        """(key, subject, from, date) of the messages in this message's thread."""
        return self._index.thread(key)

    def citation(self, key: str) -> str:
        view = self.document(key)
        if view is None:
            return ""
        return citation_of(view)

    def metadata_edits(self, key: str) -> dict[str, str]:
        return self._metadata_edits(key)

    def document_title(self, key: str) -> str:
        """The title a listing shows for a document (the Annotations view's Document
        column, what its text filter matches): the user's edit, else what its file gave,
        else its key (a document without a title, or one no longer in the index).

        Read from the stored fields, not the whole document: a listing names thousands."""
        stored = self._index.stored_fields(key)
        if stored is None:
            return key
        return self._metadata_edits(key).get("title") or stored.get("title") or key

    def knows(self, key: str) -> bool:
        """Whether the catalog records this key: a document, or a file it skipped."""
        return self._index.reader_catalog().record(key) is not None

    def key_for_path(self, path: str | Path) -> str | None:
        """The key of the document read from the file at this absolute path, if any."""
        return self._index.reader_catalog().key_for_path(str(path))

    # -- indexing ------------------------------------------------------------------------
    def roots(self) -> list[Root]:
        return self._index.catalog.roots()

    def folders(self) -> list[FolderSummary]:
        """Every folder with its documents and skipped files (`folders`, File ▸
        Folders…), from this thread's catalog connection, so a worker may call it."""
        return folder_summaries(self._index.reader_catalog())

    def doc_count(self) -> int:
        return self._index.doc_count()

    def browse(self, folder: str = "", sort: str = "title", descending: bool = False,
               filters: list[str] | None = None) -> FolderListing:
        """A folder's subfolders (with counts), skipped files and documents, sorted by
        a column (`browse.COLUMNS`): the Browse view and `archive-app browse`. `folder`
        is an address (browse.py: '' the archive, `corpus/leaks`, a container's key);
        `filters` are the search's facet filters (`format:pdf`), ANDed, answered by the
        engine. Reads the catalog, never a stored text; a worker may call it."""
        wanted = None
        if filters:
            wanted = self.searcher().matching_keys(combine("", filters)[0])
        with self._store_lock:
            edits = self._store.all_metadata_edits()
            counts = self._annotations.counts()
        return list_folder(self._index.reader_catalog(), folder, sort=sort,
                           descending=descending, wanted=wanted, edits=edits,
                           annotation_counts=counts, filters=filters or ())

    def browse_address(self, path: Path) -> str | None:
        """The browse address of a folder on disk inside a corpus folder (or None)."""
        return address_for_path(self.roots(), path)

    def remove_folder(self, folder: Path) -> RemovedFolder:
        """Take a folder out of the archive (File ▸ Folders…, `folders remove`).

        Its documents leave search; the user's annotations on them are never deleted:
        they become orphaned and stay listed, and are found again if the folder is added
        back. The folder on disk is not touched.
        """
        root = find_root(self.roots(), folder)
        if root is None:
            raise ArchiveError(f"{folder} is not a folder of this archive")
        keys = self._index.remove_root(root)
        with self._store_lock:
            orphaned = sum(self._annotations.mark_orphaned(key) for key in keys)
        return RemovedFolder(root, len(keys), orphaned)

    def set_folder_ocr(self, folder: Path, setting: str) -> tuple[Root, int]:
        """Set a folder's OCR: "auto" (the language from the script on the page), "off",
        or Tesseract languages ("fas", "eng+ara"). The files whose reading depends on it
        (PDFs, images, containers and mail, which may hold them) are marked to be read
        again by the next index run; returns the folder and how many files that is."""
        root = find_root(self.roots(), folder)
        if root is None:
            raise ArchiveError(f"{folder} is not a folder of this archive")
        setting = ocr_setting(setting)
        if setting == root.ocr:
            return root, 0
        root = self._index.catalog.set_ocr(root.name, setting)
        return root, self._index.catalog.mark_unread(
            root.name, lambda path: ingest.format_of(Path(path)) in OCR_DEPENDENT_FORMATS)

    def sync(self, folders: list[Path] | None = None, rebuild: bool = False,
             control: JobControl | None = None) -> IndexSummary:
        copies_before = self._unannotated_copies()
        try:
            summary = self._index.sync(folders, rebuild=rebuild, control=control)
        except IndexingCancelled as cancelled:
            self._after_sync(cancelled.summary, copies_before=copies_before)
            raise  # what was kept is committed: it is followed
        except (OSError, sqlite3.OperationalError) as error:
            raise IndexProblem(f"the index in {self.paths.index_dir} could not be written "
                               f"({getattr(error, 'strerror', None) or error}); the previous "
                               "index is unchanged and searching still works") from error
        self._after_sync(summary, copies_before=copies_before)
        return summary

    def sync_paths(self, paths, folders=(), control: JobControl | None = None
                   ) -> IndexSummary:
        """Follow the changes at these paths (created, changed, deleted or moved files
        and folders, as the folder watcher reports them) and read `folders` in full:
        ArchiveIndex.sync_paths. The cost is that of the change, not of the archive:
        only the documents it touched are re-anchored (a full sync re-checks them all)."""
        copies_before = self._unannotated_copies()
        try:
            summary = self._index.sync_paths(paths, folders, control=control)
        except IndexingCancelled as cancelled:
            self._after_sync(cancelled.summary, targeted=True, copies_before=copies_before)
            raise
        except (OSError, sqlite3.OperationalError) as error:
            raise IndexProblem(f"the index in {self.paths.index_dir} could not be written "
                               f"({getattr(error, 'strerror', None) or error}); the previous "
                               "index is unchanged and searching still works") from error
        self._after_sync(summary, targeted=True, copies_before=copies_before)
        return summary

    def prepare_for_changes(self) -> None:
        """Make the first `sync_paths` as cheap as the next ones (it would read every
        key of the index once: 1.2 s at 100,000 documents); the faces call it off the
        UI thread when they start watching."""
        self._index.prepare_for_changes()

    def watcher(self, on_changes: Callable[[Changes], None],
                on_status: Callable[[WatchStatus], None] | None = None,
                **options: Any) -> FolderWatcher:
        """A watcher of this archive's folders (not started): it calls `on_changes` from
        its own thread with what happened (apply it with `sync_paths(changes.paths,
        changes.folders)`, in the thread that does the archive's writing) and
        `on_status` when how a folder is watched changes. `options` go to FolderWatcher
        (quiet period, polling interval, `use_inotify`, `watch_limit`)."""
        return FolderWatcher(self.roots(), on_changes, on_status, **options)

    def _surviving_copy(self, key: str, removed: set[str]) -> str | None:
        """For a removed document, another document holding the text its annotations
        were placed in: they belong to that text, so they go there instead of being
        orphaned. None when no copy stays (or it has none)."""
        with self._store_lock:
            hashes = self._annotations.document_hashes([key]).get(key, set())
        for sha in sorted(hashes - {"", EMPTY_TEXT_SHA}):
            for other, _ in self._index.catalog.keys_with_hash(sha):
                if other not in removed and other != key:
                    return other
        return None

    def _unannotated_copies(self) -> set[str]:
        """The documents that carry annotations only as copies of an annotated text."""
        annotated = self._annotated_texts()
        if not annotated:
            return set()
        own = {doc for docs in annotated.values() for doc in docs}
        return set(self._index.catalog.keys_with_hashes(set(annotated))) - own

    def _after_sync(self, summary: IndexSummary, targeted: bool = False,
                    copies_before: set[str] = frozenset()) -> None:
        """The user's work follows what a sync (finished or cancelled) committed: moves
        re-key it, removed documents orphan it, changed texts re-anchor it (after a
        targeted sync that read no folder in full, only in the documents it changed).
        A changed document that became, or stopped being, a copy of an annotated text
        is written again with (or without) that text's tags and notes."""
        moved_from = {old for old, _ in summary.moved}
        with self._store_lock:
            for old_key, new_key in summary.moved:
                self._store.rename_document(old_key, new_key)
            for key in summary.removed_keys:
                if key in moved_from:
                    continue
                survivor = self._surviving_copy(key, set(summary.removed_keys))
                if survivor:
                    self._store.move_annotations(key, survivor)
                else:
                    self._annotations.mark_orphaned(key)
        if targeted and not summary.rescanned:
            self._reanchor(list(dict.fromkeys(
                summary.changed_keys + [new for _, new in summary.moved])))
        else:
            self._reanchor()
        if summary.moved:
            self._refresh([new for _, new in summary.moved])
        copies_now = self._unannotated_copies()
        copies = (copies_before ^ copies_now) | (
            (copies_before | copies_now) & set(summary.changed_keys))
        if copies:
            self._index.refresh_documents(sorted(copies))
        self.update_connections(summary.changed_keys if targeted and not summary.rescanned
                                else None)

    def _reanchor(self, keys: list[str] | None = None) -> None:
        """Find annotations again wherever their document's text is not the one they know.

        Every annotated document is checked (or those of `keys`), not only those this
        sync changed, so a crash between the index commit and this step is made good by
        the next sync. Two queries find the documents whose text moved on; only those
        are read.
        """
        if keys is not None and not keys:
            return
        current = self._index.catalog.hashes(keys)
        with self._store_lock:
            placed = self._annotations.document_hashes(keys)
        for key, hashes in placed.items():
            sha = current.get(key)
            if sha is None or hashes == {sha}:
                continue
            stored = self._index.catalog.text(key)
            if stored is None:
                continue
            text = stored[0]
            starts = self._index.catalog.page_starts(key)
            with self._store_lock:
                for annotation in self._annotations.for_document(key):
                    if annotation.doc_sha256 != sha:
                        placement = (region_placement(annotation, starts, len(text))
                                     if annotation.is_region else reanchor(annotation.anchor, text))
                        self._annotations.place(annotation.id, placement, text, sha)

    # -- the user's metadata -------------------------------------------------------------
    def edit_metadata(self, key: str, fields: dict[str, str]) -> DocumentView | None:
        """Store the user's corrections and apply them to search and facets at once.

        The history records the values before and after of the fields this edit changed,
        so undo puts back exactly those (an empty value there means "as the file says"):
        the dialog saves every field, and a field it left as it was may have been
        corrected meanwhile by the command line or another window.
        """
        with self._store_lock:
            before = self._store.metadata_edits(key)
            self._store.set_metadata_edits(key, fields)
            after = self._store.metadata_edits(key)
        self._index.refresh_documents([key])
        if after != before:
            names = sorted(name for name in set(before) | set(after)
                           if before.get(name) != after.get(name))
            old = {name: before.get(name, "") for name in names}
            new = {name: after.get(name, "") for name in names}
            record = self._index.catalog.record(key)
            sha = (record.sha256 if record is not None else None) or ""
            self._record(f"edit metadata of {self._title(key)}", "metadata",
                         lambda: self._set_metadata_edits(key, sha, old),
                         lambda: self._set_metadata_edits(key, sha, new))
        return self.document(key)

    def _set_metadata_edits(self, key: str, sha256: str, fields: dict[str, str]) -> list[str]:
        key = self._where_now(key, sha256)
        with self._store_lock:
            self._store.set_metadata_edits(key, fields)
        return [key]

    def save_sidecar(self, key: str) -> Path:
        """Write the effective metadata to NAME.meta.json beside the file (user's request).

        Beside the file the catalog opens, not `view.path`: that is the name as shown, with
        a name's odd (not UTF-8) bytes as U+FFFD, a path that does not exist."""
        view = self.document(key)
        record = self._index.catalog.record(key)
        if view is None or record is None:
            raise FileNotFoundError(key)
        target = Path(record.path).with_name(Path(record.path).name + ".meta.json")
        data = {name: value for name, value in view.metadata().items() if value}
        # a new file of our own (O_EXCL): a fixed `NAME.meta.json.tmp` could be a link a
        # hostile folder planted there, and writing it would overwrite what it points to
        descriptor, temporary = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp",
                                                 dir=target.parent)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
            # readable by whoever may read the document it describes (mkstemp gives 0600)
            os.chmod(temporary, os.stat(record.path).st_mode & 0o666)
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        return target


    # -- annotations ---------------------------------------------------------------------
    def annotate(self, key: str, start: int, end: int, tags: list[str],
                 note: str = "", uuid: str | None = None) -> Annotation:
        """Tag the passage text[start:end] of a document; search knows it at once."""
        view = self._index.document(key)
        record = self._index.catalog.record(key)
        if view is None or record is None:
            raise AnnotationError(f"there is no document '{key}' in the archive")
        if not tags and not note.strip():
            raise AnnotationError("give the passage at least one tag or a note")
        anchor = make_anchor(view.text, start, end)
        with self._store_lock:
            known = self._annotations.tag_names()
            annotation = self._annotations.create(key, record.sha256 or "", anchor, tags, note,
                                                  uuid=uuid)
        self._record_addition(annotation, _created(annotation.tags, known))
        self._refresh([key])
        return annotation

    def annotate_document(self, key: str, tags: list[str], note: str = "",
                          uuid: str | None = None) -> Annotation:
        """Tag or note a whole document (a W3C annotation whose target is the document):
        found by `tag:`, shown in the side panel, exported like a passage's."""
        record = self._index.catalog.record(key)
        if record is None:
            raise AnnotationError(f"there is no document '{key}' in the archive")
        if not tags and not note.strip():
            raise AnnotationError("give the document at least one tag or a note")
        with self._store_lock:
            known = self._annotations.tag_names()
            annotation = self._annotations.create(key, record.sha256 or "",
                                                  Anchor(0, 0, "", "", ""), tags, note,
                                                  uuid=uuid)
        self._record_addition(annotation, _created(annotation.tags, known))
        self._refresh([key])
        return annotation

    def annotate_region(self, key: str, page: int, region: Region, tags: list[str],
                        note: str = "", uuid: str | None = None) -> Annotation:
        """Tag a rectangle of a page where there is no text to select (a stamp, a
        photograph, a signature on a scan): a W3C FragmentSelector `xywh=` on that page
        when exported. The rectangle is clipped to the page; one outside it is refused."""
        view = self._index.document(key)
        record = self._index.catalog.record(key)
        if view is None or record is None:
            raise AnnotationError(f"there is no document '{key}' in the archive")
        if not tags and not note.strip():
            raise AnnotationError("give the region at least one tag or a note")
        pages = self.pages(key, view)
        if pages is None:
            raise AnnotationError(f"'{key}' has no pages to mark a region on (only PDFs "
                                  "and images on disk have)")
        try:
            count = pages.page_count
            if not 0 <= page < count:
                raise AnnotationError(f"'{key}' has {count} page{'s' * (count != 1)}; there "
                                      f"is no page {page + 1}")
            width, height = pages.page_size(page)
        except PageProblem as problem:
            raise AnnotationError(f"the page cannot be read: {problem}") from problem
        try:
            region = clip_region(region, width, height)
        except ValueError as error:
            raise AnnotationError(str(error)) from None
        start = pages.page_range(page)[0]
        with self._store_lock:
            known = self._annotations.tag_names()
            annotation = self._annotations.create(
                key, record.sha256 or "", Anchor(start, start, "", "", ""), tags, note,
                uuid=uuid, page=page, region=region)
        self._record_addition(annotation, _created(annotation.tags, known))
        self._refresh([key])
        return annotation

    def import_annotations(
            self, passages: list[tuple[str, Anchor, list[str], str, str | None, dict[str, str]]]
    ) -> list[Annotation | str]:
        """Create many annotations, then refresh the index once (`import-annotations`).

        `annotate` refreshes the index per call: 2,000 imported annotations took 107 s so.
        Each passage is (key, anchor, tags, note, uuid, kept), `kept` the file's
        created/modified/creator as keywords of `Annotations.create`, so a round trip
        keeps them; one that cannot be made gives its error message in its place. An
        import is not on the undo history.
        """
        results: list[Annotation | str] = []
        for key, anchor, tags, note, uuid, kept in passages:
            record = self._index.catalog.record(key)
            if record is None:
                results.append(f"there is no document '{key}' in the archive")
                continue
            try:
                with self._store_lock:
                    results.append(self._annotations.create(
                        key, record.sha256 or "", anchor, tags, note, uuid=uuid,
                        **kept))
            except AnnotationError as error:
                results.append(str(error))
        self._refresh(sorted({r.doc for r in results if not isinstance(r, str)}))
        return results

    def annotate_quote(self, key: str, quote: str, tags: list[str], note: str = "",
                       occurrence: int = 1) -> Annotation:
        """Tag the n-th occurrence of a quote (whitespace-tolerant), as the CLI does."""
        view = self._index.document(key)
        if view is None:
            raise AnnotationError(f"there is no document '{key}' in the archive")
        found = find_occurrence(view.text, quote, occurrence)
        if found is None:
            raise AnnotationError(f"occurrence {occurrence} of {quote!r} is not in '{key}'")
        return self.annotate(key, found[0], found[1], tags, note)

    def update_annotation(self, annotation_id: int, tags: list[str] | None = None,
                          note: str | None = None) -> Annotation:
        with self._store_lock:
            known = self._annotations.tag_names()
            before = self._annotations.get(annotation_id)
            after = self._annotations.update(annotation_id, tags=tags, note=note)
        if (before.tags, before.note) != (after.tags, after.note):
            self._record_edit(before, after, _created(after.tags, known))
        self._refresh([after.doc])
        return after

    def delete_annotation(self, annotation_id: int) -> Annotation:
        with self._store_lock:
            snapshot = self._annotations.delete(annotation_id)
        self._record_removal(snapshot)
        self._refresh([snapshot.doc])
        return snapshot

    def annotations_for(self, key: str) -> list[Annotation]:
        """The document's annotations and those of its exact copies (annotations belong
        to the text), in text order; a copy's keeps its own `doc`."""
        copied = self._copied_annotations(key)
        with self._store_lock:
            own = self._annotations.for_document(key)
        if not copied:
            return own
        return sorted(own + copied, key=lambda a: (a.start, a.end, a.id))

    def all_annotations(self, tag: str | None = None, state: str | None = None,
                        text: str = "", attention: bool = False) -> list[Annotation]:
        """Every annotation in document order, or those `AnnotationFilter` keeps: a tag
        (or one below it), a state, only those needing attention, a text in the quote,
        the note, a tag or the document's title (`document_title`)."""
        wanted = AnnotationFilter(tag=tag or "", state=state or "", attention=attention,
                                  text=text)
        with self._store_lock:
            found = self._annotations.all(state=state)
        if not wanted.narrows:
            return found
        titles: dict[str, str] = {}
        if wanted.text.strip():
            titles = {key: self.document_title(key) for key in {a.doc for a in found}}
        return [a for a in found if wanted.accepts(a, titles.get(a.doc, ""))]

    def needs_attention(self) -> list[Annotation]:
        """Orphaned annotations and fuzzy re-anchorings waiting for the user's review."""
        return self.all_annotations(attention=True)

    # -- checking ------------------------------------------------------------------------
    def check(self) -> HealthReport:
        """What `check` verifies, on this open archive (Help ▸ Check archive…): SQLite's
        integrity, the index against its catalog and the corpus, every anchor. Changes
        nothing; a worker may call it."""
        return health.inspect_open(self.paths, self._index, self)

    def drifted_annotations(self) -> list[tuple[Annotation, DocumentView | None]]:
        """Live annotations whose document is gone (None) or whose passage no longer holds
        their words, each with its document as the index has it."""
        drifted: list[tuple[Annotation, DocumentView | None]] = []
        key, view = None, None
        for annotation in self.all_annotations():  # in document order: each read once
            if annotation.state == ORPHANED:
                continue
            if annotation.doc != key:
                key, view = annotation.doc, self._index.document(annotation.doc)
            if view is None or view.text[annotation.start:annotation.end] != annotation.exact:
                drifted.append((annotation, view))
        return drifted

    def reanchor_drifted(self) -> int:
        """Find again every drifted annotation (`check --repair`, Check archive ▸ Repair):
        placed again in its document's text, or orphaned when the document is gone, never
        deleted. Returns how many there were."""
        drifted = self.drifted_annotations()
        catalog = self._index.reader_catalog()
        with self._store_lock:
            for annotation, view in drifted:
                if view is None:
                    self._annotations.mark_orphaned(annotation.doc)
                    continue
                record = catalog.record(annotation.doc)
                self._annotations.place(annotation.id, reanchor(annotation.anchor, view.text),
                                        view.text, record.sha256 if record else "")
        return len(drifted)

    # -- saved searches ------------------------------------------------------------------
    def save_search(self, name: str, query: str = "", filters: list[str] | tuple = (),
                    sort: str = "relevance", replace_existing: bool = False) -> SavedSearch:
        """Keep the search (query, facet filters, sort) under a name; it counts as run
        now. A name already taken is refused unless `replace_existing`. On the undo
        history. SavedSearchError for a bad name or nothing to search, QueryError for a
        query or filter that cannot be parsed."""
        search = clean_search(name, query, filters, sort)
        with self._store_lock:
            stored, previous = self._saved.put(search, replace_existing=replace_existing)
        self._record_saved(f"save search {_name(stored.name)}", previous, stored)
        return stored

    def delete_saved_search(self, name: str) -> SavedSearch:
        """Delete a saved search (undo puts it back, with its last run); returns it."""
        with self._store_lock:
            gone = self._saved.delete(name)
        self._record_saved(f"delete saved search {_name(gone.name)}", gone, None)
        return gone

    def _record_saved(self, description: str, before: SavedSearch | None,
                      after: SavedSearch | None) -> None:
        """Undo puts back `before` (or removes `after`, a new one); redo applies `after`
        again (or deletes `before`). Each keeps what it removed as it was then, so a
        run in between keeps its time. A name taken meanwhile (the CLI, another window)
        makes the undo fail with a message rather than overwrite that search."""
        state = {"before": before, "after": after}

        def undo() -> list[str]:
            with self._store_lock:
                if state["after"] is None:
                    state["before"] = self._saved.put(state["before"])[0]
                elif state["before"] is None:
                    state["after"] = self._saved.delete(state["after"].name)
                else:
                    state["before"], state["after"] = self._saved.put(
                        state["before"], replace_existing=True)
            return []

        def redo() -> list[str]:
            with self._store_lock:
                if state["after"] is None:
                    state["before"] = self._saved.delete(state["before"].name)
                else:
                    state["after"], replaced = self._saved.put(
                        state["after"], replace_existing=state["before"] is not None)
                    state["before"] = replaced or state["before"]
            return []

        self._record(description, SAVED_SEARCH, undo, redo)

    def saved_search(self, name: str) -> SavedSearch:
        """One saved search by name (case ignored); SavedSearchError when there is none."""
        with self._store_lock:
            found = self._saved.get(name)
        if found is None:
            raise SavedSearchError(f"there is no saved search named '{name[:60]}'")
        return found

    def saved_searches(self, count_new: bool = True) -> list[SavedSearch]:
        """Every saved search by name, each with `new`: how many documents it matches
        that were added or changed (their text, or what their file says) since it was
        last run, from the catalog's reading times (catalog.py `indexed`). A moved file
        counts as new under its new name. A query that no longer parses gets `problem`.
        A worker may call it."""
        with self._store_lock:
            searches = self._saved.all()
        if not count_new or not searches:
            return searches
        since = {search.id: last_run_time(search) for search in searches}
        fresh = self._index.reader_catalog().indexed_since(min(since.values()))
        counted = []
        for search in searches:
            candidates = {key for key, at in fresh.items() if at > since[search.id]}
            try:
                query_language.parse_query(search.text)
                new = (len(self.searcher().matching_keys(search.text) & candidates)
                       if candidates else 0)
            except QueryError as error:
                counted.append(replace(search, problem=error.message))
                continue
            counted.append(replace(search, new=new))
        return counted

    def run_saved_search(self, name: str, limit: int = 20, offset: int = 0
                         ) -> tuple[SavedSearch, SearchResults]:
        """Run a saved search as `search` would, and record the run (its new documents
        are seen now). In a read-only home it runs and the time is not recorded."""
        found = self.saved_search(name)
        moment = now_precise()  # before searching: what is indexed during it stays new
        results = self.search(found.text, limit=limit, offset=offset, sort=found.sort)
        ran = (found if self._store.read_only
               else self.mark_saved_search_run(found.name, moment))
        return replace(ran, new=0), results

    def mark_saved_search_run(self, name: str, moment: str | None = None) -> SavedSearch:
        """Record that a saved search was run (the window runs it through its own
        search session); not on the undo history."""
        with self._store_lock:
            return self._saved.mark_run(name, moment or now_precise())

    def export_saved_searches(self, path: Path, overwrite: bool = False) -> int:
        """Write every saved search to a JSON file another archive can import (names,
        queries, filters, sorts, when each was saved); returns how many."""
        searches = self.saved_searches(count_new=False)
        write_export(searches, Path(path), overwrite=overwrite)
        return len(searches)

    def import_saved_searches(self, path: Path) -> ImportReport:
        """Add the saved searches of an exported file (saved_searches.py checks every
        item). A name this archive already has is skipped and the search here kept as
        it is; so is a name the file repeats. Imported searches count as run now, so
        "new" means new in this archive after the import. Not on the undo history."""
        items, invalid = parse_import(read_import_file(Path(path)))
        report = ImportReport(invalid=invalid)
        moment = now_precise()
        seen: set[str] = set()
        for item in items:
            folded = item.name.casefold()
            with self._store_lock:
                existing = self._saved.get(item.name)
            if existing is not None or folded in seen:
                where = "the file, earlier," if folded in seen else "this archive"
                report.skipped.append(f"'{item.name}': {where} has a saved search of that "
                                      "name; it is kept as it is")
                continue
            seen.add(folded)
            try:
                with self._store_lock:
                    self._saved.put(replace(item, last_run=moment))
            except SavedSearchError as error:
                report.invalid.append(f"'{item.name}': {error}")
                continue
            report.imported.append(item.name)
        return report

    # -- undo and redo -------------------------------------------------------------------
    def _record(self, description: str, kind: str, undo: Callable[[], list[str]],
                redo: Callable[[], list[str]]) -> None:
        self.history.record(Change(description, kind, undo, redo))

    def _title(self, key: str) -> str:
        """A document as a description names it: 'Camp Ashraf attack', quoted, short.

        Read from the stored fields, not the whole document: an import of thousands of
        annotations names each one."""
        stored = self._index.stored_fields(key) or {}
        title = self._metadata_edits(key).get("title") or stored.get("title") or Path(key).name
        return f"'{title[:57]}…'" if len(title) > 60 else f"'{title}'"

    def _record_addition(self, annotation: Annotation, created: list[str]) -> None:
        """Undo removes the new annotation and the tags it created; redo brings both back
        with the same identity and colours."""
        current: dict[str, Any] = {"id": annotation.id, "tags": ()}

        def undo() -> list[str]:
            # the document as the store has it now: a sync since may have moved the file,
            # and refreshing the old key would leave the new one found by the removed tags
            with self._store_lock:
                gone = self._annotations.delete(current["id"])
                current["tags"] = self._annotations.remove_unused_tags(created)
            return [gone.doc]

        def redo() -> list[str]:
            with self._store_lock:
                self._annotations.put_back_tags(current["tags"])
                restored = self._annotations.restore(self._moved_with_file(annotation))
            current["id"] = restored.id
            return [restored.doc]

        what = "tag passage" if annotation.tags else "add a note"
        self._record(f"{what} in {self._title(annotation.doc)}", "annotation", undo, redo)

    def _record_removal(self, snapshot: Annotation) -> None:
        """Undo restores the deleted annotation (same id and uuid); redo deletes it again."""
        current = {"id": snapshot.id}

        def undo() -> list[str]:
            with self._store_lock:
                restored = self._annotations.restore(self._moved_with_file(snapshot))
            current["id"] = restored.id
            return [restored.doc]

        def redo() -> list[str]:
            with self._store_lock:
                return [self._annotations.delete(current["id"]).doc]

        self._record(f"delete annotation in {self._title(snapshot.doc)}", "annotation",
                     undo, redo)

    def _record_edit(self, before: Annotation, after: Annotation, created: list[str]) -> None:
        """Undo puts back the tags, note and time stamp the annotation had, and removes
        the tags the edit created; its place in the text is left alone (a re-anchoring
        since then stays). Redo puts back the edited version."""
        removed: dict[str, tuple] = {"tags": ()}

        def undo() -> list[str]:
            with self._store_lock:
                now = self._put_back(before)
                removed["tags"] = self._annotations.remove_unused_tags(created)
            return [now.doc]

        def redo() -> list[str]:
            with self._store_lock:
                self._annotations.put_back_tags(removed["tags"])
                now = self._put_back(after)
            return [now.doc]

        self._record(f"edit annotation in {self._title(after.doc)}", "annotation", undo, redo)

    def _moved_with_file(self, snapshot: Annotation) -> Annotation:
        """The snapshot on the document's current key, should its file have moved since."""
        return replace(snapshot, doc=self._where_now(snapshot.doc, snapshot.doc_sha256))

    def _where_now(self, key: str, sha256: str) -> str:
        """The key a document has now: the same, or where its file moved after the change
        (found, as a sync finds moves, by its text's hash), so undo and redo put the
        user's work on the right document."""
        hashes = self._index.catalog.hashes()
        if key in hashes or not sha256:
            return key
        moved = [other for other, sha in hashes.items() if sha == sha256]
        return moved[0] if len(moved) == 1 else key

    def _put_back(self, version: Annotation) -> Annotation:
        """Put back an annotation's tags, note and time stamp; returns it as it is now, on
        its current document (a sync may have moved the file since `version`)."""
        return self._annotations.update(version.id, tags=version.tags, note=version.note,
                                        modified=version.modified, as_stored=True)

    def can_undo(self) -> str | None:
        """What Undo would undo, in the user's words ("merge 'a' into 'b'"), or None."""
        return self.history.can_undo()

    def can_redo(self) -> str | None:
        return self.history.can_redo()

    def undo(self) -> str | None:
        """Undo the user's last change of this session; returns what was undone."""
        change = self.undo_change()
        return change.description if change is not None else None

    def redo(self) -> str | None:
        """Apply again the change undone last; returns what was redone."""
        change = self.redo_change()
        return change.description if change is not None else None

    def undo_change(self) -> Change | None:
        """As `undo`, with what it touched (`docs`, `kind`) for a face to re-read."""
        return self._applied(self.history.undo())

    def redo_change(self) -> Change | None:
        return self._applied(self.history.redo())

    def _applied(self, change: Change | None) -> Change | None:
        """After an undo or redo: an annotation put back as it was knows its place in
        the text of that time; if the file was re-indexed with another text since, it is
        re-anchored now (the reader would mark the wrong words until the next sync)."""
        if change is not None:
            if change.kind == "annotation":
                self._reanchor(change.docs)
            self._refresh(change.docs)
        return change

    # -- tags ----------------------------------------------------------------------------
    def tags(self) -> list[TagInfo]:
        with self._store_lock:
            return self._annotations.tags()

    def _tag_action(self, describe: Callable[[Any], str], apply: Callable[[], Any],
                    undo: Callable[[Any], None]) -> None:
        """Apply a tag change, put it on the history and refresh the documents it touches.

        `apply` returns a record of exactly what it changed (with `annotation_ids`);
        `undo(record)` puts that back; `describe(record)` names it with the names as
        stored. Redo applies the change again and keeps the new record, so the next undo
        undoes the redo exactly.
        """
        state = {"record": self._in_store(apply)}
        description = describe(state["record"])

        def docs() -> list[str]:
            ids = getattr(state["record"], "annotation_ids", [])
            with self._store_lock:
                return self._annotations.docs_of(ids)

        def undo_it() -> list[str]:
            self._in_store(lambda: undo(state["record"]))
            return docs()

        def redo_it() -> list[str]:
            state["record"] = self._in_store(apply)
            return docs()

        self._record(description, "tag", undo_it, redo_it)
        self._refresh(docs())

    def _in_store(self, function: Callable[[], Any]) -> Any:
        with self._store_lock:
            return function()

    def rename_tag(self, old: str, new: str) -> None:
        self._tag_action(lambda done: f"rename tag {_name(done.old)} to {_name(done.new)}",
                         lambda: self._annotations.rename_tag(old, new),
                         self._annotations.undo_rename)
        self.tag_renames.record(old, new)

    def merge_tags(self, source: str, target: str) -> None:
        self._tag_action(lambda done: f"merge {_name(done.old)} into {_name(done.new)}",
                         lambda: self._annotations.merge_tags(source, target),
                         self._annotations.undo_rename)
        self.tag_renames.record(source, target, merged=True)

    def delete_tag(self, name: str) -> None:
        self._tag_action(lambda row: f"delete tag {_name(row.name)}",
                         lambda: self._annotations.delete_tag(name),
                         self._annotations.undo_delete_tag)

    def set_tag_color(self, name: str, color: str) -> None:
        """Recolour a tag; the index does not hold colours, so no document is refreshed."""
        self._tag_action(lambda _old: f"recolour tag {_name(tidy_tag(name))}",
                         lambda: self._annotations.set_tag_color(name, color),
                         lambda old: self._annotations.set_tag_color(name, old))


def _name(tag: str) -> str:
    """A tag as a description quotes it; a long name (stored before the limits) cut."""
    return f"'{tag[:47]}…'" if len(tag) > 50 else f"'{tag}'"


def _created(names: list[str], known: set[str]) -> list[str]:
    """The tag names an action created: those the store did not know before it."""
    return [name for name in names if name.casefold() not in known]


def citation_of(view: DocumentView) -> str:
    """The citation line of a document; its archive key (folder/relative path, the same on
    every machine) stands in when nothing else identifies it."""
    return citation.format_citation(view.metadata(), view.key)
