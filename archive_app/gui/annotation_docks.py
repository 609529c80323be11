"""The annotation side of the window: Tags dock, Annotations view dock, panel and reader marks.

`AnnotationDocks` builds the two docks and the controller, and keeps the reader's marks,
the side panel's cards, the tag tree and the archive-wide view in step after each
change. It asks the window (by signal) for what the window owns: searching.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow

from archive_app.core.annotations.records import Annotation, TagInfo
from archive_app.core.library import Library
from archive_app.gui.annotating import AnnotationController, AnnotationState
from archive_app.gui.annotations_view import AnnotationsView
from archive_app.gui.reader import Reader
from archive_app.gui.side_panel import SidePanel
from archive_app.gui.tags_dock import TagsPanel
from archive_app.gui.workers import WriteQueue

DOCK_FEATURES = (QDockWidget.DockWidgetFeature.DockWidgetMovable
                 | QDockWidget.DockWidgetFeature.DockWidgetClosable
                 | QDockWidget.DockWidgetFeature.DockWidgetFloatable)


class AnnotationDocks(QObject):
    """Owns the tag and annotation widgets outside the reader and side panel."""

    tag_search_requested = Signal(str)
    """The user clicked a tag: search for it (the tag's name)."""
    annotations_changed = Signal()
    """A change was stored and shown; the window re-runs its search for the tag facet."""
    annotations_shown = Signal()
    """An AnnotationState has been applied to every widget."""

    def __init__(self, library: Library, window: QMainWindow, reader: Reader,
                 side_panel: SidePanel, writes: WriteQueue):
        super().__init__(window)
        self.library, self.window, self.reader = library, window, reader
        self.panel = side_panel.annotations_tab
        self.side_panel = side_panel
        self.tags_panel = TagsPanel()
        self.view = AnnotationsView(library)
        self.controller = AnnotationController(library, reader, window, self.tags_panel.names,
                                               writes)
        self.tags_dock = self._dock("Tags", "tags_dock", self.tags_panel)
        self.view_dock = self._dock("Annotations", "annotations_dock", self.view)
        self.undo_action = QAction("Undo", self, enabled=False)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = QAction("Redo", self, enabled=False)
        self.redo_action.setShortcut(QKeySequence("Ctrl+Shift+Z"))
        self.view_action = QAction("&Annotations", self)
        self.view_action.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self._connect()
        self.show_history()

    def _dock(self, title: str, name: str, widget) -> QDockWidget:
        dock = QDockWidget(title, self.window, objectName=name)
        dock.setWidget(widget)
        dock.setFeatures(DOCK_FEATURES)
        return dock

    def place(self, beside: QDockWidget) -> None:
        """Tags tabbed with `beside` (the facets); the view below everything, hidden."""
        self.window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.tags_dock)
        self.window.tabifyDockWidget(beside, self.tags_dock)
        beside.raise_()
        self.window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.view_dock)
        self.view_dock.hide()

    def _connect(self) -> None:
        controller, tags = self.controller, self.tags_panel
        self.reader.tag_requested.connect(controller.tag_selection)
        self.reader.document_tag_requested.connect(controller.tag_document)
        self.panel.annotation_clicked.connect(self.go_to)
        self.panel.edit_requested.connect(controller.edit)
        self.panel.delete_requested.connect(controller.delete)
        self.panel.copy_requested.connect(controller.copy_to_reuses)
        controller.annotation_added.connect(self._added)
        controller.state_changed.connect(self.apply)
        controller.change_failed.connect(self.window.statusBar().showMessage)
        tags.tag_chosen.connect(self.tag_search_requested)
        tags.rename_requested.connect(controller.rename_tag)
        tags.merge_requested.connect(controller.merge_tags)
        tags.color_requested.connect(controller.set_tag_color)
        tags.delete_requested.connect(controller.delete_tag)
        self.undo_action.triggered.connect(controller.undo)
        self.redo_action.triggered.connect(controller.redo)
        controller.history_changed.connect(self.show_history)
        self.view_action.triggered.connect(self.show_view)
        self.view_dock.visibilityChanged.connect(self._view_visibility)

    # -- showing -------------------------------------------------------------------------
    def show_document(self, annotations: list[Annotation]) -> None:
        """A document (or none) is now in the reader; these are its annotations."""
        self.panel.show_annotations(annotations)

    def show_view(self) -> None:
        self.view_dock.show()
        self.view_dock.raise_()
        self.view.text_field.setFocus()

    def _view_visibility(self, visible: bool) -> None:
        if visible:
            self.view.reload()

    def go_to(self, annotation: Annotation) -> None:
        """Select the passage in the reader (which shows its document) and its card."""
        self.side_panel.show_annotations_tab()
        self.panel.select(annotation.id)
        if not self.reader.show_annotation(annotation):
            self.window.statusBar().showMessage(
                "This passage is not in the document's current text; the annotation and "
                "its note are kept.")

    def _added(self, annotation: Annotation) -> None:
        if annotation.doc == self.controller.current_key():
            self.reader.add_annotation(annotation)
            self.panel.add_annotation(annotation)
            self.side_panel.show_annotations_tab()

    def apply(self, state: AnnotationState) -> None:
        if state.key is not None and state.key == self.controller.current_key():
            self.reader.set_annotations(state.annotations)
            self.panel.show_annotations(state.annotations)
        self._show_tags(state.tags)
        self.show_history()
        if state.message:
            self.window.statusBar().showMessage(state.message, 6000)
        if self.view_dock.isVisible():
            self.view.reload()
        self.annotations_shown.emit()
        if state.message:
            self.annotations_changed.emit()

    def show_history(self) -> None:
        """Edit ▸ Undo and Redo name what they would do: "Undo merge 'a' into 'b'"."""
        for action, verb, description in (
                (self.undo_action, "Undo", self.library.can_undo()),
                (self.redo_action, "Redo", self.library.can_redo())):
            action.setEnabled(description is not None)
            action.setText(verb if description is None
                           else f"{verb} {description}".replace("&", "&&"))
            action.setToolTip(action.text().replace("&&", "&"))

    def _show_tags(self, tags: list[TagInfo]) -> None:
        self.tags_panel.show_tags(tags)
        self.panel.set_tag_colors(self.tags_panel.colors())
        self.view.set_tags(self.tags_panel.names())
