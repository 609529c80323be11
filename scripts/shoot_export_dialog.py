"""Screenshot of File ▸ Export… for the README: every annotation checked, Markdown preview.

Usage: .venv/bin/python scripts/shoot_export_dialog.py HOME OUTPUT.png
HOME must already be indexed and annotated (see README); nothing in it is changed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QThreadPool

from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from archive_app.gui.app import SCREENSHOT_SIZE, create_application, open_settings
from archive_app.gui.main_window import MainWindow


def wait_until(predicate, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        QCoreApplication.processEvents()
        time.sleep(0.02)


def main(home: str, output: str) -> int:
    app = create_application()
    library = Library(AppPaths(Path(home)))
    window = MainWindow(library, open_settings(library.paths))
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    view = window.annotating.view
    loaded = []
    view.rows_loaded.connect(loaded.append)
    window.annotating.show_view()
    wait_until(lambda: loaded)
    view.check_shown(True)
    window.export_action.trigger()
    dialog = window.export_dialog
    shown = []
    dialog.preview_updated.connect(lambda: shown.append(dialog.preview.toPlainText()))
    wait_until(lambda: not dialog.loading_tags and shown and shown[-1])
    time.sleep(0.3)
    QCoreApplication.processEvents()
    code = 0 if dialog.grab().save(output) else 1
    dialog.hide()
    window.close()
    QThreadPool.globalInstance().waitForDone()
    library.close()
    app.quit()
    return code


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
