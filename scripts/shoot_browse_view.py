"""Screenshot of the Browse tab for the README: a folder sorted by a column, a document open.

Usage: .venv/bin/python scripts/shoot_browse_view.py HOME OUTPUT.png [FOLDER [COLUMN]]
HOME must already be indexed (the bundled corpus: FOLDER defaults to corpus/factbook,
COLUMN to size, largest first); nothing in it is changed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QThreadPool

from archive_app.core.browse import COLUMNS, parent_address
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


def main(home: str, output: str, folder: str = "corpus/factbook",
         column: str = "size") -> int:
    app = create_application()
    library = Library(AppPaths(Path(home)))
    window = MainWindow(library, open_settings(library.paths))
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    view = window.browse
    window.show_browse()
    chain = []
    address = folder
    while address:
        chain.insert(0, address)
        address = parent_address(address)
    for address in chain:  # open the tree down to the folder, as a user clicks
        wait_until(lambda address=address: view.item_for(address) is not None)
        view.tree.expand(view.item_for(address).index())
    view.tree.setCurrentIndex(view.item_for(folder).index())
    wait_until(lambda: view.listing is not None and view.listing.address == folder)
    view.table.sortByColumn(COLUMNS.index(column), Qt.SortOrder.DescendingOrder)
    wait_until(lambda: view.listing.sort == column)
    shown = []
    window.document_shown.connect(shown.append)
    view.table.setCurrentIndex(view.model.index(0, 0))
    view.document_chosen.emit(view.model.row(0).key)
    wait_until(lambda: shown)
    view.table.setFocus()
    time.sleep(0.3)
    QCoreApplication.processEvents()
    code = 0 if window.grab().save(output) else 1
    window.close()
    QThreadPool.globalInstance().waitForDone()
    library.close()
    app.quit()
    return code


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
