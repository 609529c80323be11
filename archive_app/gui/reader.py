"""The reader: a document's plain text with hits and tagged passages marked, hit stepping,
find-in-document, the selection a user tags, and (Ctrl+P) the original page beside it
(page_view.py), which shares the hits, the counter and the selection.

The text is set as plain text, so a QTextCursor position is a UTF-16 offset into
DocumentView.text ('\n' is the one-position block separator); `Utf16Offsets` converts.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QFont,
    QKeySequence,
    QShortcut,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
    QTextLength,
)
from PySide6.QtWidgets import (
    QAbstractSlider,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from archive_app.core.annotations.anchoring import ORPHANED
from archive_app.core.annotations.records import Annotation
from archive_app.core.annotations.regions import Region
from archive_app.core.indexing.model import DocumentView
from archive_app.core.pages.document_pages import DocumentPages
from archive_app.core.search.refine import find_all
from archive_app.core.text.pages import page_label
from archive_app.core.text.utf16 import Utf16Offsets
from archive_app.gui.highlight import (
    annotation_format,
    entity_format,
    find_format,
    hit_format,
    reuse_format,
)
from archive_app.gui.page_view import BoxRequest, PageView


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
    tag_requested = Signal()
    """The user asked to tag the selection (Ctrl+T or the context menu)."""
    document_tag_requested = Signal()
    """The user asked to tag the whole document (Ctrl+Shift+T or the context menu)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("reader")
        self.document_view: DocumentView | None = None
        self.hits: list[tuple[int, int]] = []
        self.matches: list[tuple[int, int]] = []
        self.annotations: list[Annotation] = []
        self.entity_marks: list[tuple[tuple[int, int], str]] = []
        self.reuse_marks: list[tuple[int, int]] = []
        """UTF-16 spans of the passages other documents hold too (View ▸ Mark reused
        passages)."""
        self.mark_reuse = True
        """(UTF-16 span, list colour) of each watch-list entity in the open text."""
        self.offsets = Utf16Offsets("")
        self.current = -1
        self.page_starts: list[int] = []
        """The open document's page start offsets (Python offsets; [] without pages)."""
        self._page_source = "cursor"
        """What 'page N of M' follows: the current "hit", the "cursor", or the "top" of
        the visible area after the user scrolls."""
        self._moving = False
        self.region: tuple[int, Region] | None = None
        """A rectangle dragged on the page over no text: (page, region), which Ctrl+T
        tags as a region annotation."""
        self.tag_action = QAction("&Tag selection…", self, enabled=False)
        self.tag_action.setShortcut(QKeySequence("Ctrl+T"))
        self.document_tag_action = QAction("Tag whole &document…", self, enabled=False)
        self.document_tag_action.setShortcut(QKeySequence("Ctrl+Shift+T"))
        self.title_label = QLabel(objectName="reader_title", wordWrap=True)
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        self.counter = QLabel(objectName="hit_counter")
        self.page_label = QLabel(objectName="page_label")
        self.page_label.setTextFormat(Qt.TextFormat.PlainText)
        self.page_label.setStyleSheet("color: palette(placeholder-text);")
        self.previous_button = QToolButton(text="▲ Previous", toolTip="Previous hit (Shift+F3)")
        self.next_button = QToolButton(text="▼ Next", toolTip="Next hit (F3)")
        # QTextEdit rather than QPlainTextEdit: only it aligns each right-to-left paragraph
        # to the right; it is fed plain text only (setPlainText), so no markup, no fetching
        self.text = QTextEdit(objectName="reader_text", readOnly=True, acceptRichText=False,
                              undoRedoEnabled=False)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                          | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        font = QFont(self.text.font())
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.text.setFont(font)
        self.text.document().setDocumentMargin(12)
        self.text.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.find_bar = FindBar(self)
        self.pages: DocumentPages | None = None
        """The open document's pages, when it has some the page view can show."""
        self.page_view = PageView()
        self.stack = QStackedWidget(objectName="reader_stack")
        self.stack.addWidget(self.text)
        self.stack.addWidget(self.page_view)
        self.page_action = QAction("Show original &page", self, checkable=True,
                                   enabled=False)
        self.page_action.setShortcut(QKeySequence("Ctrl+P"))
        self.page_button = QToolButton(objectName="page_button")
        self.page_action.setIconText("Page")  # what the header's toggle button says
        self.page_button.setDefaultAction(self.page_action)
        self.page_button.setToolTip("Show the original page, or the text again (Ctrl+P)")
        self._build_layout()
        self._connect()
        self.show_placeholder()

    def _build_layout(self) -> None:
        header = QHBoxLayout()
        header.addWidget(self.title_label, 1)
        header.addWidget(self.page_label)
        header.addWidget(self.counter)
        header.addWidget(self.previous_button)
        header.addWidget(self.next_button)
        header.addWidget(self.page_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        header.setContentsMargins(8, 6, 8, 2)
        layout.addLayout(header)
        layout.addWidget(self.find_bar)
        layout.addWidget(self.stack, 1)

    def _connect(self) -> None:
        self.tag_action.triggered.connect(self.tag_requested)
        self.document_tag_action.triggered.connect(self.document_tag_requested)
        self.page_action.toggled.connect(self.set_page_mode)
        self.page_view.region_dragged.connect(self._page_dragged)
        self.text.copyAvailable.connect(self._selection_changed)
        self.text.customContextMenuRequested.connect(self._context_menu)
        self.text.cursorPositionChanged.connect(self._cursor_moved)
        bar = self.text.verticalScrollBar()
        bar.actionTriggered.connect(self._user_scrolled)
        bar.valueChanged.connect(self._scrolled)
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
        self.annotations, self.offsets = [], Utf16Offsets("")
        self.page_starts, self._page_source = [], "cursor"
        self.title_label.setText("")
        self._moving = True
        self.text.setPlainText("")
        self._moving = False
        self.tag_action.setEnabled(False)
        self.document_tag_action.setEnabled(False)
        self.text.setPlaceholderText(message)
        self.set_pages(None)
        self._refresh()

    def show_document(self, view: DocumentView, spans: list[tuple[int, int]],
                      annotations: list[Annotation] | None = None,
                      mentions: list | None = None) -> None:
        """Set the whole text in one go, mark every hit and tagged passage, go to hit one.
        The page view waits for `set_pages` (the window gives the new document's)."""
        self.set_pages(None, keep_mode=True)
        self.document_view = view
        self.title_label.setText(view.title or view.key)
        # Dropped before the text changes: Qt otherwise lays out the new text to repaint
        # the old marks' places (measured: 170-320 ms on a 1 MB document, 0 ms this way).
        self.text.setExtraSelections([])
        self._moving = True
        self.text.setPlainText(view.text)
        self._moving = False
        set_directions(self.text.document())
        self.offsets = Utf16Offsets(view.text)
        self.page_starts = list(view.page_starts)
        self._page_source = "cursor"
        self._mark_pages()
        self.hits = self.offsets.spans_to_utf16(spans)
        self.annotations = list(annotations or [])
        self.entity_marks = [((self.offsets.to_utf16(m.start), self.offsets.to_utf16(m.end)),
                              m.color) for m in mentions or []]
        self.reuse_marks = []
        self._apply_marks()
        self.region = None
        self.tag_action.setEnabled(False)
        self.document_tag_action.setEnabled(True)
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
        self._moving = True
        try:
            self.text.setTextCursor(cursor)
            center_cursor(self.text)
        finally:
            self._moving = False
        self._page_source = "hit"
        self._refresh()
        self.current_hit_changed.emit(number)

    def _refresh(self) -> None:
        """Repaint the moving marks (current hit, find matches) and the counter ('3 / 17').

        Hits and tagged passages are character formats of the document (`_apply_marks`),
        laid out once; extra selections, which Qt re-lays out on every change, hold only
        the few marks that move, so stepping through thousands of hits stays instant.
        """
        selections = [self._selection(span, find_format()) for span in self.matches]
        marks = self.marks()
        if 0 <= self.current < len(marks):
            selections.append(self._selection(marks[self.current], hit_format(current=True)))
        self.text.setExtraSelections(selections)
        shown = self.current + 1 if self.current >= 0 else 0
        self.counter.setText(f"{shown} / {len(marks)}" if marks else "No hits")
        self.counter.setVisible(self.document_view is not None)
        for button in (self.next_button, self.previous_button):
            button.setEnabled(len(marks) > 0)
        self._show_page()
        if self.in_page_mode():
            self._show_page_view()

    # -- the page view -------------------------------------------------------------------
    def set_pages(self, pages: DocumentPages | None, keep_mode: bool = False) -> None:
        """The open document's pages (None: it has none to show). The page mode stays
        on from one document to the next that has pages, as a user reading scans expects;
        with `keep_mode` the choice is remembered while no pages are known yet."""
        wanted = self.page_action.isChecked()
        self.pages = pages
        self.page_view.set_pages(pages)
        self.page_action.setEnabled(pages is not None)
        if pages is None:
            self.stack.setCurrentWidget(self.text)
            if not keep_mode and wanted:
                self.page_action.setChecked(False)
            return
        if wanted:
            self.set_page_mode(True)

    def in_page_mode(self) -> bool:
        return self.pages is not None and self.stack.currentWidget() is self.page_view

    def set_page_mode(self, on: bool) -> None:
        """Page view on (the page holding the current hit, or the cursor or selection) or
        off (the text, at the page the page view showed if the user moved on)."""
        if on and self.pages is not None:
            self.stack.setCurrentWidget(self.page_view)
            self._show_page_view()
            self.page_view.canvas.setFocus()
            return
        if self.stack.currentWidget() is self.page_view and self.pages is not None:
            shown = self.page_view.page
            if shown != self.pages.page_of(self._python_position()):
                self._move_cursor(self.pages.page_range(shown)[0])
        self.stack.setCurrentWidget(self.text)
        self.text.setFocus()

    def _python_position(self) -> int:
        return self.offsets.from_utf16(self.page_position())

    def _move_cursor(self, offset: int) -> None:
        cursor = self.text.textCursor()
        cursor.setPosition(self.offsets.to_utf16(offset))
        self.text.setTextCursor(cursor)
        center_cursor(self.text)

    def _show_page_view(self) -> None:
        """Draw the page of the current hit (or of the cursor) with every hit and
        annotation on it boxed."""
        marks = self.marks()
        request = BoxRequest(
            hits=[(self.offsets.from_utf16(a), self.offsets.from_utf16(b)) for a, b in marks],
            current=self.current,
            annotations=[((self.offsets.from_utf16(a), self.offsets.from_utf16(b)), color)
                         for (a, b), color in self.annotation_marks()],
            regions=[(a.page, a.region.as_tuple(), a.color) for a in self._placed()
                     if a.is_region])
        self.page_view.show_page(self.pages.page_of(self._python_position()), request)

    def _page_dragged(self, page: int, rect) -> None:
        """Words dragged across on the page become the text selection, so Ctrl+T tags
        exactly what the same words selected in the text would give."""
        found = self.pages.offsets_in(page, rect) if self.pages is not None else None
        if found is None:
            left, top, right, bottom = rect
            self.region = (page, Region(left, top, right - left, bottom - top))
            self.tag_action.setEnabled(True)
            self.page_view.status.setText("No text there: Ctrl+T tags this region of the "
                                          "page")
            return
        self.region = None
        start, end = found
        cursor = self.text.textCursor()
        cursor.setPosition(self.offsets.to_utf16(start))
        cursor.setPosition(self.offsets.to_utf16(end), QTextCursor.MoveMode.KeepAnchor)
        self._moving = True
        try:
            self.text.setTextCursor(cursor)
        finally:
            self._moving = False
        self.tag_action.setEnabled(True)
        quote = self.document_view.text[start:end] if self.document_view else ""
        shown = quote if len(quote) <= 60 else quote[:57] + "…"
        self.page_view.status.setText(f"Selected “{shown}” (Ctrl+T tags it)")

    # -- pages ---------------------------------------------------------------------------
    def _mark_pages(self) -> None:
        """A thin rule at each page boundary: a block format (a trailing horizontal rule)
        on the empty line before each page after the first, so no character is added
        and every offset hits and annotations use stays as it was."""
        document = self.text.document()
        rule = QTextBlockFormat()
        rule.setProperty(QTextFormat.Property.BlockTrailingHorizontalRulerWidth,
                         QTextLength(QTextLength.Type.PercentageLength, 100))
        cursor = QTextCursor(document)
        cursor.beginEditBlock()
        for start in self.page_starts[1:]:
            position = self.offsets.to_utf16(start)
            if position <= 0:
                continue
            cursor.setPosition(document.findBlock(position - 1).position())
            cursor.mergeBlockFormat(rule)
        cursor.endEditBlock()

    def page_position(self) -> int:
        """The UTF-16 position whose page the header names: the current hit after
        stepping, the top of the visible area after scrolling, else the cursor."""
        marks = self.marks()
        if self._page_source == "hit" and 0 <= self.current < len(marks):
            return marks[self.current][0]
        if self._page_source == "top":
            return self.text.cursorForPosition(QPoint(0, 0)).position()
        return self.text.textCursor().position()

    def _show_page(self) -> None:
        label = None
        if self.document_view is not None and self.page_starts:
            label = page_label(self.page_starts, self.offsets.from_utf16(self.page_position()))
        self.page_label.setText(label or "")
        self.page_label.setVisible(label is not None)

    def _cursor_moved(self) -> None:
        if not self._moving and self.document_view is not None:
            self._page_source = "cursor"
            self._show_page()

    def _user_scrolled(self, action: int) -> None:
        if action != QAbstractSlider.SliderAction.SliderNoAction:
            self._page_source = "top"

    def _scrolled(self, _value: int) -> None:
        if not self._moving and self._page_source == "top":
            self._show_page()

    def _apply_marks(self) -> None:
        """Tagged passages (a tint, underlined) and every hit (amber over the tint)."""
        document = self.text.document()
        cursor = QTextCursor(document)
        cursor.beginEditBlock()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.setCharFormat(QTextCharFormat())
        marks = [(span, reuse_format()) for span in self.reuse_marks] if self.mark_reuse \
            else []
        marks += [(span, entity_format(color)) for span, color in self.entity_marks]
        marks += [(span, annotation_format(color)) for span, color in self.annotation_marks()]
        amber = hit_format()
        marks += [(span, amber) for span in self.hits]
        for (start, end), text_format in marks:
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(text_format)
        cursor.endEditBlock()

    def set_reused(self, passages: list) -> None:
        """The passages of the open document other documents hold too (fetched after it
        is shown), tinted while View ▸ Mark reused passages is on."""
        self.reuse_marks = [(self.offsets.to_utf16(p.start), self.offsets.to_utf16(p.end))
                            for p in passages]
        if self.mark_reuse and self.document_view is not None:
            self._apply_marks()

    def set_mark_reuse(self, on: bool) -> None:
        """View ▸ Mark reused passages: the violet wash on, or off."""
        self.mark_reuse = on
        if self.document_view is not None:
            self._apply_marks()

    def go_to_offset(self, start: int, end: int) -> None:
        """Select text[start:end] (Python offsets) and scroll it into view."""
        cursor = self.text.textCursor()
        cursor.setPosition(self.offsets.to_utf16(start))
        cursor.setPosition(self.offsets.to_utf16(end), QTextCursor.MoveMode.KeepAnchor)
        self.text.setTextCursor(cursor)
        self.text.ensureCursorVisible()

    def mark_format_at(self, position: int) -> QTextCharFormat:
        """The character format drawn at a text position (what a user sees there)."""
        block = self.text.document().findBlock(position)
        offset = position - block.position()
        ranges = block.textFormats()  # keep the list alive while copying a format out
        for fragment_range in ranges:
            if fragment_range.start <= offset < fragment_range.start + fragment_range.length:
                return QTextCharFormat(fragment_range.format)
        return QTextCharFormat()

    def _selection(self, span: tuple[int, int], text_format) -> QTextEdit.ExtraSelection:
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.text.document())
        cursor.setPosition(span[0])
        cursor.setPosition(span[1], QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor
        selection.format = text_format
        return selection

    def annotation_marks(self) -> list[tuple[tuple[int, int], str]]:
        """(UTF-16 span, colour) of each annotation placed in this text (not orphans)."""
        if self.document_view is None:
            return []
        return [((self.offsets.to_utf16(a.start), self.offsets.to_utf16(a.end)), a.color)
                for a in self._placed() if not a.is_region]

    def _placed(self) -> list[Annotation]:
        """The open document's annotations that have a place in it (not orphans)."""
        if self.document_view is None:
            return []
        return [a for a in self.annotations
                if a.doc == self.document_view.key and a.state != ORPHANED]

    def hit_selections(self) -> int:
        """How many search hits the reader marks in the document shown."""
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
        self.matches = self.offsets.spans_to_utf16(find_all(text, needle))
        self.current = -1
        self.find_bar.count_label.setText(
            f"{len(self.matches)} found" if needle else "")
        if self.marks():
            self._go_to(0)
        else:
            self._refresh()

    # -- annotations ---------------------------------------------------------------------
    def selection(self) -> tuple[int, int] | None:
        """The selected passage as Python offsets into DocumentView.text, if any."""
        cursor = self.text.textCursor()
        if self.document_view is None or not cursor.hasSelection():
            return None
        start = self.offsets.from_utf16(cursor.selectionStart())
        end = self.offsets.from_utf16(cursor.selectionEnd())
        return (start, end) if start < end else None

    def set_annotations(self, annotations: list[Annotation]) -> None:
        self.annotations = list(annotations)
        self._apply_marks()
        self._refresh()

    def add_annotation(self, annotation: Annotation) -> None:
        self.annotations = [a for a in self.annotations if a.id != annotation.id]
        self.annotations.append(annotation)
        self._apply_marks()
        self._refresh()

    def show_annotation(self, annotation: Annotation) -> bool:
        """Scroll to a tagged passage and select it; False if it has no place in this text."""
        view = self.document_view
        if view is None or annotation.doc != view.key or annotation.state == ORPHANED:
            return False
        if annotation.is_region:
            return self._show_region(annotation)
        cursor = self.text.textCursor()
        cursor.setPosition(self.offsets.to_utf16(annotation.end))
        self.text.setTextCursor(cursor)
        center_cursor(self.text)
        cursor.setPosition(self.offsets.to_utf16(annotation.start))
        cursor.setPosition(self.offsets.to_utf16(annotation.end),
                           QTextCursor.MoveMode.KeepAnchor)
        self.text.setTextCursor(cursor)
        return True

    def _show_region(self, annotation: Annotation) -> bool:
        """A region annotation is shown on its page (the text has nothing to select)."""
        self._move_cursor(annotation.start)
        if self.pages is None:
            return True
        self.page_action.setChecked(True)
        self.page_view.show_page(annotation.page)
        return True

    def region_selection(self) -> tuple[int, Region] | None:
        """The rectangle dragged on the shown page over no text, if the page is shown."""
        return self.region if self.in_page_mode() else None

    def _selection_changed(self, available: bool) -> None:
        if available:
            self.region = None
        self.tag_action.setEnabled((available or self.region is not None)
                                   and self.document_view is not None)

    def _context_menu(self, position) -> None:
        menu = self.text.createStandardContextMenu(position)
        first = menu.actions()[0] if menu.actions() else None
        menu.insertAction(first, self.tag_action)
        menu.insertAction(first, self.document_tag_action)
        menu.insertSeparator(first)
        menu.exec(self.text.viewport().mapToGlobal(position))
        menu.deleteLater()


def set_directions(document) -> None:
    """Each paragraph takes the direction of its first strong letter (the Unicode rule).

    So a Persian or Arabic paragraph reads right-to-left and aligned right, an English one
    left-to-right, and a mixed English/Persian line orders its words correctly.
    """
    option = document.defaultTextOption()
    option.setTextDirection(Qt.LayoutDirection.LayoutDirectionAuto)
    document.setDefaultTextOption(option)


def center_cursor(editor: QTextEdit) -> None:
    """Scroll so the cursor sits mid-view (QTextEdit lacks QPlainTextEdit.centerCursor)."""
    editor.ensureCursorVisible()
    bar = editor.verticalScrollBar()
    offset = editor.cursorRect().center().y() - editor.viewport().height() // 2
    bar.setValue(bar.value() + offset)
