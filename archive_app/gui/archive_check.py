"""Help ▸ Check archive, and the offer to rebuild a damaged index when the window opens.

The check is `Library.check` on the pool, the window's own open archive; the window only
shows what it found and starts the repairs it can do in place (re-index or rebuild as an
indexing job, re-anchoring in the window's write queue). A damaged index that cannot be
opened at all is rebuilt by core `health.rebuild_index` before there is a window.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QEventLoop, QObject, QSize, Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QVBoxLayout,
    QWidget,
)

from archive_app.core.indexing.health import (
    ANCHORS,
    DAMAGE,
    LIMITS,
    MISSING,
    NOT_INDEXED,
    SKIPPED,
    HealthReport,
    rebuild_index,
)
from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from archive_app.gui.indexing import IndexingController
from archive_app.gui.sizing import fix_minimum_size
from archive_app.gui.workers import WriteQueue, run_in_pool

WINDOW_ADVICE = {
    DAMAGE: "Repair rebuilds the index from your folders; annotations are kept",
    ANCHORS: "Repair finds them again in their documents",
    MISSING: "plug the drive in again; their documents are kept",
    NOT_INDEXED: "run Re-index to read them",
    LIMITS: "not read again until the file changes",
    SKIPPED: "not read again until the file changes",
}
"""What the user can do, in the window's words (the buttons, never a command line)."""
MAX_DETAIL_LINES = 2_000


@dataclass
class ProblemGroup:
    """One group of the report as the dialog shows it."""

    kind: str
    title: str
    lines: list[str] = field(default_factory=list)


def problem_groups(report: HealthReport) -> list[ProblemGroup]:
    """The report's non-empty groups (core `health` order: damage first, skipped files
    last), each titled with its count and what to do, one line per finding."""
    found = []
    for group in report.groups.values():
        if not group.items:
            continue
        advice = WINDOW_ADVICE.get(group.name, "")
        title = f"{group.title}: {group.count:,}" + (f" ({advice})" if advice else "")
        lines = [f"{item.path}: {item.problem} ({item.code})" if item.code else item.problem
                 for item in group.items]
        found.append(ProblemGroup(group.name, title, lines))
    return found


def headline(report: HealthReport) -> str:
    """One sentence: healthy, only behind (Re-index), or in need of a repair."""
    return report.headline()


def details_text(groups: list[ProblemGroup]) -> str:
    """Each group under its title, one item a line (no command lines: the buttons act)."""
    lines: list[str] = []
    for group in groups:
        lines += [group.title, *(f"  {line}" for line in group.lines[:MAX_DETAIL_LINES])]
        if len(group.lines) > MAX_DETAIL_LINES:
            lines.append(f"  … and {len(group.lines) - MAX_DETAIL_LINES:,} more")
        lines.append("")
    return "\n".join(lines).rstrip()


class CheckDialog(QDialog):
    """The report: a headline, the groups in a monospace, wrapped, scrollable box, and
    the buttons that fix what can be fixed (Re-index, Repair)."""

    reindex_requested = Signal()
    repair_requested = Signal()

    def __init__(self, report: HealthReport, backups: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("archive_check_dialog")
        self.setWindowTitle("Check archive")
        self.report = report
        self.groups = problem_groups(report)
        self.headline = QLabel(headline(report), wordWrap=True, objectName="section_heading")
        self.advice = QLabel(_advice(report, backups), wordWrap=True)
        self.details = QPlainTextEdit(objectName="check_details", readOnly=True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.details.setPlainText(details_text(self.groups) or "Nothing to report.")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.reindex_button = self.buttons.addButton("Re-index",
                                                     QDialogButtonBox.ButtonRole.AcceptRole)
        self.repair_button = self.buttons.addButton("Repair",
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        damaged = report.damaged or report.index_damaged
        self.reindex_button.setVisible(report.out_of_date and not damaged)
        self.repair_button.setVisible(damaged and not report.store_damaged)
        self.reindex_button.clicked.connect(self._reindex)
        self.repair_button.clicked.connect(self._repair)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.advice)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.buttons)
        self.details.setVisible(bool(self.groups))
        fix_minimum_size(self, QSize(480, 240))
        self.resize(760, 520 if self.groups else 200)

    def group_titles(self) -> list[str]:
        return [group.title for group in self.groups]

    def _reindex(self) -> None:
        self.accept()
        self.reindex_requested.emit()

    def _repair(self) -> None:
        self.accept()
        self.repair_requested.emit()


def _advice(report: HealthReport, backups: str) -> str:
    if report.healthy:
        return ""
    if report.store_damaged:
        return ("The annotation database is damaged and is left as it is; copies are in "
                f"{backups}.")
    if report.damaged or report.index_damaged:
        return ("Repair brings the index up to date with your folders (rebuilding it if it "
                "is damaged) and re-anchors annotations. Nothing of yours is deleted.")
    if report.out_of_date:
        return "Nothing is damaged. Re-index reads the new and changed files."
    return ""


class ArchiveChecker(QObject):
    """Runs `check` on a worker and offers the repairs the report calls for."""

    checked = Signal(object)  # HealthReport
    reanchored = Signal(int)

    def __init__(self, library: Library, indexing: IndexingController, writes: WriteQueue,
                 parent: QWidget):
        super().__init__(parent)
        self.library = library
        self.indexing = indexing
        self.writes = writes
        self.window = parent
        self.dialog: CheckDialog | None = None

    def check(self) -> None:
        self.window.statusBar().showMessage("Checking the archive…")
        run_in_pool(self.library.check, on_result=self._show, on_error=self._failed)

    def _failed(self, error: Exception) -> None:
        QMessageBox.warning(self.window, "Check archive", f"The check failed: {error}")

    def _show(self, report: HealthReport) -> None:
        self.window.statusBar().clearMessage()
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = CheckDialog(report, str(self.library.paths.backups_dir), self.window)
        self.dialog.reindex_requested.connect(lambda: self.repair(report))
        self.dialog.repair_requested.connect(lambda: self.repair(report))
        self.dialog.open()
        self.checked.emit(report)

    def repair(self, report: HealthReport) -> None:
        """Fix in place what the report found: rebuild, re-sync, re-anchor."""
        if report.index_damaged or report.out_of_date:
            self.indexing.start(None, rebuild=report.index_damaged)
        if report.anchors_to_fix:
            self.writes.run(self.library.reanchor_drifted, on_result=self.reanchored.emit,
                            on_error=self._failed)


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
