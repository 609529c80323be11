"""File ▸ Folders…: the archive's folders, what each holds, why files were skipped, Remove.

The lists come from `Library.folders` (the catalog, no file is opened) on the pool, and
removal is `Library.remove_folder` in the window's write queue (it orphans annotations).
Removing never deletes the user's annotations: they stay, marked "Not found", and return
if the folder is added again.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from archive_app.core.errors import ArchiveError
from archive_app.core.indexing.folders import FolderSummary, RemovedFolder
from archive_app.core.library import Library
from archive_app.gui.sizing import fix_minimum_size
from archive_app.gui.workers import Generation, WriteQueue, run_in_pool

COLUMNS = ("Folder", "Documents", "Skipped", "OCR")
OCR_CHOICES = ("auto", "off", "eng", "fas", "ara", "eng+fas", "eng+ara", "fas+ara")
"""What the OCR… button offers: auto (the language from the script on the page), off,
or Tesseract's languages; `archive-app folders ocr` takes any installed ones."""
FOLDER_ROLE = Qt.ItemDataRole.UserRole + 1
EXPANDED_SKIPS = 10
"""A folder with at most this many skipped files shows them at once; more wait for a click."""
INTRO = ("The folders in this archive. Archive App only reads them. Removing a folder takes "
         "its documents out of search; your annotations on them are kept (listed as "
         "“Not found”) and come back if you add the folder again.")


class FoldersDialog(QDialog):
    """Lists the folders with their counts and skipped files; removes the selected one."""

    loaded = Signal(int)
    """The list was read again: this many folders."""
    folder_removed = Signal(object)
    """A RemovedFolder: what left the index and how many annotations were kept."""
    add_requested = Signal()
    reindex_requested = Signal()
    """A folder's OCR setting changed: its scans must be read again."""

    def __init__(self, library: Library, writes: WriteQueue, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("folders_dialog")
        self.setWindowTitle("Folders")
        self.library = library
        self.writes = writes
        self.loads = Generation()
        self._busy = False
        self.summaries: list[FolderSummary] = []
        self.tree = QTreeWidget(objectName="folders_tree")
        self.status = QLabel(objectName="count_label", wordWrap=True)
        self.add_button = QPushButton("Add folder…")
        self.remove_button = QPushButton("Remove folder…", toolTip="Take the selected folder "
                                         "out of the archive (its files are not touched)")
        self.ocr_button = QPushButton("OCR…", toolTip="How the selected folder's scans and "
                                      "images are read: language, or off")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self._build_tree()
        self._build_layout()
        self.tree.currentItemChanged.connect(lambda *_args: self._update_buttons())
        self.add_button.clicked.connect(self.add_requested)
        self.remove_button.clicked.connect(self.remove_selected)
        self.ocr_button.clicked.connect(self.choose_ocr)
        self.buttons.rejected.connect(self.reject)
        fix_minimum_size(self, QSize(520, 320))
        self.resize(760, 460)
        self._update_buttons()

    def _build_tree(self) -> None:
        tree = self.tree
        tree.setColumnCount(len(COLUMNS))
        tree.setHeaderLabels(list(COLUMNS))
        tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        tree.setUniformRowHeights(True)
        header = tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)

    def _build_layout(self) -> None:
        intro = QLabel(INTRO, wordWrap=True)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addWidget(self.ocr_button)
        row.addStretch(1)
        row.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.status)
        layout.addLayout(row)

    # -- loading -------------------------------------------------------------------------
    def reload(self) -> None:
        number = self.loads.next()
        run_in_pool(self.library.folders,
                    on_result=lambda summaries: self._loaded(number, summaries),
                    on_error=lambda error: self.status.setText(f"Cannot read the folders: "
                                                               f"{error}"))

    def _loaded(self, number: int, summaries: list[FolderSummary]) -> None:
        if not self.loads.is_current(number):
            return
        chosen = self.selected_folder()
        self.summaries = summaries
        self.tree.clear()
        for summary in summaries:
            item = folder_item(summary)
            self.tree.addTopLevelItem(item)
            for child in range(item.childCount()):
                item.child(child).setFirstColumnSpanned(True)
            item.setExpanded(0 < len(summary.skipped) <= EXPANDED_SKIPS)
            if chosen is not None and summary.path == chosen.path:
                self.tree.setCurrentItem(item)
        total = sum(summary.documents for summary in summaries)
        self.status.setText(f"{len(summaries)} folders · {total:,} documents"
                            if summaries else "No folders yet: add one.")
        self._update_buttons()
        self.loaded.emit(len(summaries))

    # -- removing ------------------------------------------------------------------------
    def selected_folder(self) -> FolderSummary | None:
        item = self.tree.currentItem()
        return item.data(0, FOLDER_ROLE) if item is not None else None

    def set_busy(self, busy: bool) -> None:
        """While the archive is being indexed or a folder removed, Remove waits."""
        self._busy = busy
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.selected_folder() is not None and not self._busy)
        self.ocr_button.setEnabled(self.selected_folder() is not None and not self._busy)
        self.add_button.setEnabled(not self._busy)

    def remove_selected(self) -> None:
        summary = self.selected_folder()
        if summary is None or not self._confirm(summary):
            return
        self.set_busy(True)
        self.status.setText(f"Removing {summary.path}…")
        self.writes.run(self.library.remove_folder, summary.path,
                        on_result=self._removed, on_error=self._failed)

    def choose_ocr(self) -> None:
        summary = self.selected_folder()
        if summary is None:
            return
        current = summary.ocr or "auto"
        choices = list(OCR_CHOICES) if current in OCR_CHOICES else [current, *OCR_CHOICES]
        setting, chosen = QInputDialog.getItem(
            self, "OCR", f"How should scans and images in {summary.path} be read?\n"
            "auto: the language from the script on each page", choices,
            choices.index(current), False)
        if chosen:
            self.set_ocr(summary, setting)

    def set_ocr(self, summary: FolderSummary, setting: str) -> None:
        """Store the setting; the files it concerns are read again by a re-index."""
        try:
            _, marked = self.library.set_folder_ocr(summary.path, setting)
        except ArchiveError as error:
            self.status.setText(f"The OCR setting was not changed: {error}")
            return
        self.status.setText(f"OCR for {summary.path}: {setting}; {marked} files are "
                            "read again.")
        self.reload()
        if marked:
            self.reindex_requested.emit()

    def _confirm(self, summary: FolderSummary) -> bool:
        answer = QMessageBox.question(
            self, "Remove folder",
            f"Remove {summary.path} from the archive?\n\nIts {summary.documents} documents "
            "leave search. Your annotations on them are kept, listed as “Not found”, and "
            "come back if you add the folder again. The folder and its files are not "
            "touched.", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _removed(self, removed: RemovedFolder) -> None:
        self.set_busy(False)
        self.folder_removed.emit(removed)
        self.reload()

    def _failed(self, error: Exception) -> None:
        self.set_busy(False)
        self.status.setText(f"The folder was not removed: {error}")


def folder_item(summary: FolderSummary) -> QTreeWidgetItem:
    """A folder's row, with one child row per skipped file saying why it was skipped."""
    missing = "  (missing: unplugged drive?)" if summary.missing else ""
    item = QTreeWidgetItem([f"{summary.path}{missing}", f"{summary.documents:,}",
                            f"{len(summary.skipped):,}", summary.ocr or "auto"])
    item.setData(0, FOLDER_ROLE, summary)
    item.setToolTip(0, f"{summary.path}\nDocuments are named {summary.name}/…")
    for column in (1, 2):
        item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight)
    for skipped in summary.skipped:
        relative = _relative(skipped.path, summary.path)
        child = QTreeWidgetItem([f"{relative} — skipped: {skipped.reason} ({skipped.code})"])
        child.setToolTip(0, skipped.path)
        child.setFlags(Qt.ItemFlag.ItemIsEnabled)
        item.addChild(child)
    return item


def _relative(path: str, folder: Path) -> str:
    try:
        return Path(path).relative_to(folder).as_posix()
    except ValueError:
        return path
