"""GUI fixtures: a Library over a small real corpus in a tmp home, and the main window on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QThreadPool

from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from archive_app.gui.app import apply_style, open_settings
from archive_app.gui.main_window import MainWindow
from tests.core.archive_fixtures import make_corpus


def drain() -> None:
    """Let every pool job finish and deliver its queued signals."""
    QThreadPool.globalInstance().waitForDone()
    QCoreApplication.processEvents()


@pytest.fixture
def empty_library(app_paths: AppPaths, qapp) -> Iterator[Library]:
    library = Library(app_paths)
    yield library
    drain()
    library.close()


@pytest.fixture
def library(empty_library: Library, tmp_path: Path) -> Library:
    empty_library.sync([make_corpus(tmp_path)])
    return empty_library


def open_window(qtbot, library: Library) -> MainWindow:
    apply_style(QCoreApplication.instance())
    window = MainWindow(library, open_settings(library.paths))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(qtbot, library: Library) -> Iterator[MainWindow]:
    window = open_window(qtbot, library)
    yield window
    drain()


def search(qtbot, window: MainWindow, text: str):
    """Type a query and press Enter, as a user would; returns the SearchResults."""
    window.search_bar.field.clear()
    with qtbot.waitSignal(window.session.search_finished, timeout=10_000) as blocker:
        qtbot.keyClicks(window.search_bar.field, text)
        qtbot.keyClick(window.search_bar.field, "\r")
    return blocker.args[0]
