"""The searches and document loads of one window, run on the pool; the newest request wins."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from archive_app.core.annotations.records import Annotation
from archive_app.core.errors import QueryError
from archive_app.core.indexing.model import DocumentView
from archive_app.core.library import Library
from archive_app.core.pages.document_pages import DocumentPages
from archive_app.core.pages.renderer import PageProblem
from archive_app.core.search.refine import combine, split_within
from archive_app.gui.workers import Generation, run_in_pool

RESULT_LIMIT = 50
SIMILAR_LISTED = 20
"""Similar documents the side panel lists (`archive-app similar` gives more)."""


@dataclass
class OpenedDocument:
    """What the reader and the side panel need, fetched together off the UI thread."""

    view: DocumentView
    spans: list[tuple[int, int]]
    citation: str
    annotations: list[Annotation] = field(default_factory=list)
    members: list[tuple[str, str, str]] = field(default_factory=list)
    """(key, title, format) of the documents read from its members (attachments...)."""
    thread: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(key, subject, from, date) of the messages of its thread."""
    parent_title: str = ""
    pages: DocumentPages | None = None
    """Its pages for the page view, when it has some (PDF, scan, image)."""
    entities: dict[str, list[str]] = field(default_factory=dict)
    """Kind ("entity", "email", "phone"…) -> what the document names (side panel)."""
    mentions: list = field(default_factory=list)
    """Where the watch-lists' entities occur (EntityMention), marked in the reader."""
    copies: list[tuple[str, str]] = field(default_factory=list)
    """(key, path) of the other documents with exactly its text (side panel)."""


@dataclass
class DocumentConnections:
    """What links an open document to others beyond its copies, fetched after it is
    shown (a document's reused passages take tens of milliseconds at 10,000 documents,
    which the reader should not wait for)."""

    key: str
    similar: list[tuple[list[str], float]] = field(default_factory=list)
    """(keys holding it, similarity) of each text most like it (side panel)."""
    reused: list = field(default_factory=list)
    """Its passages other documents hold too (ReusedPassage), marked in the reader."""
    titles: dict[str, str] = field(default_factory=dict)
    """The title of each document the lists above name."""


def load_connections(library: Library, key: str) -> DocumentConnections:
    similar = library.similar_texts(key, SIMILAR_LISTED)
    reused = library.reused_passages(key)
    named = {docs[0] for docs, _ in similar} | {place.doc for passage in reused
                                                for place in passage.places}
    return DocumentConnections(key, similar, reused,
                               {doc: library.document_title(doc) for doc in named})


def load_document(library: Library, key: str, query: str) -> OpenedDocument | None:
    """The document with the user's edits, every hit of `query`, its citation and notes."""
    view = library.document(key)
    if view is None:
        return None
    try:
        spans = library.hit_spans(query, key) if query else []
    except QueryError:
        spans = []
    parent = library.document(view.parent) if view.parent else None
    pages = library.pages(key, view)
    if pages is not None:  # start the renderer's child here, off the UI thread; a
        with contextlib.suppress(PageProblem):  # problem is said when a page is asked for
            _ = pages.page_count
    return OpenedDocument(view, spans, library.citation(key), library.annotations_for(key),
                          members=library.members(key), thread=library.thread(key),
                          parent_title=parent.title if parent else "",
                          pages=pages, entities=library.document_entities(key),
                          mentions=library.entity_mentions(key),
                          copies=library.copies(key))


class SearchSession(QObject):
    """Runs searches and opens documents for the window; stale answers are dropped."""

    search_finished = Signal(object)
    """SearchResults of the newest search."""
    search_failed = Signal(str, int)
    """A message for the user and the error's position in what they typed (-1 if none)."""
    search_cleared = Signal()
    document_opened = Signal(object)
    """An OpenedDocument, or None when the document is no longer in the index."""
    document_failed = Signal(str)
    connections_loaded = Signal(object)
    """DocumentConnections of the document opened last."""

    def __init__(self, library: Library, parent: QObject | None = None):
        super().__init__(parent)
        self.library = library
        self.searches = Generation()
        self.loads = Generation()
        self.connection_loads = Generation()
        self.last_query = ""
        self.last_sort = "relevance"
        self.last_within: list[str] = []
        self.copies = "collapse"
        """'collapse': exact copies are one result; 'separate' (View ▸ Show copies
        separately): each copy is a result."""
        """The earlier queries the last search searched within (not marked)."""

    def search(self, query: str, filters: list[str], sort: str) -> None:
        facets, within = split_within(filters)
        text, shift = combine(query, facets)
        if not query.strip() and within:  # just pinned: the pinned query's own answer
            text, shift = combine(within[-1], facets)
            within = within[:-1]
        number = self.searches.next()
        if not text:
            self.last_query = ""
            self.search_cleared.emit()
            return
        self._run(number, text, sort, shift, within)

    def refresh(self) -> int | None:
        """Run the last search again (the user's tags changed); returns its number."""
        if not self.last_query:
            return None
        number = self.searches.next()
        self._run(number, self.last_query, self.last_sort, 0, self.last_within)
        return number

    def _run(self, number: int, text: str, sort: str, shift: int,
             within: list[str]) -> None:
        self.last_query, self.last_sort, self.last_within = text, sort, within
        run_in_pool(self.library.search, text, RESULT_LIMIT, 0, sort, within, self.copies,
                    on_result=lambda results: self._searched(number, results),
                    on_error=lambda error: self._search_error(number, error, shift))

    def _searched(self, number: int, results) -> None:
        if self.searches.is_current(number):
            self.search_finished.emit(results)

    def _search_error(self, number: int, error: Exception, shift: int) -> None:
        if not self.searches.is_current(number):
            return
        if isinstance(error, QueryError):
            position = error.position - shift if error.position is not None else -1
            self.search_failed.emit(error.message, max(-1, position))
        else:
            self.search_failed.emit(f"The search failed: {error}", -1)

    def open_document(self, key: str) -> None:
        number = self.loads.next()
        run_in_pool(load_document, self.library, key, self.last_query,
                    on_result=lambda opened: self._opened(number, opened),
                    on_error=lambda error: self._open_error(number, error))

    def load_connections(self, key: str) -> None:
        """Similar documents and reused passages of `key`, after it is shown; an answer
        for a document no longer the newest asked for is dropped."""
        number = self.connection_loads.next()
        run_in_pool(load_connections, self.library, key,
                    on_result=lambda found: self._connections(number, found),
                    on_error=lambda error: None)  # the lists stay empty: nothing to say

    def _connections(self, number: int, found: DocumentConnections) -> None:
        if self.connection_loads.is_current(number):
            self.connections_loaded.emit(found)

    def _opened(self, number: int, opened: OpenedDocument | None) -> None:
        if self.loads.is_current(number):
            self.document_opened.emit(opened)

    def _open_error(self, number: int, error: Exception) -> None:
        if self.loads.is_current(number):
            self.document_failed.emit(f"Cannot open the document: {error}")
