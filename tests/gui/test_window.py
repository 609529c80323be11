"""The window as a whole: empty archive, indexing with Cancel, restored settings, screenshot."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt

from archive_app.gui.help_dialog import show_syntax_help
from archive_app.gui.main_window import ARCHIVE_PAGE, EMPTY_PAGE
from tests.conftest import PROJECT_ROOT, write_files
from tests.gui.conftest import drain, open_window, search


def test_an_empty_archive_offers_to_add_a_folder(qtbot, empty_library, tmp_path, monkeypatch):
    window = open_window(qtbot, empty_library)
    assert window.pages.currentIndex() == EMPTY_PAGE
    assert window.add_folder_button.isVisible()
    folder = write_files(tmp_path / "notes", {"a.txt": "Refugee camp notes\n\nA camp."})
    monkeypatch.setattr("archive_app.gui.main_window.QFileDialog.getExistingDirectory",
                        lambda *args, **kwargs: str(folder))
    with qtbot.waitSignal(window.indexing.indexing_finished, timeout=10_000):
        qtbot.mouseClick(window.add_folder_button, Qt.MouseButton.LeftButton)
    assert window.pages.currentIndex() == ARCHIVE_PAGE
    assert search(qtbot, window, "camp").total == 1
    drain()


def many_files(folder: Path, count: int) -> Path:
    return write_files(folder, {f"note-{n:04d}.txt": f"Note {n}\n\nA small note about "
                                f"the camp, number {n}." for n in range(count)})


def test_indexing_shows_progress_and_can_be_cancelled(qtbot, window, tmp_path):
    folder = many_files(tmp_path / "many", 400)
    indexing = window.indexing
    with qtbot.waitSignal(indexing.indexing_progressed, timeout=10_000):
        window.indexing.start([folder])
    assert indexing.job.bar.isVisible() and indexing.job.cancel_button.isVisible()
    assert not window.reindex_action.isEnabled()
    assert not window.indexing.start(None), "a second indexing job must be refused"
    with qtbot.waitSignal(indexing.indexing_finished, timeout=10_000) as finished:
        qtbot.mouseClick(indexing.job.cancel_button, Qt.MouseButton.LeftButton)
    message = finished.args[0]
    assert message.startswith("Cancelled: ") and "searchable" in message
    assert message == window.statusBar().currentMessage()
    kept = int(re.match(r"Cancelled: ([\d,]+) documents", message).group(1).replace(",", ""))
    assert window.library.doc_count() == 6 + kept  # exactly what the message says was kept
    if kept < 400:
        assert f"{400 - kept:,} not indexed yet" in message
    assert not indexing.job.bar.isVisible()
    assert window.reindex_action.isEnabled()
    assert search(qtbot, window, "massacre").total == 2


def test_reindex_runs_to_the_end(qtbot, window):
    with qtbot.waitSignal(window.indexing.indexing_finished, timeout=10_000) as finished:
        window.reindex_action.trigger()
    assert finished.args[0].startswith("Indexed:")
    assert "6 documents" in finished.args[0]


def test_geometry_splitter_and_last_query_are_restored(qtbot, library):
    first = open_window(qtbot, library)
    first.resize(777, 555)
    first.splitter.setSizes([300, 500, 250])
    search(qtbot, first, "camp")
    sizes = first.splitter.sizes()
    first.close()
    drain()
    second = open_window(qtbot, library)
    assert (second.width(), second.height()) == (777, 555)
    assert second.splitter.sizes() == sizes
    assert second.search_bar.query() == "camp"
    assert "camp" in second.search_bar.history()
    qtbot.waitUntil(lambda: second.model.rowCount() == 2, timeout=5_000)
    drain()


def test_help_explains_the_search_syntax(qtbot, window):
    dialog = show_syntax_help(window)
    qtbot.addWidget(dialog)
    from PySide6.QtWidgets import QTextBrowser

    text = dialog.findChild(QTextBrowser).toPlainText()
    for example in ('"human rights"', "refug*", "date:2013-09", "source:", "OR"):
        assert example in text
    dialog.close()


def test_the_cli_writes_a_screenshot(tmp_path, library):
    target = tmp_path / "shot.png"
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-m", "archive_app", "--home", str(library.paths.home), "gui",
         "--query", "camp", "--screenshot", str(target)],
        capture_output=True, text=True, cwd=PROJECT_ROOT, env=environment, timeout=120)
    assert result.returncode == 0, result.stderr
    assert target.exists() and target.stat().st_size > 20_000


def test_the_cli_screenshots_the_first_hit_in_page_view(tmp_path, empty_library):
    """`gui --view page --screenshot`: the first result's original page with its hit
    boxed in the current-hit colour; `--view text` (the default) shows the text."""
    import numpy as np
    from PIL import Image

    from archive_app.gui.highlight import hit_format
    from tests.core.ingest.conftest import make_pdf
    from tests.gui.conftest import PAGES

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_pdf(corpus / "harbour.pdf", PAGES)
    empty_library.sync([corpus])
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    shots = {}
    for view in ("text", "page"):
        shots[view] = tmp_path / f"{view}.png"
        result = subprocess.run(
            [sys.executable, "-m", "archive_app", "--home", str(empty_library.paths.home),
             "gui", "--query", "dredging", "--view", view, "--screenshot", str(shots[view])],
            capture_output=True, text=True, cwd=PROJECT_ROOT, env=environment, timeout=120)
        assert result.returncode == 0, result.stderr
    current = hit_format(current=True).background().color()
    wanted = tuple(round(0.55 * value + 0.45 * 255)  # the box, translucent on paper
                   for value in (current.red(), current.green(), current.blue()))

    def near_current(path: Path) -> int:
        pixels = np.asarray(Image.open(path).convert("RGB"), dtype=int)
        return int((np.abs(pixels - np.array(wanted)).sum(axis=2) < 12).sum())

    text = np.asarray(Image.open(shots["text"]).convert("RGB"))
    page = np.asarray(Image.open(shots["page"]).convert("RGB"))
    assert text.shape == page.shape
    changed = int((text != page).any(axis=2).sum())
    assert changed > 0.1 * text.shape[0] * text.shape[1]  # the reader shows something else
    assert near_current(shots["page"]) > 50  # the hit's box, drawn on the page
    assert near_current(shots["text"]) == 0  # the text marks its hit otherwise
