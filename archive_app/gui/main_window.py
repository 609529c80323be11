"""The main window: composes search, facets, results, reader and side panel; owns no logic."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from archive_app.core.annotations.records import Annotation
from archive_app.core.annotations.saved_searches import SavedSearch
from archive_app.core.library import Library
from archive_app.core.search.refine import facet_filter, split_within, user_part
from archive_app.gui.annotation_docks import AnnotationDocks
from archive_app.gui.archive_check import ArchiveChecker
from archive_app.gui.browse_view import BrowseView
from archive_app.gui.editing import MetadataEditor
from archive_app.gui.export_dialog import ExportDialog
from archive_app.gui.export_job import Selection
from archive_app.gui.facets import ChipBar, FacetTree
from archive_app.gui.folders_dialog import FoldersDialog
from archive_app.gui.help_dialog import show_syntax_help
from archive_app.gui.indexing import IndexingController
from archive_app.gui.reader import Reader
from archive_app.gui.results import ResultsModel, ResultsView
from archive_app.gui.saved_searches_dock import SavedSearches
from archive_app.gui.search_bar import SearchBar
from archive_app.gui.search_within import SearchWithin
from archive_app.gui.session import DocumentConnections, OpenedDocument, SearchSession
from archive_app.gui.side_panel import SidePanel
from archive_app.gui.sizing import fix_minimum_size
from archive_app.gui.timeline_view import TimelineView
from archive_app.gui.watching import FolderWatch
from archive_app.gui.watchlists_dialog import WatchListsDialog
from archive_app.gui.workers import WriteQueue, configure_pool, run_in_pool

EMPTY_PAGE, ARCHIVE_PAGE = 0, 1
MINIMUM_SIZE = QSize(720, 480)
RESULTS_MIN_WIDTH, READER_MIN_WIDTH, SIDE_MIN_WIDTH = 160, 240, 180
LAST_FOLDER_KEY = "folders/last_used"
WATCH_KEY = "watch/enabled"
COPIES_KEY = "view/copies_separately"
NARROW_WIDTH = 1200
RESULTS_TAB, BROWSE_TAB = 0, 1
BROWSE_MIN_WIDTH = 580
"""The Browse tab's table wants room: the pane widens to this (from the reader) while it shows."""
BROWSE_READER_WIDTH = 300
"""...leaving the reader at least this wide."""
"""Below this window width the side panel folds away so the reader keeps a usable width."""


@dataclass(frozen=True)
class ReaderPosition:
    """Where the reader is in a document (cursor, selection, scroll), to come back to it
    after the same document is shown again with new metadata."""

    key: str
    anchor: int
    position: int
    scroll: int

    @classmethod
    def of(cls, reader: Reader) -> ReaderPosition:
        cursor = reader.text.textCursor()
        return cls(reader.document_view.key if reader.document_view else "",
                   cursor.anchor(), cursor.position(),
                   reader.text.verticalScrollBar().value())

    def restore(self, reader: Reader) -> None:
        cursor = reader.text.textCursor()
        length = reader.text.document().characterCount() - 1
        cursor.setPosition(min(self.anchor, length))
        cursor.setPosition(min(self.position, length), QTextCursor.MoveMode.KeepAnchor)
        reader.text.setTextCursor(cursor)
        reader.text.verticalScrollBar().setValue(self.scroll)


class MainWindow(QMainWindow):
    """One archive home on screen. `settings` is where geometry and the last query live.

    With `watch`, the archive's folders are watched while the window is open (unless
    the user turned File ▸ Watch folders off, a setting); the app's window does, a
    screenshot's and most tests' do not."""

    document_shown = Signal(int)
    connections_shown = Signal()
    """The open document's similar documents and reused passages are on screen."""
    """A document is in the reader with this many hits highlighted."""

    def __init__(self, library: Library, settings: QSettings, parent: QWidget | None = None,
                 watch: bool = False):
        super().__init__(parent)
        configure_pool()
        self.library, self.settings = library, settings
        self.setWindowTitle("Archive App")
        self.session = SearchSession(library, self)
        self.search_bar = SearchBar()
        self.chips = ChipBar()
        self.search_within = SearchWithin(self.search_bar, self.chips, self)
        self.search_bar.add_button(self.search_within.button)
        self.timeline = TimelineView()
        self.model = ResultsModel(self)
        self.results = ResultsView()
        self.results.setModel(self.model)
        self.reader = Reader()
        self.side_panel = SidePanel()
        self.facets = FacetTree()
        self.browse = BrowseView(library)
        self.results_tabs = QTabWidget(objectName="results_tabs")
        self._narrow_sizes: list[int] | None = None
        self.splitter = QSplitter(Qt.Orientation.Horizontal, objectName="main_splitter")
        self.pages = QStackedWidget()
        self._build_central()
        self._build_facet_dock()
        self.writes = WriteQueue(self)
        """The one serial queue of every change to the user's data made from this window."""
        self.annotating = AnnotationDocks(library, self, self.reader, self.side_panel,
                                          self.writes)
        self.saved = SavedSearches(library, self, self.writes)
        self.saved.place(self.facet_dock)  # first: a split of a tabbed dock adds a tab
        self.annotating.place(self.facet_dock)
        self._pending_annotation: Annotation | None = None
        self._refresh_number: int | None = None
        self._keeping_document = False
        self._keep_position: ReaderPosition | None = None
        self._opened: OpenedDocument | None = None
        self._found: DocumentConnections | None = None
        """The document in the reader, and its connections once fetched."""
        self._narrow = False
        self._panel_auto_hidden = False
        self.indexing = IndexingController(library, self.statusBar(), self)
        self.watch = FolderWatch(library, self.indexing, self.statusBar(), self)
        self._watch_on_open = watch
        self.checker = ArchiveChecker(library, self.indexing, self.writes, self)
        self.editor = MetadataEditor(library, self.writes, self)
        self.export_dialog: ExportDialog | None = None
        self.watchlists_dialog: WatchListsDialog | None = None
        self.folders_dialog = FoldersDialog(library, self.writes, self)
        self._build_menus()
        self._connect()
        self._show_page()
        if library.needs_sync:  # a new index format or a deleted index: fill it again
            QTimer.singleShot(0, lambda: self.indexing.start(None))
        fix_minimum_size(self, MINIMUM_SIZE)
        self.restore_settings()
        if library.roots():
            self.annotating.controller.reload()
            self.saved.reload()
        if self.watch_action.isChecked():
            self.watch.start()

    # -- layout --------------------------------------------------------------------------
    def _build_central(self) -> None:
        results_area = QWidget()
        results_layout = QVBoxLayout(results_area)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.setSpacing(0)
        results_layout.addWidget(self.chips)
        results_layout.addWidget(self.timeline)
        results_layout.addWidget(self.results, 1)
        self.results_tabs.addTab(results_area, "&Results")
        self.results_tabs.addTab(self.browse, "&Browse")
        self.results_tabs.setDocumentMode(True)
        for widget, stretch, minimum in ((self.results_tabs, 4, RESULTS_MIN_WIDTH),
                                         (self.reader, 6, READER_MIN_WIDTH),
                                         (self.side_panel, 3, SIDE_MIN_WIDTH)):
            # a fixed minimum, not the content's: otherwise a long title, a chip or a hit
            # counter raises a pane's minimum and the splitter moves the user's widths
            widget.setMinimumWidth(minimum)
            self.splitter.addWidget(widget)
            self.splitter.setStretchFactor(self.splitter.count() - 1, stretch)
        self.splitter.setChildrenCollapsible(False)
        self.pages.addWidget(self._empty_page())
        self.pages.addWidget(self.splitter)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.search_bar)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)

    def _empty_page(self) -> QWidget:
        page = QWidget(objectName="empty_page")
        title = QLabel("Your archive is empty", objectName="empty_title")
        text = QLabel("Add a folder of documents (text, Markdown, HTML, PDF, Word, e-mail, "
                      "EPUB, OpenDocument, spreadsheets, slides, RTF, CSV). Archive App "
                      "reads it, never changes it, and works offline.",
                      wordWrap=True, objectName="empty_state")
        self.add_folder_button = QPushButton("Add folder…", objectName="add_folder_button")
        text.setFixedWidth(520)
        text.ensurePolished()  # the style sheet sets its font size
        text.setMinimumHeight(text.heightForWidth(520))  # a centred label gets no h-f-w
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(page)
        layout.setSpacing(14)
        layout.addStretch(1)
        for widget in (title, text, self.add_folder_button):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        return page

    def _build_facet_dock(self) -> None:
        self.facet_dock = QDockWidget("Refine", self, objectName="facet_dock")
        self.facet_dock.setWidget(self.facets)
        self.facet_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                                    | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.facet_dock)

    def _action(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(slot)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.add_folder_action = self._action(file_menu, "&Add folder…", self.add_folder)
        self.folders_action = self._action(file_menu, "&Folders…", self.open_folders)
        self.reindex_action = self._action(file_menu, "&Re-index", self.reindex)
        self.watch_action = file_menu.addAction("&Watch folders for changes")
        self.watch_action.setCheckable(True)
        self.watch_action.setToolTip("Index new, changed, moved and deleted files within "
                                     "seconds while the window is open")
        self.watch_action.setChecked(self._watch_on_open
                                     and _setting_on(self.settings.value(WATCH_KEY)))
        self.watch_action.toggled.connect(self._watch_toggled)
        file_menu.addSeparator()
        self.save_search_action = self._action(file_menu, "&Save search…", self.save_search,
                                               QKeySequence.StandardKey.Save)
        self.export_action = self._action(file_menu, "&Export…", self.open_export, "Ctrl+E")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.annotating.undo_action)
        edit_menu.addAction(self.annotating.redo_action)
        edit_menu.addSeparator()
        self._action(edit_menu, "&Search", self.search_bar.focus, "Ctrl+L")
        edit_menu.addAction(self.search_within.action)
        self._action(edit_menu, "&Find in document", self.reader.open_find,
                     QKeySequence.StandardKey.Find)
        self._action(edit_menu, "&Next hit", self.reader.next_hit, "F3")
        self._action(edit_menu, "&Previous hit", self.reader.previous_hit, "Shift+F3")
        edit_menu.addSeparator()
        edit_menu.addAction(self.reader.tag_action)
        edit_menu.addAction(self.reader.document_tag_action)
        self._action(edit_menu, "Edit &metadata…", self.editor.edit)
        view_menu = bar.addMenu("&View")
        self.browse_action = self._action(view_menu, "&Browse the archive", self.show_browse,
                                          "Ctrl+B")
        view_menu.addAction(self.facet_dock.toggleViewAction())
        view_menu.addAction(self.annotating.tags_dock.toggleViewAction())
        view_menu.addAction(self.saved.dock.toggleViewAction())
        view_menu.addAction(self.annotating.view_action)
        view_menu.addAction(self.reader.page_action)
        self.timeline_action = view_menu.addAction("&Timeline of the results")
        self.timeline_action.setCheckable(True)
        self.timeline_action.setChecked(self.timeline.is_expanded())
        self.timeline_action.toggled.connect(self.timeline.set_expanded)
        self.timeline.expanded_changed.connect(self.timeline_action.setChecked)
        self.copies_action = view_menu.addAction("Show &copies separately")
        self.copies_action.setCheckable(True)
        self.copies_action.setToolTip("Files with exactly the same text are one result "
                                      "(\"3 copies\"); checked, each is a result")
        separate = self.settings.value(COPIES_KEY)
        self.copies_action.setChecked(separate is not None and _setting_on(separate))
        self.session.copies = "separate" if self.copies_action.isChecked() else "collapse"
        self.copies_action.toggled.connect(self._copies_toggled)
        self.reuse_action = view_menu.addAction("Mark &reused passages")
        self.reuse_action.setCheckable(True)
        self.reuse_action.setChecked(True)
        self.reuse_action.setToolTip("Tint the passages of the open document that other "
                                     "documents hold too")
        self.reuse_action.toggled.connect(self.reader.set_mark_reuse)
        self.side_panel_action = view_menu.addAction("&Document panel (Source, Annotations)")
        self.side_panel_action.setCheckable(True)
        self.side_panel_action.setChecked(True)
        self.side_panel_action.toggled.connect(self._side_panel_toggled)
        tools_menu = bar.addMenu("&Tools")
        self.watchlists_action = self._action(tools_menu, "&Watch-lists…",
                                              self.open_watchlists)
        self.reuse_report_action = self._action(tools_menu, "&Reuse report…",
                                                self.export_reuse_report)
        self.reuse_report_action.setToolTip("The passages several documents share, each "
                                            "led by the earliest dated, as HTML or CSV")
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Search syntax", lambda: show_syntax_help(self))
        self.check_action = self._action(help_menu, "&Check archive…", self.checker.check)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.search_bar.field)
        escape.setContext(Qt.ShortcutContext.WidgetShortcut)
        escape.activated.connect(self.search_bar.clear)

    def _connect(self) -> None:
        self.search_bar.search_requested.connect(self.run_search)
        self.search_bar.help_requested.connect(lambda: show_syntax_help(self))
        self.chips.filters_changed.connect(self.search_bar.search_now)
        self.facets.facet_chosen.connect(self.chips.add_filter)
        self.timeline.range_chosen.connect(self.chips.add_filter)
        self.timeline.message.connect(self.statusBar().showMessage)
        self.session.search_finished.connect(self._show_results)
        self.session.search_failed.connect(self._show_search_error)
        self.session.search_cleared.connect(self._clear_results)
        self.session.document_opened.connect(self._show_document)
        self.session.connections_loaded.connect(self._show_connections)
        self.annotating.annotations_shown.connect(self._count_reuses)
        self.session.document_failed.connect(self.statusBar().showMessage)
        self.results.selectionModel().currentChanged.connect(self._open_current)
        self.side_panel.source_tab.edit_requested.connect(self.editor.edit)
        self.side_panel.source_tab.links.open_requested.connect(self.session.open_document)
        self.side_panel.source_tab.connections.open_requested.connect(
            self.session.open_document)
        self.side_panel.source_tab.connections.passage_requested.connect(
            self.reader.go_to_offset)
        self.editor.metadata_saved.connect(self._metadata_saved)
        # an undo or redo of a metadata edit shows the document as if it were saved again
        self.annotating.controller.metadata_changed.connect(self.editor.metadata_saved)
        self.add_folder_button.clicked.connect(self.add_folder)
        self.folders_dialog.add_requested.connect(self.add_folder)
        self.folders_dialog.folder_removed.connect(self._folder_removed)
        self.folders_dialog.reindex_requested.connect(self.reindex)
        self.indexing.indexing_started.connect(self._indexing_changed)
        self.watch.indexed.connect(self._watch_indexed)
        self.indexing.indexing_finished.connect(self._indexing_changed)
        self.annotating.tag_search_requested.connect(
            lambda name: self.search_bar.set_query(facet_filter("tag", name)))
        self.annotating.annotations_changed.connect(self.refresh_search)
        self.annotating.controller.saved_searches_changed.connect(self.saved.reload)
        self.saved.run_requested.connect(self.run_saved_search)
        self.annotating.view.annotation_opened.connect(self.open_annotation)
        self.browse.document_chosen.connect(self.session.open_document)
        self.annotating.annotations_changed.connect(self._refresh_browse)
        self.results_tabs.currentChanged.connect(self._tab_changed)

    # -- searching -----------------------------------------------------------------------
    def run_search(self, query: str) -> None:
        self.session.search(query, self.chips.filters(), self.search_bar.sort_name())

    def save_search(self) -> None:
        """File ▸ Save search… (Ctrl+S): the query, the filter chips and the sort shown."""
        self.saved.save(self.search_bar.query(), self.chips.filters(),
                        self.search_bar.sort_name())

    def run_saved_search(self, search: SavedSearch) -> None:
        """Show a saved search as it was saved (its words, chips and sort), then run it
        once (restoring each part alone would search three times)."""
        self.results_tabs.setCurrentIndex(RESULTS_TAB)
        self.search_bar.set_sort(search.sort)
        self.chips.set_filters(list(search.filters))
        self.search_bar.set_query(search.query)

    def refresh_search(self) -> None:
        """Re-run the last search (tags changed) without taking the reader elsewhere."""
        self._refresh_number = self.session.refresh()

    def _show_results(self, results) -> None:
        refreshed = self._refresh_number == self.session.searches.current
        self.search_bar.show_error("")
        self.search_bar.show_count(results.total, results.elapsed_ms)
        self.search_bar.show_suggestion(self._user_suggestion(results.suggestion))
        self.search_bar.show_notices(results.notices)
        if not refreshed:
            self.search_bar.remember(self.search_bar.query())
            self.results_tabs.setCurrentIndex(RESULTS_TAB)  # a new search shows its results
        self.model.set_hits(results.hits)
        self.facets.show_facets(results.facets)
        self.timeline.show_timeline(results.timeline, results.query)
        if refreshed:
            self._keep_document(results.hits)
        elif results.hits:
            self.results.setCurrentIndex(self.model.index(0))
        else:
            self._show_placeholder("No documents match this search.")

    def _keep_document(self, hits) -> None:
        """After a refresh, mark the open document's row but leave the reader as it is."""
        view = self.reader.document_view
        if view is None:  # the reader may say "No documents match": say what is true now
            if hits:
                self._show_placeholder()
            else:
                self._show_placeholder("No documents match this search.")
            return
        rows = [row for row, hit in enumerate(hits) if hit.key == view.key]
        if rows:
            self._keeping_document = True
            self.results.setCurrentIndex(self.model.index(rows[0]))
            self._keeping_document = False

    def _user_suggestion(self, suggestion: str | None) -> str | None:
        if not suggestion:
            return None
        facets = split_within(self.chips.filters())[0]
        return user_part(suggestion, self.search_bar.query(), facets)

    def _show_search_error(self, message: str, position: int) -> None:
        where = f"Character {position + 1}: " if position >= 0 else ""
        self.search_bar.show_error(where + message)
        self.search_bar.clear_count()
        self.search_bar.show_suggestion(None)
        self.model.set_hits([])  # the old results are not this query's answer
        self.facets.clear()
        self.timeline.clear()
        self._show_placeholder("This query cannot be read: correct it above (Esc clears it).")

    def _clear_results(self) -> None:
        self.search_bar.show_error("")
        self.search_bar.clear_count()
        self.search_bar.show_suggestion(None)
        self.model.set_hits([])
        self.facets.clear()
        self.timeline.clear()
        self._show_placeholder()

    # -- browsing ------------------------------------------------------------------------
    def show_browse(self) -> None:
        """View ▸ Browse the archive (Ctrl+B): the folder tree and its documents, the
        tree focused; pressed again from the Browse tab, the table gets the focus."""
        if self.results_tabs.currentIndex() == BROWSE_TAB and self.browse.tree.hasFocus():
            self.browse.table.setFocus()
            return
        self.results_tabs.setCurrentIndex(BROWSE_TAB)
        self.browse.tree.setFocus()

    def _tab_changed(self, index: int) -> None:
        """The Browse tab reads the archive's folders when first shown, and widens its
        pane (from the reader) while it shows; the Results tab gets the old widths back."""
        if index == BROWSE_TAB:
            if self.browse.folder_model.rowCount() == 0:
                self.browse.start()
            sizes = self.splitter.sizes()
            wanted = min(BROWSE_MIN_WIDTH, sizes[0] + max(0, sizes[1] - BROWSE_READER_WIDTH))
            if sizes[0] < wanted and self._narrow_sizes is None:
                self._narrow_sizes = sizes
                self.splitter.setSizes([wanted, sizes[1] - (wanted - sizes[0]), *sizes[2:]])
        elif self._narrow_sizes is not None:
            self.splitter.setSizes(self._narrow_sizes)
            self._narrow_sizes = None

    def _browse_is_open(self) -> bool:
        return self.browse.folder_model.rowCount() > 0

    def _refresh_browse(self) -> None:
        """Tags, notes or metadata changed: the Browse table shows them (Notes, Title)."""
        if self._browse_is_open():
            self.browse.refresh()

    # -- reading -------------------------------------------------------------------------
    def _open_current(self, current, _previous=None) -> None:
        hit = self.model.hit(current.row())
        if hit is not None and not self._keeping_document:
            self.session.open_document(hit.key)

    def _show_placeholder(self, message: str = "Select a result to read it here.") -> None:
        """No document is open: the reader, both side tabs and Edit… all say so."""
        self.reader.show_placeholder(message)
        self.annotating.show_document([])
        self.side_panel.source_tab.show_document(None)
        self.editor.view = None
        self._opened = self._found = None

    def open_annotation(self, annotation: Annotation) -> None:
        """Show an annotation's passage, opening its document first if need be."""
        if annotation.doc == self.annotating.controller.current_key():
            self.annotating.go_to(annotation)
        else:
            self._pending_annotation = annotation
            self.session.open_document(annotation.doc)

    def _show_document(self, opened: OpenedDocument | None) -> None:
        pending, self._pending_annotation = self._pending_annotation, None
        keep, self._keep_position = self._keep_position, None
        if opened is None:
            self._show_placeholder("This document is no longer in the index.")
            return
        self.reader.show_document(opened.view, opened.spans, opened.annotations,
                                  opened.mentions)
        self.reader.set_pages(opened.pages)
        if keep is not None and keep.key == opened.view.key:
            keep.restore(self.reader)
        self.side_panel.annotations_tab.page_starts = opened.view.page_starts
        self.annotating.show_document(opened.annotations)
        self.side_panel.source_tab.show_document(opened.view, opened.citation)
        self.side_panel.source_tab.show_entities(opened.entities)
        self.side_panel.source_tab.links.show_opened(opened)
        self.side_panel.source_tab.connections.show_opened(opened)
        self.side_panel.annotations_tab.set_reuse_counts({})
        self._opened = opened
        self.editor.view = opened.view
        if pending is not None and pending.doc == opened.view.key:
            self.annotating.go_to(pending)
        self.document_shown.emit(len(opened.spans))
        self.session.load_connections(opened.view.key)

    def _show_connections(self, found) -> None:
        """Similar documents and reused passages of the document in the reader: the
        side panel's lists, the reader's tint, the annotations' "Also in N documents"."""
        opened = self._opened
        if opened is None or self.reader.document_view is None \
                or self.reader.document_view.key != found.key:
            return
        self._found = found
        self.reader.set_reused(found.reused)
        self.side_panel.source_tab.connections.show_connections(found, opened.view.text)
        self._count_reuses()
        self.connections_shown.emit()

    def _count_reuses(self) -> None:
        """'Also in N documents' on each annotation card, again when the cards change (an
        annotation added or edited in the open document)."""
        opened, found = self._opened, self._found
        if opened is None or found is None or found.key != opened.view.key:
            return
        self.side_panel.annotations_tab.set_reuse_counts(
            reuse_counts(self.side_panel.annotations_tab.annotations(), opened, found))

    def _metadata_saved(self, key: str) -> None:
        """Show the new metadata everywhere, but leave the reader on its document, here.

        An undo or redo may name a document other than the one being read: only the
        results and the Annotations view change then, and the reader stays put."""
        self.statusBar().showMessage("Metadata saved.")
        self.refresh_search()
        self._refresh_browse()
        shown = self.reader.document_view
        if shown is not None and shown.key == key:
            self._keep_position = ReaderPosition.of(self.reader)
            self.session.open_document(key)
        if self.annotating.view_dock.isVisible():
            self.annotating.view.reload()  # its rows carry the document's title

    # -- watch-lists ---------------------------------------------------------------------
    def open_watchlists(self) -> WatchListsDialog:
        """Tools ▸ Watch-lists…: make, import, export and delete lists; the table of
        entities together in the current results."""
        if self.watchlists_dialog is None:
            self.watchlists_dialog = WatchListsDialog(
                self.library, self.writes, lambda: self.session.last_query, self)
            self.watchlists_dialog.lists_changed.connect(self._watchlists_changed)
        self.watchlists_dialog.reload()
        self.watchlists_dialog.show()
        return self.watchlists_dialog

    def _watchlists_changed(self) -> None:
        """The index holds the new entities: search again, and show the open document's
        marks and side panel anew."""
        self.refresh_search()
        shown = self.reader.document_view
        if shown is not None:
            self._keep_position = ReaderPosition.of(self.reader)
            self.session.open_document(shown.key)

    def export_reuse_report(self, path: str | None = None) -> None:
        """Tools ▸ Reuse report…: the archive's reused passages written as HTML or CSV
        (by the name's ending), off the UI thread; the status bar says when it is done."""
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self, "Save the reuse report", str(Path.home() / "reuse-report.html"),
                "Web page (*.html);;CSV (*.csv)")
            if not path:
                return
        self.statusBar().showMessage("Finding the passages documents share…")
        run_in_pool(self.library.export_reuse_report, Path(path),
                    on_result=lambda report: self.statusBar().showMessage(
                        f"Reuse report saved: {len(report.clusters)} shared passages in "
                        f"{Path(path).name}."),
                    on_error=lambda error: self.statusBar().showMessage(
                        f"The reuse report could not be saved: {error}"))

    # -- exporting -----------------------------------------------------------------------
    def open_export(self) -> None:
        """File ▸ Export…: the dialog, offering what is checked in the window right now."""
        view = self.annotating.view
        selection = Selection(checked_annotations=view.checked_annotations(),
                              filtered_annotations=view.shown_annotations(),
                              filter_active=view.has_filter(),
                              result_keys=self.model.checked_keys(),
                              query=self.session.last_query)
        if self.export_dialog is None:
            self.export_dialog = ExportDialog(self.library, self.statusBar(), self)
        self.export_dialog.start(selection)

    # -- indexing ------------------------------------------------------------------------
    def add_folder(self) -> None:
        """Ask for a folder, starting where the user last chose one (kept in QSettings)."""
        last = str(self.settings.value(LAST_FOLDER_KEY) or "")
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of documents", last)
        if folder:
            self.settings.setValue(LAST_FOLDER_KEY, folder)
            self.indexing.start([Path(folder)])

    def reindex(self) -> None:
        self.indexing.start(None)

    def open_folders(self) -> None:
        """File ▸ Folders…: the folders with their counts and skipped files, and Remove."""
        self.folders_dialog.set_busy(self.indexing.is_running())
        self.folders_dialog.reload()
        self.folders_dialog.show()

    def _folder_removed(self, removed) -> None:
        """A folder left the archive: nothing of it stays on screen except its (orphaned)
        annotations, which the views list again."""
        kept = "annotation" if removed.orphaned == 1 else "annotations"
        self.statusBar().showMessage(
            f"Removed {removed.root.path}: {removed.documents} documents left the archive; "
            f"{removed.orphaned} {kept} kept (listed as “Not found”).")
        view = self.reader.document_view
        if view is not None and view.key.startswith(removed.root.name + "/"):
            self._show_placeholder("That document's folder was removed from the archive.")
        self._show_page()
        if self.search_bar.query():
            self.refresh_search()
        if self._browse_is_open():
            self.browse.reload()
        self.annotating.controller.reload()
        self.saved.reload()  # its documents no longer count as new
        if self.annotating.view_dock.isVisible():
            self.annotating.view.reload()
        self.watch.folders_changed()

    def _watch_toggled(self, on: bool) -> None:
        """File ▸ Watch folders for changes: on, the folders are watched and first read
        again (what changed while nobody watched); off, they are not (kept as a setting)."""
        self.settings.setValue(WATCH_KEY, on)
        if on:
            self.watch.start()
            if self.library.roots():
                self.indexing.start(None)
        else:
            self.watch.stop()

    def _watch_indexed(self, summary) -> None:
        """A batch of changes the watcher found is searchable: the results, the Browse
        tab, File ▸ Folders… and the annotations show it, as after a sync; the reader
        stays where it is, showing its document again if that changed."""
        if self.search_bar.query():
            self.refresh_search()
        if self._browse_is_open():
            self.browse.reload()
        if self.folders_dialog.isVisible():
            self.folders_dialog.reload()
        if summary.moved or summary.removed_keys:
            self.annotating.controller.reload()
            if self.annotating.view_dock.isVisible():
                self.annotating.view.reload()
        view = self.reader.document_view
        if view is None:
            return
        moved = dict(summary.moved)
        if view.key in moved or view.key in summary.changed_keys:
            key = moved.get(view.key, view.key)
            self._keep_position = replace(ReaderPosition.of(self.reader), key=key)
            self.session.open_document(key)
        elif view.key in summary.removed_keys:
            self._show_placeholder("This document's file was deleted from its folder.")

    def _indexing_changed(self, *_args) -> None:
        running = self.indexing.is_running()
        for widget in (self.add_folder_action, self.reindex_action, self.add_folder_button):
            widget.setEnabled(not running)
        self.folders_dialog.set_busy(running)
        if not running and self.folders_dialog.isVisible():
            self.folders_dialog.reload()
        self._show_page()
        if not running and self.search_bar.query():
            self.search_bar.search_now()
        if not running and self._browse_is_open():
            self.browse.reload()
        if not running:
            self.saved.reload()  # what is new since each saved search was run

    def _show_page(self) -> None:
        has_roots = bool(self.library.roots())
        self.pages.setCurrentIndex(ARCHIVE_PAGE if has_roots else EMPTY_PAGE)
        self.search_bar.setEnabled(has_roots)
        self.facet_dock.setVisible(has_roots)
        self.annotating.tags_dock.setVisible(has_roots)
        self.saved.dock.setVisible(has_roots)
        self.save_search_action.setEnabled(has_roots)
        self.reindex_action.setEnabled(has_roots and not self.indexing.is_running())
        self.export_action.setEnabled(has_roots)

    # -- small windows -------------------------------------------------------------------
    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit_panes()

    def _fit_panes(self) -> None:
        """In a narrow window the side panel folds away (View ▸ Document panel brings it
        back) and the reader gets the room; it returns when the window is wide again."""
        narrow = self.width() < NARROW_WIDTH
        if narrow:
            self._narrow_left_docks()
        if narrow == self._narrow:
            return
        self._narrow = narrow
        if narrow and not self.side_panel.isHidden():
            self._panel_auto_hidden = True
            self._set_side_panel(False)  # its width goes to the results and the reader
        elif not narrow and self._panel_auto_hidden:
            self._panel_auto_hidden = False
            self._set_side_panel(True)

    def _narrow_left_docks(self) -> None:
        """A narrow window gives the left docks (Refine, Tags) at most a quarter of its
        width: their width follows their widest line, which depends on the font (Noto
        Sans made it 361 of 1024 px, leaving the reader under 400)."""
        most = self.width() // 4
        if self.facet_dock.isVisible() and self.facet_dock.width() > most:
            self.resizeDocks([self.facet_dock], [most], Qt.Orientation.Horizontal)

    def _set_side_panel(self, visible: bool) -> None:
        self.side_panel.setVisible(visible)
        self.side_panel_action.blockSignals(True)
        self.side_panel_action.setChecked(visible)
        self.side_panel_action.blockSignals(False)

    def _copies_toggled(self, separate: bool) -> None:
        """View ▸ Show copies separately: kept for the next window, and the results
        shown again."""
        self.settings.setValue(COPIES_KEY, separate)
        self.session.copies = "separate" if separate else "collapse"
        self.refresh_search()

    def _side_panel_toggled(self, visible: bool) -> None:
        self._panel_auto_hidden = False
        self.side_panel.setVisible(visible)

    # -- settings ------------------------------------------------------------------------
    def restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        self.timeline.set_expanded(self.settings.value("timeline/expanded", True) not in
                                   (False, "false"))
        splitter = self.settings.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes([420, 620, 320])
        history = self.settings.value("search/history") or []
        self.search_bar.set_history([history] if isinstance(history, str) else list(history))
        last = self.settings.value("search/last_query") or ""
        if last and self.pages.currentIndex() == ARCHIVE_PAGE:
            self.search_bar.set_query(str(last))

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("timeline/expanded", self.timeline.is_expanded())
        self.settings.setValue("search/last_query", self.search_bar.query())
        self.settings.setValue("search/history", self.search_bar.history())
        self.settings.sync()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.watch.stop()
        if self.indexing.is_running():
            self.indexing.cancel()
        if self.export_dialog is not None:
            self.export_dialog.job.cancel()
            self.export_dialog.hide()
        self.save_settings()
        super().closeEvent(event)


def reuse_counts(annotations, opened, found) -> dict[int, int]:
    """Annotation id -> how many other documents (not exact copies, which show it
    already) hold a reused passage around the annotation's own words."""
    copies = {doc for doc, _ in opened.copies}
    counts = {}
    for annotation in annotations:
        if annotation.doc != opened.view.key or annotation.start == annotation.end:
            continue
        docs = {place.doc for passage in found.reused
                if passage.start < annotation.end and annotation.start < passage.end
                for place in passage.places} - copies - {opened.view.key}
        if docs:
            counts[annotation.id] = len(docs)
    return counts


def _setting_on(value) -> bool:
    """A boolean QSettings value (an INI file gives it back as text); on unless set off."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "no", "off")
    return bool(value)
