"""Where the open document lies and what lies in it: its container or message, a
message's header and thread, its attachments or members, and an OCR note.

A zip's members, a mailbox's messages and a message's attachments are documents of
their own (core/ingest: members); this part of the Source tab is how a reader moves
between them: each list item opens its document, and "Open container" goes back up.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from archive_app.gui.session import OpenedDocument

HEADER_ROWS = (("from", "From"), ("to", "To"), ("cc", "Cc"), ("message_id", "Message-ID"))
KEY_ROLE = Qt.ItemDataRole.UserRole
VISIBLE_ROWS = 6
"""A list is as tall as its items, up to this many rows; then it scrolls."""
MAX_LISTED = 500
"""Items a list shows (a mailbox may hold 20,000 messages; search finds the rest)."""


def member_label(key: str, title: str) -> str:
    """A member as its list shows it: its name in the container, then its title."""
    part = key.rsplit("//", 1)[-1]
    return f"{part} — {title}" if title and title not in part else part


def _label(name: str) -> QLabel:
    label = QLabel(wordWrap=True, objectName=name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class DocumentLinks(QWidget):
    """The container, header, thread, members and OCR note of the open document."""

    open_requested = Signal(str)
    """The key of a document the user chose to open (a member, a message, the parent)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.parent_key = ""
        self.place = _label("place")
        self.open_parent_button = QPushButton("Open container", objectName="open_parent")
        self.ocr_note = _label("ocr_note")
        self.header = QWidget()
        self.header_values = {name: _label(f"header_{name}") for name, _ in HEADER_ROWS}
        self.members_heading = QLabel(objectName="section_heading")
        self.members = QListWidget(objectName="members")
        self.thread_heading = QLabel("Thread", objectName="section_heading")
        self.thread = QListWidget(objectName="thread")
        self._build_layout()
        self.open_parent_button.clicked.connect(
            lambda: self.parent_key and self.open_requested.emit(self.parent_key))
        for listing in (self.members, self.thread):
            listing.itemActivated.connect(self._activated)
            listing.itemClicked.connect(self._activated)
        self.show_opened(None)

    def _build_layout(self) -> None:
        form = QFormLayout(self.header)
        form.setContentsMargins(0, 0, 0, 0)
        for name, label in HEADER_ROWS:
            form.addRow(f"{label}:", self.header_values[name])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.place, self.open_parent_button, self.ocr_note, self.header,
                       self.members_heading, self.members, self.thread_heading, self.thread):
            layout.addWidget(widget)
        for listing in (self.members, self.thread):
            # as narrow as the panel is: long names are cut, not the reader beside it
            listing.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            listing.setMinimumWidth(120)
            listing.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            listing.setTextElideMode(Qt.TextElideMode.ElideMiddle)

    def show_opened(self, opened: OpenedDocument | None) -> None:
        view = opened.view if opened else None
        self.parent_key = view.parent if view else ""
        self.place.setVisible(bool(view and view.place))
        modified = view.details.get("member_modified", "") if view else ""
        self.place.setText(f"Inside {view.place}" + (f" (changed {modified[:10]})"
                                                     if modified else "")
                           if view and view.place else "")
        self.open_parent_button.setVisible(bool(self.parent_key))
        self.open_parent_button.setToolTip(opened.parent_title if opened else "")
        self._show_ocr(view.details if view else {})
        self._show_header(view.details if view else {})
        members = opened.members if opened else []
        noun = "Attachments" if view and view.format in ("eml", "msg") else "Contents"
        self.members_heading.setText(f"{noun} ({len(members)})")
        self.fill(self.members, [(key, member_label(key, title)) for key, title, _ in members])
        thread = [item for item in (opened.thread if opened else []) if item[0] != view.key]
        self.fill(self.thread, [(key, " — ".join(filter(None, (date[:10], sender, title))))
                                 for key, title, sender, date in thread])
        for widget, shown in ((self.members_heading, bool(members)),
                              (self.members, bool(members)),
                              (self.thread_heading, bool(thread)), (self.thread, bool(thread))):
            widget.setVisible(shown)

    def _show_ocr(self, details: dict[str, str]) -> None:
        if details.get("ocr") == "yes":
            text = (f"Text read by OCR ({details.get('ocr_lang') or 'language guessed'}), "
                    f"mean confidence {details.get('ocr_confidence', '?')} %: it may "
                    "hold misread words.")
        elif details.get("ocr") == "off":
            text = "Scanned pages were not read: OCR is off for this folder."
        else:
            text = details.get("ocr_problem", "")
            text = f"OCR could not read every page: {text}" if text else ""
        self.ocr_note.setText(text)
        self.ocr_note.setVisible(bool(text))

    def _show_header(self, details: dict[str, str]) -> None:
        shown = any(details.get(name) for name, _ in HEADER_ROWS)
        self.header.setVisible(shown)
        for name, _ in HEADER_ROWS:
            self.header_values[name].setText(details.get(name) or "—")

    @staticmethod
    def fill(listing: QListWidget, items: list[tuple[str, str]]) -> None:
        """(key, text) items, each opening its key; the list as tall as them, to a point."""
        listing.clear()
        for key, text in items[:MAX_LISTED]:
            item = QListWidgetItem(text)
            item.setData(KEY_ROLE, key)
            item.setToolTip(text)
            listing.addItem(item)
        if len(items) > MAX_LISTED:
            listing.addItem(QListWidgetItem(f"… and {len(items) - MAX_LISTED} more "
                                            "(search finds them)"))
        rows = min(listing.count(), VISIBLE_ROWS)
        row_height = listing.sizeHintForRow(0) if rows else 0
        listing.setFixedHeight(rows * row_height + 2 * listing.frameWidth() + 4)

    def _activated(self, item: QListWidgetItem) -> None:
        key = item.data(KEY_ROLE)
        if key:
            self.open_requested.emit(key)
