"""QApplication set-up (style, palette that follows the system), settings, and `run_gui`."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSettings, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from archive_app.core.errors import ArchiveError, IndexProblem
from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from archive_app.gui.archive_check import offer_rebuild
from archive_app.gui.main_window import MainWindow

ORGANIZATION, APPLICATION = "ArchiveApp", "archive-app"
STYLE_SHEET = Path(__file__).resolve().parents[2] / "resources" / "style.qss"
SCREENSHOT_SIZE = (1400, 900)
SCREENSHOT_TIMEOUT_MS = 60_000


def open_settings(paths: AppPaths) -> QSettings:
    """Window state lives in the archive home, so each home (and each test) has its own."""
    return QSettings(str(paths.home / "gui.ini"), QSettings.Format.IniFormat)


def apply_style(app: QApplication) -> None:
    """Fusion with the platform palette (light or dark) and our modest style sheet."""
    app.setStyle("Fusion")
    try:
        app.setStyleSheet(STYLE_SHEET.read_text(encoding="utf-8"))
    except OSError:
        app.setStyleSheet("")


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("Archive App")
    app.setDesktopFileName(APPLICATION)
    apply_style(app)
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_style(app))
    return app


def run_gui(paths: AppPaths, query: str | None = None, screenshot: str | None = None,
            size: tuple[int, int] | None = None, folders: bool = False,
            view: str = "text") -> int:
    """Open the window on the archive at `paths`; with `screenshot`, save a PNG and exit
    (of the window at `size`, or of File ▸ Folders… with `folders`; with `view` "page",
    the first result is shown as its original page)."""
    app = create_application()
    try:
        library = Library(paths)
    except IndexProblem as problem:
        if not offer_rebuild(paths, problem):
            return 1
        library = Library(paths)
    except ArchiveError as error:
        QMessageBox.critical(None, "Archive App", f"The archive cannot be opened:\n\n{error}")
        return 1
    window = MainWindow(library, open_settings(paths), watch=not screenshot)
    try:
        if screenshot:
            return _screenshot(app, window, query, Path(screenshot), size or SCREENSHOT_SIZE,
                               folders, view)
        window.show()
        if query:
            window.search_bar.set_query(query)
        return app.exec()
    finally:
        window.watch.stop()  # no batch of changes starts after this
        window.writes.finish()  # the changes still queued are written, not dropped
        QThreadPool.globalInstance().waitForDone()
        library.close()


def _screenshot(app: QApplication, window: MainWindow, query: str | None, target: Path,
                size: tuple[int, int] = SCREENSHOT_SIZE, folders: bool = False,
                view: str = "text") -> int:
    """Search, open the first result, wait for its hits to be marked, grab the window
    (or, with `folders`, open File ▸ Folders… once the search is shown and grab that;
    with `view` "page", switch the reader to the page and grab it once drawn — a
    document without pages is grabbed as text)."""
    window.resize(*size)
    window.show()
    outcome = {"code": 1}
    reader = window.reader

    def grab(*_args) -> None:
        if view == "page" and reader.page_action.isEnabled() and not reader.in_page_mode():
            reader.page_view.page_shown.connect(lambda _page: QTimer.singleShot(200, save))
            reader.page_view.page_failed.connect(lambda _why: QTimer.singleShot(200, save))
            reader.page_action.setChecked(True)
            return
        if folders:
            window.folders_dialog.loaded.connect(lambda _count: QTimer.singleShot(200, save))
            window.open_folders()
        else:
            QTimer.singleShot(200, save)

    def save() -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        shown = window.folders_dialog if folders else window
        outcome["code"] = 0 if shown.grab().save(str(target)) else 1
        app.quit()

    if query:
        window.document_shown.connect(grab)
        window.session.search_failed.connect(grab)
        window.session.search_finished.connect(
            lambda results: None if results.hits else grab())
        window.search_bar.set_query(query)
    else:
        grab()
    QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, app.quit)
    app.exec()
    window.close()
    return outcome["code"]
