"""Help ▸ Check archive, and the offer to rebuild a damaged index when the window opens.

Both run core `health` functions on the pool; the window only shows what they found and
starts the repairs it can do in place (re-index, rebuild, re-anchor).
"""

from __future__ import annotations

from PySide6.QtCore import QEventLoop, QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from archive_app.core.health import HealthReport, inspect, reanchor_all, rebuild_index
from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from archive_app.gui.indexing import IndexingController
from archive_app.gui.workers import run_in_pool


class ArchiveChecker(QObject):
    """Runs `check` on a worker and offers the repairs the report calls for."""

    checked = Signal(object)  # HealthReport
    reanchored = Signal(int)

    def __init__(self, library: Library, indexing: IndexingController, parent: QWidget):
        super().__init__(parent)
        self.library = library
        self.indexing = indexing
        self.window = parent

    def check(self) -> None:
        self.window.statusBar().showMessage("Checking the archive…")
        run_in_pool(inspect, self.library.paths, on_result=self._show, on_error=self._failed)

    def _failed(self, error: Exception) -> None:
        QMessageBox.warning(self.window, "Check archive", f"The check failed: {error}")

    def _show(self, report: HealthReport) -> None:
        self.window.statusBar().clearMessage()
        self.checked.emit(report)
        box = QMessageBox(self.window)
        box.setWindowTitle("Check archive")
        box.setText(headline(report))
        box.setDetailedText(report.describe())
        repairable = report.index_damaged or report.out_of_date or report.anchors_to_fix
        repair = None
        if repairable and not report.store_damaged:
            box.setInformativeText("Repair brings the index up to date with your folders "
                                   "(rebuilding it if it is damaged) and re-anchors "
                                   "annotations. Nothing of yours is deleted.")
            repair = box.addButton("Repair", QMessageBox.ButtonRole.AcceptRole)
        elif report.store_damaged:
            box.setInformativeText("The annotation database is damaged and is left as it "
                                   f"is; copies are in {self.library.paths.backups_dir}.")
        box.addButton(QMessageBox.StandardButton.Close)
        box.exec()
        if repair is not None and box.clickedButton() is repair:
            self.repair(report)

    def repair(self, report: HealthReport) -> None:
        """Fix in place what the report found: rebuild, re-sync, re-anchor."""
        if report.index_damaged or report.out_of_date:
            self.indexing.start(None, rebuild=report.index_damaged)
        if report.anchors_to_fix:
            run_in_pool(reanchor_all, self.library.paths, on_result=self.reanchored.emit,
                        on_error=self._failed)


def headline(report: HealthReport) -> str:
    """One sentence for the window (the CLI's report, with its commands, is the detail)."""
    if report.healthy:
        return f"The archive is healthy: {report.documents} documents in the index."
    count = len(report.problems)
    return f"{count} problem{'s' if count != 1 else ''} found in the archive."


def offer_rebuild(paths: AppPaths, problem: Exception, parent: QWidget | None = None) -> bool:
    """The index could not be opened: ask, then rebuild it from the corpus with progress."""
    answer = QMessageBox.question(
        parent, "Archive App",
        f"The search index cannot be used:\n\n{problem}\n\nRebuild it from your corpus "
        "folders now? Your annotations and notes are not affected.")
    if answer != QMessageBox.StandardButton.Yes:
        return False
    dialog = QProgressDialog("Rebuilding the search index…", "", 0, 0, parent)
    dialog.setCancelButton(None)
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.show()
    loop = QEventLoop()
    outcome: dict[str, object] = {}

    def done(value) -> None:
        outcome["value"] = value
        loop.quit()

    def progress(done_count: int, total: int, message: str) -> None:
        dialog.setMaximum(total)
        dialog.setValue(done_count)

    run_in_pool(lambda control: rebuild_index(paths, control) or True, on_result=done,
                on_error=done, on_progress=progress)
    loop.exec()
    dialog.close()
    if isinstance(outcome.get("value"), Exception):
        QMessageBox.critical(parent, "Archive App", f"The rebuild failed: {outcome['value']}")
        return False
    return True
