"""The results list: a model of search hits and a delegate that paints highlighted snippets.

Each row has a check box (painted by the delegate, toggled by a click on it or Space):
the checked results are what File ▸ Export… offers as "hit passages". Checks are kept by
document key, so a refreshed search keeps them.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QPalette,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionViewItem,
)

from archive_app.core.search.searcher import Hit
from archive_app.gui.highlight import hit_format, utf16_spans

HIT_ROLE = Qt.ItemDataRole.UserRole + 1
PADDING = 8
CHECK_SIZE = 16
CHECK_COLUMN = CHECK_SIZE + PADDING
"""Width kept free at the left of each row for its check box."""

AnyIndex = QModelIndex | QPersistentModelIndex


MAX_TOOLTIP_COPIES = 10
"""Copies a result's tooltip names; the side panel lists them all."""


class ResultsModel(QAbstractListModel):
    """One row per Hit of the latest search; replaced as a whole by each new search."""

    checks_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.hits: list[Hit] = []
        self.checked: set[str] = set()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        return 0 if parent.isValid() else len(self.hits)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.hits):
            return None
        hit = self.hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return hit.title or hit.key
        if role == Qt.ItemDataRole.ToolTipRole:
            where = f"{hit.path}\n{hit.place}" if hit.place else hit.path
            if hit.copies:  # the paths of the copies this one result stands for
                where += f"\n\n{hit.copy_count} copies of this text, also at:\n" + "\n".join(
                    path for _, path in hit.copies[:MAX_TOOLTIP_COPIES])
                if len(hit.copies) > MAX_TOOLTIP_COPIES:
                    where += f"\n… and {len(hit.copies) - MAX_TOOLTIP_COPIES} more"
            return where
        if role == Qt.ItemDataRole.CheckStateRole:
            return (Qt.CheckState.Checked if hit.key in self.checked
                    else Qt.CheckState.Unchecked)
        if role == HIT_ROLE:
            return hit
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsUserCheckable)

    def setData(self, index: AnyIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        hit = self.hit(index.row()) if index.isValid() else None
        if hit is None or role != Qt.ItemDataRole.CheckStateRole:
            return False
        if Qt.CheckState(value) == Qt.CheckState.Checked:
            self.checked.add(hit.key)
        else:
            self.checked.discard(hit.key)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.checks_changed.emit()
        return True

    def set_hits(self, hits: list[Hit]) -> None:
        """Show a new answer; checked documents that are still in it stay checked."""
        self.beginResetModel()
        self.hits = list(hits)
        self.checked &= {hit.key for hit in self.hits}
        self.endResetModel()
        self.checks_changed.emit()

    def checked_keys(self) -> list[str]:
        """The checked documents in the order shown."""
        return [hit.key for hit in self.hits if hit.key in self.checked]

    def hit(self, row: int) -> Hit | None:
        return self.hits[row] if 0 <= row < len(self.hits) else None


def byline(hit: Hit) -> str:
    """'source · date' (author first when known, a message's sender), then where a member
    lies and an OCR mark; the key when nothing else is known."""
    parts = [part for part in (hit.author or hit.sender, hit.source, hit.date) if part]
    if hit.place:
        parts.append(f"in {hit.place}")
    if hit.ocr:
        parts.append("OCR")
    if hit.copies:
        parts.append(f"{hit.copy_count} copies")
    return " · ".join(parts) if parts else hit.key


def result_document(hit: Hit, palette: QPalette, font: QFont) -> QTextDocument:
    """The rich rendering of one hit; snippet text is inserted as plain text, never HTML."""
    document = QTextDocument()
    document.setDefaultFont(font)
    document.setDocumentMargin(PADDING)
    cursor = QTextCursor(document)
    base = cursor.charFormat()
    base.setForeground(palette.color(QPalette.ColorRole.Text))
    title = QTextCharFormat(base)
    title.setFontWeight(QFont.Weight.Bold)
    title.setFontPointSize(font.pointSizeF() * 1.12)
    cursor.insertText(hit.title or hit.key, title)
    muted = QTextCharFormat(base)
    muted.setForeground(palette.color(QPalette.ColorRole.PlaceholderText))
    muted.setFontPointSize(font.pointSizeF() * 0.92)
    cursor.insertBlock()
    cursor.insertText(byline(hit), muted)
    for snippet in hit.snippets:
        cursor.insertBlock()
        start = cursor.position()
        cursor.insertText(f"… {snippet.text} …", base)
        if snippet.page:
            cursor.insertText(f"  p. {snippet.page}", muted)
        for begin, end in utf16_spans(snippet.text, snippet.highlights):
            cursor.setPosition(start + 2 + begin)
            cursor.setPosition(start + 2 + end, QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(hit_format())
        cursor.movePosition(QTextCursor.MoveOperation.End)
    return document


def check_rect(row: QRect) -> QRect:
    """Where a row's check box is: left of the title, on its first line."""
    return QRect(row.left() + PADDING, row.top() + PADDING + 2, CHECK_SIZE, CHECK_SIZE)


class ResultDelegate(QStyledItemDelegate):
    """Paints a check box, title (bold), byline (muted) and snippets with every hit marked."""

    def _document(self, option: QStyleOptionViewItem, index: AnyIndex) -> QTextDocument:
        hit = index.data(HIT_ROLE)
        document = result_document(hit, option.palette, option.font)
        document.setTextWidth(max(100, option.rect.width() - CHECK_COLUMN))
        return document

    def editorEvent(self, event, model, option: QStyleOptionViewItem,  # noqa: N802
                    index: AnyIndex) -> bool:
        """A left click on the check box (or Space) toggles it without opening the row."""
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
                    QEvent.Type.MouseButtonDblClick):
            inside = (event.button() == Qt.MouseButton.LeftButton
                      and check_rect(option.rect).contains(event.position().toPoint()))
            if inside and kind == QEvent.Type.MouseButtonRelease:
                self._toggle(model, index)
            return inside
        if kind == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Space,
                                                             Qt.Key.Key_Select):
            self._toggle(model, index)
            return True
        return False

    @staticmethod
    def _toggle(model, index: AnyIndex) -> None:
        checked = index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
        model.setData(index, Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked,
                      Qt.ItemDataRole.CheckStateRole)

    @staticmethod
    def _paint_check(painter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        box = QStyleOptionButton()
        box.rect = check_rect(option.rect)
        box.palette = option.palette
        checked = index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
        box.state = (QStyle.StateFlag.State_Enabled
                     | (QStyle.StateFlag.State_On if checked else QStyle.StateFlag.State_Off))
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_IndicatorCheckBox, box, painter,
                                option.widget)

    def paint(self, painter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        self.initStyleOption(option, index)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        document = self._document(option, index)
        painter.save()
        if selected:
            self._paint_selection(painter, option)
        self._paint_check(painter, option, index)
        painter.translate(option.rect.topLeft())
        painter.translate(CHECK_COLUMN, 0)
        context = QAbstractTextDocumentLayout.PaintContext()
        document.documentLayout().draw(painter, context)
        painter.translate(-CHECK_COLUMN, 0)
        painter.setPen(option.palette.color(QPalette.ColorRole.Mid))
        painter.drawLine(PADDING, option.rect.height() - 1,
                         option.rect.width() - PADDING, option.rect.height() - 1)
        painter.restore()

    @staticmethod
    def _paint_selection(painter, option: QStyleOptionViewItem) -> None:
        """A tinted card with an accent bar: the snippets keep their normal colours."""
        accent = QColor(option.palette.color(QPalette.ColorRole.Highlight))
        tint = QColor(accent)
        tint.setAlpha(45)
        painter.fillRect(option.rect, tint)
        bar = QRect(option.rect.left(), option.rect.top(), 4, option.rect.height())
        painter.fillRect(bar, accent)

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        self.initStyleOption(option, index)
        width = option.widget.viewport().width() if option.widget else 400
        option.rect.setWidth(width)
        document = self._document(option, index)
        return QSize(width, int(document.size().height()) + 2)


class ResultsView(QListView):
    """Keyboard-navigable list; variable row heights recomputed when the width changes."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("results_view")
        self.setItemDelegate(ResultDelegate(self))
        self.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(False)
        self.setWordWrap(True)
        self.setAlternatingRowColors(False)
