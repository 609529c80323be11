"""Indexing from the window: one job at a time, progress and Cancel in the status bar."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar

from archive_app.core.errors import Cancelled
from archive_app.core.index import IndexSummary
from archive_app.core.jobs import JobControl
from archive_app.core.library import Library
from archive_app.gui.workers import run_in_pool


def describe(summary: IndexSummary, total: int) -> str:
    return (f"Indexed: {summary.added} added, {summary.updated} updated, "
            f"{summary.removed} removed, {len(summary.skipped)} skipped in "
            f"{summary.seconds:.1f} s — {total:,} documents in the archive")


class IndexingController(QObject):
    """Runs Library.sync on the pool and shows it in the status bar; the UI stays usable."""

    indexing_started = Signal()
    indexing_progressed = Signal(int, int)
    indexing_finished = Signal(str)
    """Emitted with the status message whether the job succeeded, failed or was cancelled."""

    def __init__(self, library: Library, status_bar: QStatusBar, parent: QObject | None = None):
        super().__init__(parent)
        self.library = library
        self.status_bar = status_bar
        self.control: JobControl | None = None
        self.label = QLabel()
        self.progress = QProgressBar(maximumWidth=220, textVisible=True)
        self.cancel_button = QPushButton("Cancel", toolTip="Stop indexing (work done is kept)")
        self.cancel_button.clicked.connect(self.cancel)
        for widget in (self.label, self.progress, self.cancel_button):
            status_bar.addPermanentWidget(widget)
            widget.setVisible(False)

    def is_running(self) -> bool:
        return self.control is not None

    def start(self, folders: list[Path] | None = None, rebuild: bool = False) -> bool:
        """Index `folders` (all known ones when None); refuses while a job runs."""
        if self.is_running():
            return False
        self.progress.setRange(0, 0)
        self.label.setText("Indexing…")
        for widget in (self.label, self.progress, self.cancel_button):
            widget.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.control = run_in_pool(self._sync, folders, rebuild,
                                   on_result=self._finished, on_error=self._failed,
                                   on_progress=self._progressed)
        self.indexing_started.emit()
        return True

    def _sync(self, folders: list[Path] | None, rebuild: bool, control: JobControl):
        summary = self.library.sync(folders, rebuild=rebuild, control=control)
        return summary, self.library.doc_count()

    def cancel(self) -> None:
        if self.control is not None:
            self.control.cancel_event.set()
            self.cancel_button.setEnabled(False)
            self.label.setText("Cancelling…")

    def _progressed(self, done: int, total: int, message: str) -> None:
        if self.control is None:
            return
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.label.setText(f"Indexing {done:,} / {total:,}")
        else:
            self.label.setText("Scanning folders…")
        self.indexing_progressed.emit(done, total)

    def _finished(self, outcome: tuple[IndexSummary, int]) -> None:
        summary, total = outcome
        self._end(describe(summary, total))

    def _failed(self, error: Exception) -> None:
        if isinstance(error, Cancelled):
            self._end("Indexing cancelled; the documents indexed so far are searchable.")
        else:
            self._end(f"Indexing failed: {error}")

    def _end(self, message: str) -> None:
        self.control = None
        for widget in (self.label, self.progress, self.cancel_button):
            widget.setVisible(False)
        self.status_bar.showMessage(message)
        self.indexing_finished.emit(message)
