"""File ▸ Export…: choose excerpts and a format, preview them, write the file on the pool.

The dialog composes the "What" box (export_choice), the options box (export_options), a
live preview and the output file. Gathering, previewing and writing are plain functions
in export_job run through the pool; the write shows progress and can be cancelled, and
an existing file is replaced only after the user said Yes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QSize, QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from archive_app.core.errors import ArchiveError, Cancelled
from archive_app.core.export import ExportError, check_target
from archive_app.core.library import Library
from archive_app.gui.export_choice import ChoiceBox
from archive_app.gui.export_job import Selection, make_preview, write_export
from archive_app.gui.export_options import OptionsBox, format_label, format_suffix
from archive_app.gui.progress import JobProgress
from archive_app.gui.sizing import fix_minimum_size
from archive_app.gui.workers import Generation, run_in_pool

DIALOG_SIZE = QSize(1080, 660)
PREVIEW_DELAY_MS = 250
"""The preview waits this long after the last change before it is recomputed."""


def progress_text(done: int, total: int, message: str) -> str:
    return f"Writing excerpt {done:,} of {total:,}" if total else message


def error_text(error: Exception) -> str:
    """What the user reads when an export fails: the reason, never a traceback."""
    if isinstance(error, Cancelled):
        return "Export cancelled; nothing was written."
    if isinstance(error, ArchiveError):
        return f"Cannot export: {error}"
    if isinstance(error, OSError):
        return f"Cannot export: {error.strerror or error}"
    return f"The export failed: {error}"


LAST_EXPORT_FOLDER_KEY = "export/last_folder"


class ExportDialog(QDialog):
    """One per window; `start(selection)` shows it for what the window has checked."""

    preview_updated = Signal()
    export_finished = Signal(str)
    """The file was written (its path)."""
    export_failed = Signal(str)
    """The message shown in the dialog (failed, refused or cancelled)."""

    def __init__(self, library: Library, status_bar: QStatusBar,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export excerpts")
        self.setObjectName("export_dialog")
        self.library, self.status_bar = library, status_bar
        self.previews = Generation()
        self.tag_loads = Generation()
        self.loading_tags = False
        self.choices = ChoiceBox()
        settings = getattr(parent, "settings", None)
        self.settings = settings if isinstance(settings, QSettings) else None
        self.options_box = OptionsBox(settings=self.settings)
        self.preview = QPlainTextEdit(readOnly=True, objectName="export_preview")
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.preview_summary = QLabel(objectName="count_label", wordWrap=True)
        self.path_field = QLineEdit(objectName="export_path",
                                    placeholderText="Choose where to save the export")
        self.browse_button = QPushButton("Choose…")
        self.error_label = QLabel(objectName="error_label", wordWrap=True, visible=False)
        self.export_button = QPushButton("Export", default=True)
        self.close_button = QPushButton("Close")
        self.job = JobProgress(progress_text, "Stop the export (nothing is written)", self)
        self.timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._suffix = format_suffix(self.options_box.format_name())
        self._build_layout()
        self._connect()
        fix_minimum_size(self)
        self.resize(self.size().expandedTo(DIALOG_SIZE))

    # -- layout --------------------------------------------------------------------------
    def _build_layout(self) -> None:
        left = QVBoxLayout()
        left.addWidget(self.choices)
        left.addWidget(self.options_box)
        left.addStretch(1)
        preview_box = QGroupBox("Preview", objectName="export_section")
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.addWidget(self.preview, 1)
        preview_layout.addWidget(self.preview_summary)
        columns = QHBoxLayout()
        columns.addLayout(left, 0)
        columns.addWidget(preview_box, 1)
        output = QHBoxLayout()
        output.addWidget(QLabel("Save to:"))
        output.addWidget(self.path_field, 1)
        output.addWidget(self.browse_button)
        buttons = QHBoxLayout()
        for widget in self.job.widgets():
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addLayout(output)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)

    def _connect(self) -> None:
        self.choices.choice_changed.connect(self.schedule_preview)
        self.options_box.options_changed.connect(self.schedule_preview)
        self.options_box.format_combo.currentIndexChanged.connect(self._format_changed)
        self.timer.timeout.connect(self._update_preview)
        self.browse_button.clicked.connect(self.choose_file)
        self.export_button.clicked.connect(self.export)
        self.close_button.clicked.connect(self.reject)
        self.path_field.textEdited.connect(lambda _text: self.show_error(""))

    # -- opening -------------------------------------------------------------------------
    def start(self, selection: Selection) -> None:
        """Show the dialog for the window's current selection; tags load on the pool."""
        self.show_error("")
        self.choices.set_selection(selection)
        number = self.tag_loads.next()
        self.loading_tags = True
        run_in_pool(self.library.tags,
                    on_result=lambda tags: self._show_tags(number, [t.name for t in tags]),
                    on_error=lambda error: self._show_tags(number, [], error))
        self.schedule_preview()
        self.open()

    def _show_tags(self, number: int, names: list[str], error: Exception | None = None) -> None:
        if not self.tag_loads.is_current(number):
            return
        self.loading_tags = False
        self.choices.set_tags(names)
        if error is not None:
            self.show_error(f"Cannot read the tags: {error}")

    def hideEvent(self, event) -> None:  # noqa: N802 (Qt override)
        """Hidden: answers still on their way are dropped, no preview is pending."""
        self.timer.stop()
        self.previews.next()
        self.tag_loads.next()
        super().hideEvent(event)

    # -- preview -------------------------------------------------------------------------
    def schedule_preview(self) -> None:
        self.timer.start()

    def _update_preview(self) -> None:
        number = self.previews.next()
        choice = self.choices.choice()
        if choice is None:
            self._show_preview(number, "", "Nothing to export: check annotations or search "
                               "results in the window, or choose a tag.")
            return
        run_in_pool(make_preview, self.library, choice, self.options_box.options(),
                    on_result=lambda shown: self._show_preview(number, shown.text,
                                                               shown.summary),
                    on_error=lambda error: self._show_preview(number, "", error_text(error)))

    def _show_preview(self, number: int, text: str, summary: str) -> None:
        if not self.previews.is_current(number):
            return
        self.preview.setPlainText(text)
        self.preview_summary.setText(summary)
        self.preview_updated.emit()

    # -- the output file -----------------------------------------------------------------
    def _format_changed(self, *_args) -> None:
        """Keep the file name's suffix in step with the format the user picked."""
        suffix = format_suffix(self.options_box.format_name())
        text = self.path_field.text().strip()
        if text and Path(text).suffix == self._suffix:
            self.path_field.setText(str(Path(text).with_suffix(suffix)))
        self._suffix = suffix

    def choose_file(self) -> None:
        name = self.options_box.format_name()
        start = self.path_field.text().strip() or str(self._last_folder()
                                                     / f"excerpts{self._suffix}")
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export to", start, f"{format_label(name)} (*{self._suffix})",
            options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            if not Path(path).suffix:
                path += self._suffix
            self.path_field.setText(path)
            self.show_error("")

    def _target(self) -> tuple[Path, bool] | None:
        """The file to write and whether to overwrite it; None when the user declined."""
        text = self.path_field.text().strip()
        if not text:
            self.choose_file()
            text = self.path_field.text().strip()
            if not text:
                return None
        path = Path(text).expanduser()
        if path.exists() and not path.is_dir():
            answer = QMessageBox.question(
                self, "Replace the file?", f"“{path.name}” already exists in {path.parent}."
                "\n\nReplace it with this export?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                self._refuse("Not exported: the existing file was kept. Choose another name.")
                return None
            return path, True
        return path, False

    # -- exporting -----------------------------------------------------------------------
    def export(self) -> None:
        """Write the chosen excerpts; progress and Cancel show while the pool works."""
        self.show_error("")
        choice = self.choices.choice()
        if choice is None:
            self._refuse("Choose what to export first.")
            return
        target = self._target()
        if target is None:
            return
        path, overwrite = target
        try:
            check_target(path, overwrite)
        except ExportError as error:
            self._refuse(error_text(error))
            return
        self._set_busy(True)
        self.job.run(write_export, self.library, choice, self.options_box.options(), path,
                     overwrite, busy_text="Exporting…", on_result=self._written,
                     on_error=self._failed)

    def _last_folder(self) -> Path:
        """Where the last export went (kept with the window's settings), else home: a save
        dialog that always opens in the home folder makes the user walk back each time."""
        folder = self.settings.value(LAST_EXPORT_FOLDER_KEY, "") if self.settings else ""
        return Path(folder) if folder and Path(folder).is_dir() else Path.home()

    def _written(self, outcome: tuple[int, Path]) -> None:
        count, path = outcome
        if self.settings is not None:
            self.settings.setValue(LAST_EXPORT_FOLDER_KEY, str(Path(path).parent))
        self._set_busy(False)
        self.status_bar.showMessage(f"Wrote {count} excerpts to {path}")
        self.export_finished.emit(str(path))
        self.accept()

    def _failed(self, error: Exception) -> None:
        self._set_busy(False)
        self._refuse(error_text(error))

    def _refuse(self, message: str) -> None:
        self.show_error(message)
        self.export_failed.emit(message)

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.choices, self.options_box, self.path_field, self.browse_button,
                       self.export_button, self.close_button):
            widget.setEnabled(not busy)

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    def reject(self) -> None:
        """Escape or Close: while an export runs, cancel it rather than hide it."""
        if self.job.is_running():
            self.job.cancel()
            return
        super().reject()
