"""Edit… metadata: the dialog, then Library.edit_metadata (and the sidecar) on a worker.

A metadata edit is the user's work like a tag: it goes on the Library's one undo history
and runs in the window's one write queue (`WriteQueue`), one change at a time, so an
Undo pressed right after Save undoes the edit, never something before it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from archive_app.core.indexing.model import DocumentView
from archive_app.core.library import Library
from archive_app.gui.metadata_dialog import MetadataDialog
from archive_app.gui.workers import WriteQueue


def save_metadata(library: Library, key: str, fields: dict[str, str], sidecar: bool) -> str:
    """Store the user's edits (precious, in HOME) and optionally write NAME.meta.json."""
    library.edit_metadata(key, fields)
    if sidecar:
        library.save_sidecar(key)
    return key


class MetadataEditor(QObject):
    """Opens the dialog for the document in the reader and saves what the user accepts."""

    metadata_saved = Signal(str)

    def __init__(self, library: Library, writes: WriteQueue, window: QWidget):
        super().__init__(window)
        self.library = library
        self.writes = writes
        self.window = window
        self.view: DocumentView | None = None
        self.dialog: MetadataDialog | None = None

    def edit(self) -> None:
        if self.view is None:
            self.window.statusBar().showMessage("Open a document first, then choose Edit….")
            return
        self.dialog = MetadataDialog(self.view, self.window)
        self.dialog.accepted.connect(self._accepted)
        self.dialog.open()

    def _accepted(self) -> None:
        dialog, view = self.dialog, self.view
        if dialog is None or view is None:
            return
        self.writes.run(save_metadata, self.library, view.key, dialog.values(),
                        dialog.wants_sidecar(),
                        on_result=self.metadata_saved.emit, on_error=self._failed)
        dialog.deleteLater()
        self.dialog = None

    def _failed(self, error: Exception) -> None:
        QMessageBox.warning(self.window, "Metadata not saved",
                            f"Your changes could not be saved: {error}")
