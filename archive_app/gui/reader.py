"""The reader: a document's plain text with every hit marked, hit stepping and find-in-document."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from archive_app.core.index import DocumentView
from archive_app.core.refine import find_all
from archive_app.gui.highlight import find_format, hit_format, utf16_spans


class FindBar(QWidget):
    """Ctrl+F: a literal, case-insensitive find over the open document."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("find_bar")
        self.field = QLineEdit(placeholderText="Find in document")
        self.field.setClearButtonEnabled(True)
        self.count_label = QLabel()
        self.close_button = QToolButton(text="✕", toolTip="Close find (Esc)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.addWidget(QLabel("Find:"))
        layout.addWidget(self.field, 1)
        layout.addWidget(self.count_label)
        layout.addWidget(self.close_button)
        self.setVisible(False)


class Reader(QWidget):
    """Shows a DocumentView as plain text (never HTML: no network, no scripts)."""

    hits_highlighted = Signal(int)
    current_hit_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("reader")
        self.document_view: DocumentView | None = None
        self.hits: list[tuple[int, int]] = []
        self.matches: list[tuple[int, int]] = []
        self.current = -1
        self.title_label = QLabel(objectName="reader_title", wordWrap=True)
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        self.counter = QLabel(objectName="hit_counter")
        self.previous_button = QToolButton(text="▲ Previous", toolTip="Previous hit (Shift+F3)")
        self.next_button = QToolButton(text="▼ Next", toolTip="Next hit (F3)")
        self.text = QPlainTextEdit(objectName="reader_text", readOnly=True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                          | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        font = QFont(self.text.font())
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.text.setFont(font)
        self.text.document().setDocumentMargin(12)
        self.find_bar = FindBar(self)
        self._build_layout()
        self._connect()
        self.show_placeholder()

    def _build_layout(self) -> None:
        header = QHBoxLayout()
        header.addWidget(self.title_label, 1)
        header.addWidget(self.counter)
        header.addWidget(self.previous_button)
        header.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        header.setContentsMargins(8, 6, 8, 2)
        layout.addLayout(header)
        layout.addWidget(self.find_bar)
        layout.addWidget(self.text, 1)

    def _connect(self) -> None:
        self.next_button.clicked.connect(self.next_hit)
        self.previous_button.clicked.connect(self.previous_hit)
        self.find_bar.field.textChanged.connect(self._find)
        self.find_bar.field.returnPressed.connect(self.next_hit)
        self.find_bar.close_button.clicked.connect(self.close_find)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.find_bar)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.close_find)

    # -- showing a document --------------------------------------------------------------
    def show_placeholder(self, message: str = "Select a result to read it here.") -> None:
        self.document_view = None
        self.hits, self.matches, self.current = [], [], -1
        self.title_label.setText("")
        self.text.setPlainText("")
        self.text.setPlaceholderText(message)
        self._refresh()

    def show_document(self, view: DocumentView, spans: list[tuple[int, int]]) -> None:
        """Set the whole text in one go, mark every hit and go to the first one."""
        self.document_view = view
        self.title_label.setText(view.title or view.key)
        self.text.setPlainText(view.text)
        self.hits = utf16_spans(view.text, spans)
        self.matches = []
        self.current = -1
        if self.find_bar.isVisible() and self.find_bar.field.text():
            self._find(self.find_bar.field.text())
        else:
            self._refresh()
            if self.hits:
                self._go_to(0)
            else:
                self.text.moveCursor(QTextCursor.MoveOperation.Start)
        self.hits_highlighted.emit(len(self.hits))

    # -- stepping through hits (or find matches while finding) --------------------------
    def marks(self) -> list[tuple[int, int]]:
        return self.matches if self.matches else self.hits

    def next_hit(self) -> None:
        if self.marks():
            self._go_to((self.current + 1) % len(self.marks()))

    def previous_hit(self) -> None:
        if self.marks():
            self._go_to((self.current - 1) % len(self.marks()))

    def _go_to(self, number: int) -> None:
        self.current = number
        start, _end = self.marks()[number]
        cursor = self.text.textCursor()
        cursor.setPosition(start)
        self.text.setTextCursor(cursor)
        self.text.centerCursor()
        self._refresh()
        self.current_hit_changed.emit(number)

    def _refresh(self) -> None:
        """Repaint the marks and the counter ('3 / 17')."""
        selections = [self._selection(span, hit_format()) for span in self.hits]
        selections += [self._selection(span, find_format()) for span in self.matches]
        marks = self.marks()
        if 0 <= self.current < len(marks):
            selections.append(self._selection(marks[self.current], hit_format(current=True)))
        self.text.setExtraSelections(selections)
        shown = self.current + 1 if self.current >= 0 else 0
        self.counter.setText(f"{shown} / {len(marks)}" if marks else "No hits")
        self.counter.setVisible(self.document_view is not None)
        for button in (self.next_button, self.previous_button):
            button.setEnabled(len(marks) > 0)

    def _selection(self, span: tuple[int, int], text_format) -> QTextEdit.ExtraSelection:
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.text.document())
        cursor.setPosition(span[0])
        cursor.setPosition(span[1], QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor
        selection.format = text_format
        return selection

    def hit_selections(self) -> int:
        """How many marks the reader shows for search hits (the current one drawn twice)."""
        return len(self.hits)

    # -- find in document ----------------------------------------------------------------
    def open_find(self) -> None:
        self.find_bar.setVisible(True)
        self.find_bar.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.find_bar.field.selectAll()

    def close_find(self) -> None:
        self.find_bar.field.clear()
        self.find_bar.setVisible(False)
        self.text.setFocus()

    def _find(self, needle: str) -> None:
        text = self.document_view.text if self.document_view else ""
        self.matches = utf16_spans(text, find_all(text, needle))
        self.current = -1
        self.find_bar.count_label.setText(
            f"{len(self.matches)} found" if needle else "")
        if self.marks():
            self._go_to(0)
        else:
            self._refresh()
