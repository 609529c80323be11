"""How the open document connects to others, in the Source tab: its exact copies (the
same text in other files), the documents most like it, and its passages that other
documents hold too. An item naming a document opens it; a passage's own row takes the
reader to the passage."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QSizePolicy, QVBoxLayout, QWidget

from archive_app.gui.document_links import DocumentLinks
from archive_app.gui.session import DocumentConnections, OpenedDocument


def copy_label(key: str, path: str) -> str:
    """A copy as its list shows it: the file's name, then its folder (or its key for a
    member, which lies inside a container)."""
    if "//" in key:
        return key
    where = Path(path)
    return f"{where.name} — {where.parent}"


def _short(text: str, most: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= most else flat[:most - 1] + "…"


def _listing(name: str) -> QListWidget:
    listing = QListWidget(objectName=name)
    listing.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    listing.setMinimumWidth(120)
    listing.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    listing.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    return listing


class ConnectionsPanel(QWidget):
    """'Copies of this text (N)', 'Similar documents (N)', 'Passages found elsewhere
    (N)'."""

    open_requested = Signal(str)
    passage_requested = Signal(int, int)
    """Python offsets of a passage of the open document the user chose."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.copies_heading = QLabel(objectName="section_heading")
        self.copies = _listing("copies")
        self.similar_heading = QLabel(objectName="section_heading")
        self.similar = _listing("similar")
        self.reused_heading = QLabel(objectName="section_heading")
        self.reused = _listing("reused")
        self.reused.setTextElideMode(Qt.TextElideMode.ElideRight)  # the count leads
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.copies_heading, self.copies, self.similar_heading, self.similar,
                       self.reused_heading, self.reused):
            layout.addWidget(widget)
        for listing in (self.copies, self.similar, self.reused):
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
        self.show_connections(None, "")

    def show_connections(self, found: DocumentConnections | None, text: str) -> None:
        """The similar documents and reused passages, once fetched (none: hidden)."""
        titles = found.titles if found else {}
        similar = found.similar if found else []
        self.similar_heading.setText(f"Similar documents ({len(similar)})")
        self.similar_heading.setToolTip("Documents sharing most of their wording with this "
                                        "one (estimated share of four-word runs in common)")
        DocumentLinks.fill(self.similar, [
            (docs[0], f"{value:.0%}  {titles.get(docs[0]) or docs[0]}"
                      + (f" (+{len(docs) - 1} copies)" if len(docs) > 1 else ""))
            for docs, value in similar])
        for widget in (self.similar_heading, self.similar):
            widget.setVisible(bool(similar))
        self._show_reused(found.reused if found else [], titles, text)

    def _show_reused(self, passages: list, titles: dict[str, str], text: str) -> None:
        """A row per passage ("In 3 other documents: “words…”", which goes to it), then
        a row per document holding it (which opens it)."""
        self.reused_heading.setText(f"Passages found elsewhere ({len(passages)})")
        self.reused_heading.setToolTip("Passages of this document that other documents "
                                       "hold too, edited or not (marked violet in the text)")
        items: list[tuple[str, str]] = []
        self.passage_rows: dict[int, tuple[int, int]] = {}
        for passage in passages:
            others = passage.documents
            self.passage_rows[len(items)] = (passage.start, passage.end)
            items.append(("", f"In {others} other document{'' if others == 1 else 's'}: "
                              f"“{_short(text[passage.start:passage.end])}”"))
            items += [(place.doc, f"    → {titles.get(place.doc) or place.doc}")
                      for place in passage.places]
        DocumentLinks.fill(self.reused, items)
        for widget in (self.reused_heading, self.reused):
            widget.setVisible(bool(passages))

    def _activated(self, item) -> None:
        key = item.data(Qt.ItemDataRole.UserRole)
        if key:
            self.open_requested.emit(key)
        elif item.listWidget() is self.reused:
            span = self.passage_rows.get(self.reused.row(item))
            if span is not None:
                self.passage_requested.emit(*span)
