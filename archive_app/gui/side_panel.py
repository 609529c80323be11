"""The right-hand tabs: the open document's Source (metadata, citation) and its Annotations."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from archive_app.core.entities.patterns import LABELS
from archive_app.core.indexing.model import DocumentView
from archive_app.gui.annotations_panel import AnnotationsTab
from archive_app.gui.connections_panel import ConnectionsPanel
from archive_app.gui.document_links import DocumentLinks

ENTITY_LABELS = {"entity": "Watch-lists", **LABELS}
ROWS = (("title", "Title"), ("author", "Author"), ("source", "Source"), ("date", "Date"),
        ("url", "URL"), ("path", "File"), ("format", "Format"), ("lang", "Language"))


def _value_label() -> QLabel:
    label = QLabel(wordWrap=True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class SourceTab(QWidget):
    """Metadata of the open document, its citation, and the buttons that act on them."""

    edit_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.view: DocumentView | None = None
        self.values = {name: _value_label() for name, _ in ROWS}
        self.citation = _value_label()
        self.citation.setObjectName("citation")
        self.copy_button = QPushButton("Copy citation")
        self.open_url_button = QPushButton("Open URL…")
        self.show_folder_button = QPushButton("Show in folder")
        self.edit_button = QPushButton("Edit…", toolTip="Correct or fill in the metadata")
        self.empty = QLabel("Open a document to see where it comes from.", wordWrap=True,
                            objectName="empty_state")
        self.links = DocumentLinks()
        self.entities_heading = QLabel("Named in this document", objectName="section_heading")
        self.entities = _value_label()
        self.entities.setObjectName("document_entities")
        self.connections = ConnectionsPanel()
        self._build_layout()
        self.copy_button.clicked.connect(self.copy_citation)
        self.open_url_button.clicked.connect(self.open_url)
        self.show_folder_button.clicked.connect(self.show_in_folder)
        self.edit_button.clicked.connect(self.edit_requested)
        self.show_document(None)

    def _build_layout(self) -> None:
        self.details = QWidget()
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name, label in ROWS:
            form.addRow(f"{label}:", self.values[name])
        links = QHBoxLayout()
        links.addWidget(self.open_url_button)
        links.addWidget(self.show_folder_button)
        links.addStretch(1)
        heading = QLabel("Citation", objectName="section_heading")
        cite_row = QHBoxLayout()
        cite_row.addWidget(self.copy_button)
        cite_row.addStretch(1)
        cite_row.addWidget(self.edit_button)
        layout = QVBoxLayout(self.details)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.links)
        layout.addLayout(links)
        layout.addSpacing(8)
        layout.addWidget(heading)
        layout.addWidget(self.citation)
        layout.addLayout(cite_row)
        layout.addSpacing(8)
        layout.addWidget(self.entities_heading)
        layout.addWidget(self.entities)
        layout.addWidget(self.connections)
        content = QWidget(objectName="source_content")
        inner = QVBoxLayout(content)
        inner.addWidget(self.empty)
        inner.addWidget(self.details)
        inner.addStretch(1)
        # a message's header, attachments and thread can be taller than the panel: it
        # scrolls rather than squeezing its rows
        scroll = QScrollArea(objectName="source_scroll", widgetResizable=True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def show_document(self, view: DocumentView | None, citation: str = "") -> None:
        self.view = view
        self.empty.setVisible(view is None)
        self.details.setVisible(view is not None)
        for name, _ in ROWS:
            value = getattr(view, name) if view else ""
            self.values[name].setText(value or "—")
        self.citation.setText(citation)
        self.open_url_button.setEnabled(bool(view and view.url))
        if view is None:
            self.links.show_opened(None)
            self.connections.show_opened(None)
            self.show_entities({})

    def show_entities(self, found: dict[str, list[str]]) -> None:
        """The watch-list entities and pattern entities (e-mail, phone, links, IBANs,
        dates) the open document names, a line per kind (plain text: nothing in a
        document can make a link or markup here)."""
        lines = [f"{ENTITY_LABELS.get(kind, kind)}: {', '.join(values)}"
                 for kind, values in found.items() if values]
        self.entities.setText("\n".join(lines))
        self.entities_heading.setVisible(bool(lines))
        self.entities.setVisible(bool(lines))

    def copy_citation(self) -> None:
        QGuiApplication.clipboard().setText(self.citation.text())

    def open_url(self) -> None:
        """Links leave the offline app only after the user says so."""
        if not self.view or not self.view.url:
            return
        answer = QMessageBox.question(
            self, "Open link", f"Open this address in your web browser?\n\n{self.view.url}")
        if answer == QMessageBox.StandardButton.Yes:
            QDesktopServices.openUrl(QUrl(self.view.url))

    def show_in_folder(self) -> None:
        if self.view:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(self.view.path).parent)))


class SidePanel(QTabWidget):
    """Tabs 'Source' and 'Annotations' of the document in the reader."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("side_panel")
        self.source_tab = SourceTab()
        self.annotations_tab = AnnotationsTab()
        self.addTab(self.source_tab, "Source")
        self.addTab(self.annotations_tab, "Annotations")

    def show_annotations_tab(self) -> None:
        self.setCurrentWidget(self.annotations_tab)
