"""The Saved searches dock: each saved search with how many documents are new since it was
last run; a click runs it again (query, filter chips and sort restored), Delete removes it.

`SavedSearchesPanel` is the dock's content: it shows a list and emits what the user chose.
`SavedSearches` (the controller) asks for a name, and runs every change (save, record a
run, delete) and every read-back in the window's one WriteQueue, after the changes queued
before it, so an undo of a deletion never overtakes the deletion. Saving and deleting are
on the Library's history (Edit ▸ Undo); recording a run is not.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QBrush, QPalette
from PySide6.QtWidgets import (
    QDockWidget,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from archive_app.core.annotations.saved_searches import SavedSearch
from archive_app.core.library import Library
from archive_app.gui.workers import WriteQueue

SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1
LABEL_LENGTH = 48
NO_SAVED = ("No saved searches yet. Search (with filters and a sort, if you like), then "
            "File ▸ Save search… (Ctrl+S); each one here says how many documents are new "
            "since you last ran it.")


def _short(text: str, length: int = LABEL_LENGTH) -> str:
    return text if len(text) <= length else text[:length - 1] + "…"


def describe(search: SavedSearch) -> str:
    """What a saved search searches, for its tooltip."""
    lines = [f"Query: {search.query}" if search.query else "No query words"]
    lines += [f"Filter: {clause}" for clause in search.filters]
    lines.append(f"Sorted by {search.sort}")
    lines.append(f"Last run {search.last_run[:16].replace('T', ' ')} UTC")
    if search.problem:
        lines.append(f"Cannot run: {search.problem}")
    return "\n".join(_short(line, 200) for line in lines)


def new_label(search: SavedSearch) -> str:
    if search.problem:
        return "cannot run"
    return f"{search.new or 0:,} new"


class SavedSearchesPanel(QWidget):
    """The dock's content. Signals carry the SavedSearch (run) or its name (delete)."""

    run_requested = Signal(object)
    delete_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("saved_searches_panel")
        self.searches: list[SavedSearch] = []
        self.tree = QTreeWidget(objectName="saved_list")
        self.tree.setColumnCount(2)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.empty = QLabel(NO_SAVED, wordWrap=True, objectName="empty_state")
        self.empty.setMargin(12)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty)
        layout.addWidget(self.tree, 1)
        self.tree.itemClicked.connect(self._chosen)
        self.tree.itemActivated.connect(self._chosen)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.show_searches([])

    def show_searches(self, searches: list[SavedSearch]) -> None:
        current = self.current()
        self.searches = list(searches)
        self.tree.clear()
        muted = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        for search in self.searches:
            item = QTreeWidgetItem(self.tree, [_short(search.name), new_label(search)])
            item.setData(0, SEARCH_ROLE, search)
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight)
            tip = describe(search)
            item.setToolTip(0, f"{_short(search.name, 100)}\n{tip}\nClick to run it again")
            item.setToolTip(1, "Documents added or changed since you last ran it")
            if search.new:
                font = item.font(1)
                font.setBold(True)
                item.setFont(1, font)
            else:
                item.setForeground(1, QBrush(muted))
            if current is not None and search.name.casefold() == current.name.casefold():
                self.tree.setCurrentItem(item)
        self.empty.setVisible(not self.searches)
        self.tree.setVisible(bool(self.searches))

    def current(self) -> SavedSearch | None:
        item = self.tree.currentItem()
        return item.data(0, SEARCH_ROLE) if item is not None else None

    def item_for(self, name: str) -> QTreeWidgetItem | None:
        for row in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(row)
            if item.data(0, SEARCH_ROLE).name.casefold() == name.casefold():
                return item
        return None

    def names(self) -> list[str]:
        return [search.name for search in self.searches]

    def _chosen(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        self.run_requested.emit(item.data(0, SEARCH_ROLE))

    def _context_menu(self, position: QPoint) -> None:
        item = self.tree.itemAt(position)
        if item is None:
            return
        self.tree.setCurrentItem(item)
        search = item.data(0, SEARCH_ROLE)
        menu = QMenu(self)
        menu.addAction("Run").triggered.connect(lambda: self.run_requested.emit(search))
        menu.addAction("Delete").triggered.connect(
            lambda: self.delete_requested.emit(search.name))
        menu.exec(self.tree.viewport().mapToGlobal(position))
        menu.deleteLater()


# -- jobs run in the write queue (no widget is touched there) -----------------------------
def _save(library: Library, name: str, query: str, filters: list[str], sort: str,
          replace_existing: bool) -> tuple[SavedSearch, list[SavedSearch]]:
    saved = library.save_search(name, query, filters, sort, replace_existing=replace_existing)
    return saved, library.saved_searches()


def _ran(library: Library, name: str) -> list[SavedSearch]:
    library.mark_saved_search_run(name)
    return library.saved_searches()


def _delete(library: Library, name: str) -> tuple[SavedSearch, list[SavedSearch]]:
    gone = library.delete_saved_search(name)
    return gone, library.saved_searches()


def _message(error: Exception) -> str:
    return getattr(error, "message", None) or str(error)


class SavedSearches(QObject):
    """The dock, its actions and their writes; the window restores and runs the search."""

    run_requested = Signal(object)
    """Run this SavedSearch: the window restores its query, chips and sort and searches."""
    shown = Signal()
    """The list (with its counts) has been read and shown."""

    def __init__(self, library: Library, window: QMainWindow, writes: WriteQueue):
        super().__init__(window)
        self.library, self.window, self.writes = library, window, writes
        self.panel = SavedSearchesPanel()
        self.dock = QDockWidget("Saved searches", window, objectName="saved_searches_dock")
        self.dock.setWidget(self.panel)
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                              | QDockWidget.DockWidgetFeature.DockWidgetClosable
                              | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.panel.run_requested.connect(self.run)
        self.panel.delete_requested.connect(self.delete)

    def place(self, above: QDockWidget) -> None:
        """Below the Refine and Tags docks, in the same column."""
        self.window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        self.window.splitDockWidget(above, self.dock, Qt.Orientation.Vertical)

    def _status(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 6000)

    def _show(self, searches: list[SavedSearch]) -> None:
        self.panel.show_searches(searches)
        self.shown.emit()

    def _failed(self, what: str):
        def report(error: Exception) -> None:
            self._status(f"{what}: {_message(error)}")
            self.reload()
        return report

    # -- the user's actions --------------------------------------------------------------
    def reload(self) -> None:
        """Read the list and count what is new for each (after a sync, an undo...)."""
        self.writes.run(self.library.saved_searches, on_result=self._show,
                        on_error=lambda error: self._status(
                            f"The saved searches could not be read: {_message(error)}"))

    def save(self, query: str, filters: list[str], sort: str) -> None:
        """File ▸ Save search…: ask for a name (and whether to replace one of that name)."""
        if not query.strip() and not filters:
            self._status("Search for something first (words or a filter), then save it.")
            return
        name, ok = QInputDialog.getText(self.window, "Save search",
                                        "Name for this search (query, filters and sort):",
                                        text=query.strip()[:60])
        name = name.strip()
        if not ok or not name:
            return
        replace_existing = False
        if any(known.casefold() == name.casefold() for known in self.panel.names()):
            answer = QMessageBox.question(
                self.window, "Save search", f"There is already a saved search named "
                f"'{_short(name)}'. Replace it with this search?")
            if answer != QMessageBox.StandardButton.Yes:
                return
            replace_existing = True
        self.writes.run(_save, self.library, name, query, list(filters), sort,
                        replace_existing, on_result=self._saved,
                        on_error=self._failed("The search was not saved"))

    def _saved(self, outcome: tuple[SavedSearch, list[SavedSearch]]) -> None:
        saved, searches = outcome
        self._show(searches)
        self.dock.show()
        self._status(f"Search saved as '{_short(saved.name)}' (Ctrl+Z undoes).")

    def run(self, search: SavedSearch) -> None:
        """Run it again in the window, and record the run (its new documents are seen)."""
        if search.problem:
            self._status(f"'{_short(search.name)}' cannot run: {search.problem}")
            return
        self.run_requested.emit(search)
        self.writes.run(_ran, self.library, search.name, on_result=self._show,
                        on_error=self._failed("The run was not recorded"))

    def delete(self, name: str) -> None:
        self.writes.run(_delete, self.library, name, on_result=self._deleted,
                        on_error=self._failed("The saved search was not deleted"))

    def _deleted(self, outcome: tuple[SavedSearch, list[SavedSearch]]) -> None:
        gone, searches = outcome
        self._show(searches)
        self._status(f"Saved search '{_short(gone.name)}' deleted (Ctrl+Z undoes).")
