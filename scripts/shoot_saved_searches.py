"""Screenshot of the Saved searches dock for the README: one saved search clicked (its
query, filter chips and sort restored, its first result open), the others showing how
many documents are new since they were last run.

Usage: .venv/bin/python scripts/shoot_saved_searches.py HOME OUTPUT.png NAME
HOME must already be indexed and hold saved searches (`archive-app saved add`); running
NAME records its run, as clicking it does.
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
from archive_app.gui.saved_searches_dock import SEARCH_ROLE


def wait_until(predicate, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        QCoreApplication.processEvents()
        time.sleep(0.02)


def main(home: str, output: str, name: str) -> int:
    app = create_application()
    library = Library(AppPaths(Path(home)))
    window = MainWindow(library, open_settings(library.paths))
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    panel = window.saved.panel
    wait_until(lambda: panel.item_for(name) is not None)
    shown, listed = [], []
    window.document_shown.connect(shown.append)
    window.saved.shown.connect(lambda: listed.append(True))
    item = panel.item_for(name)
    panel.tree.setCurrentItem(item)
    panel.run_requested.emit(item.data(0, SEARCH_ROLE))  # as a click on it does
    wait_until(lambda: shown and listed and window.writes.pending() == 0)
    time.sleep(0.3)
    QCoreApplication.processEvents()
    code = 0 if window.grab().save(output) else 1
    window.close()
    window.writes.finish()
    QThreadPool.globalInstance().waitForDone()
    library.close()
    app.quit()
    return code


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
