"""Watching the archive's folders while the window is open: what changes is indexed
within seconds, and said in one quiet line of the status bar.

The core watcher (core/indexing/watching.py) runs in a thread of its own and only
reports; its reports come to the UI thread as queued signals. Each batch of changes is
applied by `Library.sync_paths` as a pool job (gui/workers.py), one at a time, and never
beside the window's indexing job (gui/indexing.py): while Re-index or Add folder runs,
changes wait and are applied after it, so Whoosh's one writer is never asked for twice
from this window. Changes that need a folder read in full (events were lost, a folder
came back) or that are too many for a quiet job go to the indexing job itself, with its
progress bar and Cancel.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QStatusBar

from archive_app.core.errors import Cancelled
from archive_app.core.indexing.model import IndexSummary
from archive_app.core.indexing.watching import Changes, FolderWatcher, WatchStatus
from archive_app.core.jobs import JobControl
from archive_app.core.library import Library
from archive_app.gui.indexing import IndexingController
from archive_app.gui.workers import run_in_pool

LARGE_BATCH = 1_000
"""More changed paths than this at once (a folder copied in) go to the indexing job,
which shows its progress and can be cancelled."""
MESSAGE_MS = 15_000
"""How long the line saying what a batch did stays in the status bar."""
NOT_WATCHING = "Not watching the folders"


def describe_batch(summary: IndexSummary) -> str:
    """What one batch did, as the status bar says it ("Indexed 2 new files, 1 removed");
    '' when it changed nothing (a file written again with the same signature)."""
    moves = sum(1 for _, new in summary.moved if "//" not in new)
    parts = []
    for count, one, many in ((summary.added - moves, "new file", "new files"),
                             (summary.updated, "changed", "changed"),
                             (moves, "moved", "moved"),
                             (summary.removed - moves, "removed", "removed"),
                             (len(summary.skipped), "skipped", "skipped")):
        if count > 0:
            parts.append(f"{count} {one if count == 1 else many}")
    return f"Indexed {', '.join(parts)}" if parts else ""


class FolderWatch(QObject):
    """The window's watcher: start, stop, and the batches it applies; `indexed` carries
    each batch's summary once it is committed and searchable."""

    changes_arrived = Signal(object)
    """From the watcher's thread: a Changes (queued to the UI thread)."""
    status_arrived = Signal(object)
    """From the watcher's thread: a WatchStatus."""
    indexed = Signal(object)
    """In the UI thread: the IndexSummary of a batch applied."""

    def __init__(self, library: Library, indexing: IndexingController, status_bar: QStatusBar,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.library, self.indexing, self.status_bar = library, indexing, status_bar
        self.label = QLabel(NOT_WATCHING, objectName="watch_label")
        status_bar.addPermanentWidget(self.label)
        self.watcher: FolderWatcher | None = None
        self._paths: set[str] = set()
        self._folders: set[str] = set()
        self._control: JobControl | None = None
        self.changes_arrived.connect(self._gather)
        self.status_arrived.connect(self._show_status)
        indexing.indexing_finished.connect(self._indexing_finished)
        self._show_label()

    # -- on and off ----------------------------------------------------------------------
    def start(self) -> None:
        """Watch the archive's folders (a thread of the core watcher's own)."""
        if self.watcher is not None:
            return
        if self.library.read_only:  # nothing found could be written
            self.label.setText("Not watching: the archive is read-only")
            self._show_label()
            return
        self.watcher = self.library.watcher(self.changes_arrived.emit, self.status_arrived.emit)
        self.watcher.start()
        run_in_pool(self.library.prepare_for_changes, on_result=lambda _none: None,
                    on_error=lambda _error: None)  # a first change then costs only itself
        self.label.setText("Watching the folders…")
        self._show_label()

    def stop(self) -> None:
        """Stop watching (File ▸ Watch folders unchecked, the window closing): the
        thread ends, a batch being applied is cancelled after its current file, and
        changes not applied yet are left for the next Re-index."""
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None
        if self._control is not None:
            self._control.cancel_event.set()
        self._paths.clear()
        self._folders.clear()
        self.label.setText(NOT_WATCHING)
        self.label.setToolTip("")
        self._show_label()

    def is_watching(self) -> bool:
        return self.watcher is not None

    def is_applying(self) -> bool:
        """Whether a batch of changes is being indexed now."""
        return self._control is not None

    def folders_changed(self) -> None:
        """A folder was added to or removed from the archive: watch what it has now."""
        if self.watcher is not None:
            self.watcher.set_folders(self.library.roots())
        self._show_label()

    # -- batches -----------------------------------------------------------------------
    def _gather(self, changes: Changes) -> None:
        if self.watcher is None:
            return  # a report sent just before the watcher stopped
        self._paths |= changes.paths
        self._folders |= changes.folders
        self._apply()

    def _apply(self) -> None:
        """Apply what was gathered, unless a batch or the indexing job is running (then
        it waits for them: one writer at a time)."""
        if self._control is not None or self.indexing.is_running():
            return
        if not (self._paths or self._folders):
            return
        if self._folders or len(self._paths) > LARGE_BATCH:
            folders = self._folders | self._folders_of(self._paths)
            if self.indexing.start([Path(folder) for folder in sorted(folders)]):
                self._paths, self._folders = set(), set()
            return
        paths, self._paths = self._paths, set()
        self._control = run_in_pool(self.library.sync_paths, paths, (),
                                    on_result=self._done, on_error=self._failed,
                                    on_progress=lambda *_report: None)

    def _folders_of(self, paths: set[str]) -> set[str]:
        roots = [str(root.path) for root in self.library.roots()]
        return {root for root in roots
                if any(path == root or path.startswith(root.rstrip("/") + "/")
                       for path in paths)}

    def _done(self, summary: IndexSummary) -> None:
        self._control = None
        message = describe_batch(summary)
        if message:
            self.status_bar.showMessage(message, MESSAGE_MS)
        self.indexed.emit(summary)
        self._apply()

    def _failed(self, error: Exception) -> None:
        self._control = None
        if not isinstance(error, Cancelled):
            self.status_bar.showMessage(f"Indexing a change failed: {error}", MESSAGE_MS)
        self._apply()

    def _indexing_finished(self, _message: str) -> None:
        """The window's indexing job ended: folders may have come or gone, and what was
        gathered meanwhile can be applied now (what that job read costs nothing again)."""
        self.folders_changed()
        self._apply()

    # -- the status line -----------------------------------------------------------------
    def _show_status(self, status: WatchStatus) -> None:
        if self.watcher is None:
            return
        self.label.setText(status.describe())
        self.label.setToolTip("\n".join(status.notes))
        self._show_label()

    def _show_label(self) -> None:
        """The line shows only once there are folders to watch."""
        self.label.setVisible(bool(self.library.roots()))
