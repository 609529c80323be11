"""Folders that index themselves, in the window (issue 19, part 6): a file dropped into
an archive folder shows up in the results within seconds, the status bar says so in one
quiet line, File ▸ Watch folders pauses it, and a change never runs beside Re-index."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication

from archive_app.core.indexing.watching import Changes
from archive_app.gui.app import apply_style, open_settings
from archive_app.gui.main_window import MainWindow
from tests.conftest import write_files
from tests.gui.conftest import _OPENED, drain, search

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="inotify is Linux's")
WAIT_MS = 20_000


@pytest.fixture
def watching_window(qtbot, library, leak_watch) -> Iterator[MainWindow]:
    """The window as the app opens it: watching its folders."""
    apply_style(QCoreApplication.instance())
    window = MainWindow(library, open_settings(library.paths), watch=True)
    _OPENED.append(window)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.watch.label.text() == "Watching 1 folder", timeout=WAIT_MS)
    yield window
    window.close()  # stops the watcher's thread before the leak check
    drain()
    leak_watch.check()


def corpus_of(library):
    return library.roots()[0].path


def result_keys(window) -> set[str]:
    return {window.model.hit(row).key for row in range(window.model.rowCount())}


def test_a_dropped_file_appears_in_the_results(qtbot, watching_window, library):
    window = watching_window
    assert window.watch_action.isChecked() and window.watch.label.isVisible()
    assert search(qtbot, window, "capybara").total == 0
    assert window.reader.text.placeholderText() == "No documents match this search."
    write_files(corpus_of(library), {"dropped.txt": "Dropped\n\nThe capybara arrived."})
    qtbot.waitUntil(lambda: "corpus/dropped.txt" in result_keys(window), timeout=WAIT_MS)
    assert window.statusBar().currentMessage() == "Indexed 1 new file"
    assert window.reader.text.placeholderText() == "Select a result to read it here."


def test_a_deleted_file_leaves_the_results_and_the_line_says_so(qtbot, watching_window,
                                                                library):
    window = watching_window
    assert search(qtbot, window, "zurich").total == 1
    (corpus_of(library) / "accents.txt").unlink()
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=WAIT_MS)
    assert window.statusBar().currentMessage() == "Indexed 1 removed"


def test_pausing_stops_the_watcher_and_resuming_catches_up(qtbot, watching_window, library):
    window = watching_window
    window.watch_action.setChecked(False)
    assert not window.watch.is_watching()
    assert window.watch.label.text() == "Not watching the folders"
    assert window.settings.value("watch/enabled") in (False, "false")
    write_files(corpus_of(library), {"paused.txt": "Paused\n\nThe okapi waited."})
    qtbot.wait(1_500)
    assert search(qtbot, window, "okapi").total == 0  # nobody watched
    with qtbot.waitSignal(window.indexing.indexing_finished, timeout=WAIT_MS):
        window.watch_action.setChecked(True)  # watches again and reads what it missed
    qtbot.waitUntil(lambda: "corpus/paused.txt" in result_keys(window), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.watch.label.text() == "Watching 1 folder", timeout=WAIT_MS)


def test_changes_wait_for_the_indexing_job(qtbot, watching_window, library):
    """One writer: while Re-index runs, a batch of changes is held, then applied."""
    window = watching_window
    assert search(qtbot, window, "tapir").total == 0
    path = corpus_of(library) / "during.txt"
    assert window.indexing.start(None)
    write_files(corpus_of(library), {"during.txt": "During\n\nThe tapir came in."})
    window.watch.changes_arrived.emit(Changes(frozenset({str(path)})))  # delivered at once
    assert window.indexing.is_running() and not window.watch.is_applying()  # held
    qtbot.waitUntil(lambda: "corpus/during.txt" in result_keys(window), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not window.watch.is_applying(), timeout=WAIT_MS)


def test_the_open_document_is_shown_again_when_its_file_changes(qtbot, watching_window,
                                                                 library):
    window = watching_window
    with qtbot.waitSignal(window.document_shown, timeout=WAIT_MS):
        search(qtbot, window, "zurich")
    assert window.reader.document_view.key == "corpus/accents.txt"
    (corpus_of(library) / "accents.txt").write_text(
        "Café society\n\nThe Café society in Zürich now meets on Fridays.", encoding="utf-8")
    qtbot.waitUntil(lambda: "Fridays" in window.reader.document_view.text, timeout=WAIT_MS)
    assert window.statusBar().currentMessage() == "Indexed 1 changed"


def test_the_window_of_a_test_or_a_screenshot_does_not_watch(window):
    assert not window.watch.is_watching() and not window.watch_action.isChecked()
