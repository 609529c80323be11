"""Search within these results: the current query pinned as a chip, the field cleared.

A checkable action (Edit ▸ Search within results, Ctrl+Shift+F, and a "Within" button
by the search field). Turning it on makes the query now in the field a filter chip
("Within: camp ashraf", core's `within_filter`), so whatever is typed next is ANDed with
it; pressing it again with a new query typed pins that one too, each its own chip.
Pressing it with the field empty, or removing the last such chip, searches the whole
archive again. Pinning happens only on
the user's action, never as they type, so the debounced searches of a half-typed word
never become filters.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolButton

from archive_app.core.errors import QueryError
from archive_app.core.search.refine import within_filter, within_label
from archive_app.gui.facets import ChipBar
from archive_app.gui.search_bar import SearchBar


class SearchWithin(QObject):
    """The toggle, its chips and the message when there is nothing to search within."""

    def __init__(self, search_bar: SearchBar, chips: ChipBar, parent: QObject | None = None):
        super().__init__(parent)
        self.search_bar = search_bar
        self.chips = chips
        self.clauses: list[str] = []
        self.action = QAction("Search &within results", self, checkable=True)
        self.action.setShortcut(QKeySequence("Ctrl+Shift+F"))
        self.action.setToolTip("Search within these results: the query becomes a filter "
                               "and the next one narrows it (Ctrl+Shift+F)")
        self.button = QToolButton(objectName="within_button")
        self.button.setDefaultAction(self.action)
        self.action.setIconText("Within")
        self.action.triggered.connect(self._triggered)
        chips.filters_changed.connect(self._chips_changed)

    def _triggered(self, _checked: bool) -> None:
        """With a query in the field, pin it (narrowing once more when already on);
        with an empty field, leave: the whole archive is searched again."""
        if self.search_bar.query() or not self.clauses:
            self.pin()
        else:
            self.release()

    def pin(self) -> None:
        """Make the query in the field a chip; the field empties for the next query."""
        query = self.search_bar.query()
        try:
            clause = within_filter(query) if query else None
        except QueryError as error:
            clause = None
            self.search_bar.show_error(f"Nothing to search within: {error.message}")
        if clause is None:
            if not query:
                self.search_bar.show_error("Search first, then search within the results.")
            self._show_state()
            return
        if clause not in self.clauses:
            self.clauses.append(clause)
        self.search_bar.set_query("", search=False)
        self.chips.add_filter(clause, within_label(query))  # searches again
        self.search_bar.focus()
        self._show_state()

    def release(self) -> None:
        """Remove every within-chip: the next search is over the whole archive again."""
        for clause in list(self.clauses):
            self.clauses.remove(clause)
            self.chips.remove_filter(clause)
        self._show_state()

    def _chips_changed(self) -> None:
        live = set(self.chips.filters())
        self.clauses = [clause for clause in self.clauses if clause in live]
        self._show_state()

    def _show_state(self) -> None:
        self.action.setChecked(bool(self.clauses))
