"""How the open document connects to others: its exact copies (the same text in other
files), shown in the Source tab. Each item opens its document."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QSizePolicy, QVBoxLayout, QWidget

from archive_app.gui.document_links import DocumentLinks
from archive_app.gui.session import OpenedDocument


def copy_label(key: str, path: str) -> str:
    """A copy as its list shows it: the file's name, then its folder (or its key for a
    member, which lies inside a container)."""
    if "//" in key:
        return key
    where = Path(path)
    return f"{where.name} — {where.parent}"


class ConnectionsPanel(QWidget):
    """'Copies of this text (N)': the other documents with exactly its text."""

    open_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.copies_heading = QLabel(objectName="section_heading")
        self.copies = QListWidget(objectName="copies")
        self.copies.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.copies.setMinimumWidth(120)
        self.copies.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.copies.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.copies_heading)
        layout.addWidget(self.copies)
        for listing in (self.copies,):
            listing.itemActivated.connect(self._activated)
            listing.itemClicked.connect(self._activated)
        self.show_opened(None)

    def show_opened(self, opened: OpenedDocument | None) -> None:
        copies = opened.copies if opened else []
        self.copies_heading.setText(f"Copies of this text ({len(copies) + 1})")
        self.copies_heading.setToolTip("Other files with exactly this text: search shows "
                                       "them as one result, and annotations show on each")
        DocumentLinks.fill(self.copies, [(key, copy_label(key, path)) for key, path in copies])
        for widget in (self.copies_heading, self.copies):
            widget.setVisible(bool(copies))

    def _activated(self, item) -> None:
        key = item.data(Qt.ItemDataRole.UserRole)
        if key:
            self.open_requested.emit(key)
