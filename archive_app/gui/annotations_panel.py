"""The side panel's Annotations tab: the open document's tagged passages as cards."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from archive_app.core.annotations.anchoring import ORPHANED, REANCHORED
from archive_app.core.annotations.records import Annotation
from archive_app.core.text.pages import page_of

NO_ANNOTATIONS = ("No annotations yet. Select text in the reader and press Ctrl+T "
                  "to tag it.")
QUOTE_CHARS = 280
BADGES = {REANCHORED: ("Moved: check it", "The text changed; the passage was found again "
                       "by a close match. Check that it is still the right one."),
          ORPHANED: ("Not found", "The passage is no longer in the document (or the "
                     "document is gone). The annotation and its note are kept.")}
CHIP_TEXT = "#1a1a1a"
"""Tag colours are light pastels: dark text reads on them in light and dark palettes."""


def tag_chips(tags: list[str], colors: dict[str, str], fallback: str) -> str:
    """Tags as rich text: each on its own colour, names escaped."""
    chips = []
    for name in tags:
        color = colors.get(name.casefold(), fallback)
        chips.append(f'<span style="background-color:{color}; color:{CHIP_TEXT};">'
                     f"&nbsp;{escape(name)}&nbsp;</span>")
    return "&nbsp; ".join(chips)


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > QUOTE_CHARS:
        text = text[:QUOTE_CHARS].rsplit(" ", 1)[0] + " …"
    return f"“{text}”"


class AnnotationCard(QFrame):
    """One annotation: its quote, tags, note and state; click it to go to the passage."""

    clicked = Signal()

    def __init__(self, annotation: Annotation, colors: dict[str, str],
                 parent: QWidget | None = None, page: int | None = None):
        super().__init__(parent)
        self.setObjectName("annotation_card")
        self.annotation = annotation
        self.page = page
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.quote = QLabel(_excerpt(annotation.shown_quote), wordWrap=True,
                            objectName="card_quote")
        self.quote.setTextFormat(Qt.TextFormat.PlainText)
        self.tags = QLabel(wordWrap=True, objectName="card_tags")
        self.tags.setTextFormat(Qt.TextFormat.RichText)
        self.note = QLabel(annotation.note, wordWrap=True, objectName="card_note")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        text, tip = BADGES.get(annotation.state, ("", ""))
        self.page_label = QLabel(f"p. {page}" if page else "", objectName="card_page")
        self.badge = QLabel(text, objectName="state_badge", toolTip=tip)
        self.badge.setProperty("state", annotation.state)
        self.edit_button = QToolButton(text="Edit…", toolTip="Change the tags or the note")
        self.delete_button = QToolButton(text="Delete", toolTip="Delete (Ctrl+Z undoes)")
        self.also_button = QToolButton(objectName="also_in")
        """'Also in N documents': tags the passage where it stands in them (hidden when
        no other document holds it)."""
        self._build_layout()  # before any setVisible: a label without parent is a window
        for label in (self.quote, self.tags, self.note, self.badge):
            label.installEventFilter(self)  # a click on a label is a click on the card
        self.note.setVisible(bool(annotation.note))
        self.badge.setVisible(bool(text))
        self.set_also_in(0)
        self.set_colors(colors)
        self.set_selected(False)

    def _build_layout(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.page_label)
        buttons.addWidget(self.badge)
        buttons.addStretch(1)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self.quote)
        layout.addWidget(self.tags)
        layout.addWidget(self.note)
        also = QHBoxLayout()  # a row of its own: the card stays as narrow as the panel
        also.addWidget(self.also_button)
        also.addStretch(1)
        layout.addLayout(also)
        layout.addLayout(buttons)

    def set_also_in(self, documents: int) -> None:
        """Other documents that hold this passage too (reused passages)."""
        self.also_button.setText(f"Also in {documents} document{'' if documents == 1 else 's'}"
                                 "…")
        self.also_button.setToolTip("Tag the passage with these tags where it stands in "
                                    "those documents (each gets its own annotation)")
        self.also_button.setVisible(documents > 0)

    def set_colors(self, colors: dict[str, str]) -> None:
        self.colors = colors
        self.tags.setText(tag_chips(self.annotation.tags, colors, self.annotation.color))
        self.tags.setVisible(bool(self.annotation.tags))
        self._restyle()

    def set_selected(self, selected: bool) -> None:
        self.selected = selected
        self._restyle()

    def _restyle(self) -> None:
        border = "palette(highlight)" if getattr(self, "selected", False) else "palette(mid)"
        self.setStyleSheet(
            f"QFrame#annotation_card {{ border: 1px solid {border}; "
            f"border-left: 5px solid {self.annotation.color}; border-radius: 3px; "
            f"background: palette(base); }}")

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
                event.position().toPoint()):
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (event.type() == QEvent.Type.MouseButtonRelease
                and event.button() == Qt.MouseButton.LeftButton):
            self.clicked.emit()
            return True
        return super().eventFilter(watched, event)


class AnnotationsTab(QStackedWidget):
    """Cards of the open document's annotations, or a hint when there are none."""

    annotation_clicked = Signal(object)
    edit_requested = Signal(object)
    delete_requested = Signal(object)
    copy_requested = Signal(object)
    """Tag the annotation's passage where other documents hold it too."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("annotations_tab")
        self.colors: dict[str, str] = {}
        self.cards: list[AnnotationCard] = []
        self.reuse_counts: dict[int, int] = {}
        self.page_starts: list[int] = []
        """The open document's page boundaries: each card says its passage's page."""
        self.empty = QLabel(NO_ANNOTATIONS, wordWrap=True, objectName="empty_state")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setMargin(16)
        self.list_widget = QWidget(objectName="annotation_list")
        self.list_layout = QVBoxLayout(self.list_widget)
        self.list_layout.setContentsMargins(6, 6, 6, 6)
        self.list_layout.setSpacing(8)
        self.list_layout.addStretch(1)
        scroll = QScrollArea(objectName="annotation_scroll", widgetResizable=True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.list_widget)
        self.scroll = scroll
        self.addWidget(self.empty)
        self.addWidget(scroll)

    def annotations(self) -> list[Annotation]:
        return [card.annotation for card in self.cards]

    def card_for(self, annotation_id: int) -> AnnotationCard | None:
        return next((c for c in self.cards if c.annotation.id == annotation_id), None)

    def set_reuse_counts(self, counts: dict[int, int]) -> None:
        """Annotation id -> other documents holding its passage: their cards offer to tag
        it there."""
        self.reuse_counts = counts
        for card in self.cards:
            card.set_also_in(counts.get(card.annotation.id, 0))

    def show_annotations(self, annotations: list[Annotation]) -> None:
        """Replace the cards (ordered by position in the text)."""
        selected = next((c.annotation.id for c in self.cards if c.selected), None)
        if self.list_widget.isAncestorOf(QApplication.focusWidget()):
            self.scroll.setFocus()  # not left on a button about to be deleted
        for card in self.cards:
            self.list_layout.removeWidget(card)
            card.deleteLater()
        self.cards = []
        for annotation in sorted(annotations, key=lambda a: (a.start, a.id)):
            self._insert(annotation)
        if selected is not None:
            self.select(selected)
        self.setCurrentIndex(1 if self.cards else 0)

    def add_annotation(self, annotation: Annotation) -> None:
        """Show a new (or changed) annotation at once, in text order, and select it."""
        others = [a for a in self.annotations() if a.id != annotation.id]
        self.show_annotations([*others, annotation])
        self.select(annotation.id)

    def set_tag_colors(self, colors: dict[str, str]) -> None:
        """Tag name (case-folded) -> colour, as the tags dock last loaded them."""
        self.colors = colors
        for card in self.cards:
            card.set_colors(colors)

    def select(self, annotation_id: int) -> None:
        for card in self.cards:
            card.set_selected(card.annotation.id == annotation_id)
        card = self.card_for(annotation_id)
        if card is not None:
            self.scroll.ensureWidgetVisible(card)

    def _insert(self, annotation: Annotation) -> None:
        card = AnnotationCard(annotation, self.colors, self.list_widget,
                              page_of(self.page_starts, annotation.start))
        card.clicked.connect(lambda: self._clicked(card))
        card.edit_button.clicked.connect(lambda: self.edit_requested.emit(card.annotation))
        card.delete_button.clicked.connect(lambda: self.delete_requested.emit(card.annotation))
        card.also_button.clicked.connect(lambda: self.copy_requested.emit(card.annotation))
        card.set_also_in(self.reuse_counts.get(annotation.id, 0))
        self.list_layout.insertWidget(self.list_layout.count() - 1, card)
        self.cards.append(card)

    def _clicked(self, card: AnnotationCard) -> None:
        self.select(card.annotation.id)
        self.annotation_clicked.emit(card.annotation)
