"""The search bar: query field with history, debounce, sort, count/time, suggestion, errors."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from archive_app.core.search.searcher import SORTS

DEBOUNCE_MS = 250
HISTORY_SIZE = 30


class SearchBar(QWidget):
    """Emits `search_requested` with the query text after typing pauses or on Enter."""

    search_requested = Signal(str)
    help_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("search_bar")
        self.field = QLineEdit(placeholderText="Search the archive — words, \"phrases\", "
                                               "source:, date:2013 …  (Ctrl+L)")
        self.field.setObjectName("search_field")
        self.field.setClearButtonEnabled(True)
        self.history_model = QStringListModel(self)
        completer = QCompleter(self.history_model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.field.setCompleter(completer)
        self.history_button = QToolButton(text="History", toolTip="Recent searches")
        self.history_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.history_menu = QMenu(self.history_button)
        self.history_button.setMenu(self.history_menu)
        self.sort = QComboBox(toolTip="Sort results")
        self.sort.addItems([name.capitalize() for name in SORTS])
        self.help_button = QToolButton(text="?", toolTip="Search syntax")
        self.count_label = QLabel(objectName="count_label")
        self.suggestion_label = QLabel(objectName="suggestion_label")
        self.suggestion_label.setTextFormat(Qt.TextFormat.RichText)
        self.notice_label = QLabel(objectName="notice_label")
        self.notice_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label = QLabel(objectName="error_label", wordWrap=True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._build_layout()
        self._connect()
        self.show_error("")
        self.show_suggestion(None)

    def add_button(self, button: QToolButton) -> None:
        """Another tool beside the field (e.g. Search within), before the help button."""
        self._row.insertWidget(self._row.indexOf(self.help_button), button)

    def _build_layout(self) -> None:
        row = self._row = QHBoxLayout()
        row.addWidget(self.field, 1)
        row.addWidget(self.history_button)
        row.addWidget(self.sort)
        row.addWidget(self.help_button)
        status = QHBoxLayout()
        status.addWidget(self.count_label)
        status.addWidget(self.notice_label)
        status.addWidget(self.suggestion_label)
        status.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.error_label)
        layout.addLayout(status)

    def _connect(self) -> None:
        self.field.textEdited.connect(lambda _text: self.timer.start())
        self.field.returnPressed.connect(self.search_now)
        self.timer.timeout.connect(self.search_now)
        self.sort.currentIndexChanged.connect(lambda _index: self.search_now())
        self.help_button.clicked.connect(self.help_requested)
        self.suggestion_label.linkActivated.connect(self._accept_suggestion)
        self.history_menu.triggered.connect(lambda action: self.set_query(action.text()))

    # -- what the window asks of the bar -------------------------------------------------
    def query(self) -> str:
        return self.field.text().strip()

    def sort_name(self) -> str:
        return SORTS[self.sort.currentIndex()]

    def set_sort(self, name: str) -> None:
        """Choose a sort without searching (a saved search being restored)."""
        if name in SORTS:
            self.sort.blockSignals(True)
            self.sort.setCurrentIndex(SORTS.index(name))
            self.sort.blockSignals(False)

    def set_query(self, text: str, search: bool = True) -> None:
        self.field.setText(text)
        if search:
            self.search_now()

    def search_now(self) -> None:
        self.timer.stop()
        self.search_requested.emit(self.query())

    def clear(self) -> None:
        self.set_query("")

    def focus(self) -> None:
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def show_count(self, total: int, elapsed_ms: float) -> None:
        noun = "document" if total == 1 else "documents"
        self.count_label.setText(f"{total:,} {noun} · {elapsed_ms:.0f} ms")

    def clear_count(self) -> None:
        self.count_label.setText("")

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    def show_suggestion(self, suggestion: str | None) -> None:
        """Offer a corrected query as a link (None hides it, and any notices with it)."""
        self._suggestion = suggestion
        self.show_notices([])
        if suggestion:
            escaped = (suggestion.replace("&", "&amp;").replace("<", "&lt;")
                       .replace(">", "&gt;"))
            self.suggestion_label.setText(f'Did you mean <a href="suggest">{escaped}</a>?')
        self.suggestion_label.setVisible(bool(suggestion))

    def show_notices(self, notices: list[str]) -> None:
        """What the user should know about the query ("Tag 'a' was renamed to 'b'.")."""
        text = " ".join(f"{notice[:1].upper()}{notice[1:]}." for notice in notices)
        self.notice_label.setText(text)
        self.notice_label.setVisible(bool(text))

    def _accept_suggestion(self, _link: str) -> None:
        if self._suggestion:
            self.set_query(self._suggestion)

    # -- history -------------------------------------------------------------------------
    def history(self) -> list[str]:
        return self.history_model.stringList()

    def set_history(self, items: list[str]) -> None:
        self.history_model.setStringList(items[:HISTORY_SIZE])
        self.history_menu.clear()
        for item in self.history():
            self.history_menu.addAction(item)
        self.history_button.setEnabled(bool(items))

    def remember(self, text: str) -> None:
        if text:
            self.set_history([text] + [item for item in self.history() if item != text])
