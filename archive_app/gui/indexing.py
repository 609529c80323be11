"""Indexing from the window: one job at a time, progress and Cancel in the status bar."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QStatusBar

from archive_app.core.errors import Cancelled
from archive_app.core.indexing.model import IndexingCancelled, IndexSummary
from archive_app.core.jobs import JobControl
from archive_app.core.library import Library
from archive_app.gui.progress import JobProgress


def describe(summary: IndexSummary, total: int) -> str:
    return (f"Indexed: {summary.added} added, {summary.updated} updated, "
            f"{summary.removed} removed, {len(summary.skipped)} skipped in "
            f"{summary.seconds:.1f} s — {total:,} documents in the archive")


def describe_cancel(summary: IndexSummary) -> str:
    """What a Cancel kept, exactly: everything read before it is committed."""
    left = (f"; {summary.not_read:,} not indexed yet — Re-index to continue"
            if summary.not_read else "")
    return (f"Cancelled: {summary.indexed:,} documents indexed and searchable"
            f"{left}.")


def progress_text(done: int, total: int, _message: str) -> str:
    return f"Indexing {done:,} / {total:,}" if total else "Scanning folders…"


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
        self.job = JobProgress(progress_text, "Stop indexing (work done is kept)", self)
        self.job.add_to_status_bar(status_bar)
        self.job.progressed.connect(lambda done, total, _: self.indexing_progressed.emit(
            done, total))

    def is_running(self) -> bool:
        return self.job.is_running()

    def start(self, folders: list[Path] | None = None, rebuild: bool = False) -> bool:
        """Index `folders` (all known ones when None); refuses while a job runs."""
        started = self.job.run(self._sync, folders, rebuild, busy_text="Indexing…",
                               on_result=self._finished, on_error=self._failed)
        if started:
            self.indexing_started.emit()
        return started

    def _sync(self, folders: list[Path] | None, rebuild: bool, control: JobControl):
        summary = self.library.sync(folders, rebuild=rebuild, control=control)
        return summary, self.library.doc_count()

    def cancel(self) -> None:
        self.job.cancel()

    def _finished(self, outcome: tuple[IndexSummary, int]) -> None:
        summary, total = outcome
        self._end(describe(summary, total))

    def _failed(self, error: Exception) -> None:
        if isinstance(error, IndexingCancelled):
            self._end(describe_cancel(error.summary))
        elif isinstance(error, Cancelled):
            self._end("Indexing cancelled before any file was read.")
        else:
            self._end(f"Indexing failed: {error}")

    def _end(self, message: str) -> None:
        self.status_bar.showMessage(message)
        self.indexing_finished.emit(message)
