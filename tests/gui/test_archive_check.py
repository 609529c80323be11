"""Help ▸ Check archive finds problems and repairs them; a damaged index is rebuilt at start."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QMessageBox, QPlainTextEdit

from archive_app.core.errors import IndexProblem
from archive_app.core.indexing.index import INDEX_NAME
from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from archive_app.gui.archive_check import offer_rebuild
from tests.core.archive_fixtures import make_corpus
from tests.gui.conftest import drain


@pytest.fixture
def no_dialogs(monkeypatch):
    """Questions answer Yes at once (a dialog stub)."""
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *args, **kwargs: QMessageBox.StandardButton.Yes)


def run_check(qtbot, window):
    """Help ▸ Check archive…; returns the report and the dialog that shows it."""
    with qtbot.waitSignal(window.checker.checked, timeout=20_000) as checked:
        window.check_action.trigger()
    dialog = window.checker.dialog
    assert dialog is not None and dialog.isVisible()
    return checked.args[0], dialog


def test_check_reports_a_healthy_archive(qtbot, window, no_dialogs):
    report, dialog = run_check(qtbot, window)
    assert report.healthy
    assert "healthy" in dialog.headline.text() and "6 documents" in dialog.headline.text()
    assert not dialog.reindex_button.isVisible() and not dialog.repair_button.isVisible()


def test_the_details_are_readable_without_a_command_line(qtbot, window, tmp_path,
                                                         no_dialogs):
    for n in range(30):
        (tmp_path / "corpus" / f"new-{n:02d}-{'long-name-' * 8}.txt").write_text(
            f"Fresh note {n}", encoding="utf-8")
    _, dialog = run_check(qtbot, window)
    details = dialog.details
    assert details.isReadOnly() and details.isVisible()
    metrics = QFontMetrics(details.font())
    assert metrics.horizontalAdvance("iiii") == metrics.horizontalAdvance("WWWW"), \
        "the details are monospace"
    assert details.lineWrapMode() == QPlainTextEdit.LineWrapMode.WidgetWidth
    text = details.toPlainText()
    assert "Not indexed yet" in text
    assert all(f"new-{n:02d}-" in text for n in range(30)), "every file is listed"
    assert "archive-app" not in text and "--repair" not in text
    assert details.verticalScrollBar().maximum() > 0, "a long list scrolls in the box"


def test_unindexed_files_are_not_reported_as_damage(qtbot, window, tmp_path, no_dialogs):
    (tmp_path / "corpus" / "fresh.txt").write_text("Minutes of the Basel meeting",
                                                  encoding="utf-8")
    report, dialog = run_check(qtbot, window)
    assert report.out_of_date
    headline = dialog.headline.text().lower()
    assert "not indexed yet" in headline and "problem" not in headline
    assert "damage" not in headline
    groups = dialog.group_titles()
    assert any(title.startswith("Not indexed yet") for title in groups)
    assert not any("damage" in title.lower() for title in groups)
    assert dialog.reindex_button.isVisible() and not dialog.repair_button.isVisible()
    with qtbot.waitSignal(window.indexing.indexing_finished, timeout=30_000):
        qtbot.mouseClick(dialog.reindex_button, Qt.MouseButton.LeftButton)
    drain()
    assert window.library.search("basel").total == 1


def test_damage_is_shown_apart_from_files_not_indexed_yet(qtbot, window, library, tmp_path,
                                                          no_dialogs):
    (tmp_path / "corpus" / "fresh.txt").write_text("Basel", encoding="utf-8")
    with sqlite3.connect(library.paths.catalog_db) as catalog:  # damage the catalog
        catalog.execute("DELETE FROM texts WHERE key = ?", ("corpus/liberty.txt",))
    report, dialog = run_check(qtbot, window)
    groups = dialog.group_titles()
    assert any(title.startswith("Not indexed yet") for title in groups)
    assert any("damage" in title.lower() for title in groups)
    assert "repair" in dialog.headline.text().lower()
    assert dialog.repair_button.isVisible()
    text = dialog.details.toPlainText()
    assert text.index("corpus/liberty.txt") != text.index("corpus/fresh.txt")


def test_out_of_date_archive_is_repaired_from_the_window(qtbot, window, library, tmp_path,
                                                         no_dialogs):
    (tmp_path / "corpus" / "fresh.txt").write_text("Minutes of the Basel meeting",
                                                  encoding="utf-8")
    report, _dialog = run_check(qtbot, window)
    assert report.out_of_date
    with qtbot.waitSignal(window.indexing.indexing_finished, timeout=30_000):
        window.checker.repair(report)
    drain()
    assert library.search("basel").total == 1


def test_damaged_index_is_rebuilt_when_the_window_opens(qapp, tmp_path, no_dialogs):
    paths = AppPaths(tmp_path / "damaged-home")
    library = Library(paths)
    library.sync([make_corpus(tmp_path)])
    library.annotate_quote("corpus/ashraf.txt", "massacre", ["event"])
    library.close()
    toc = sorted(paths.index_dir.glob(f"_{INDEX_NAME}_*.toc"))[-1]
    toc.write_bytes(b"garbage" * 10)
    with pytest.raises(IndexProblem) as problem:
        Library(paths)
    assert offer_rebuild(paths, problem.value)
    reopened = Library(paths)
    try:
        assert reopened.search("tag:event").total == 1
        assert reopened.search("camp").total == 2
    finally:
        reopened.close()


def test_a_reset_index_is_filled_again_when_the_window_opens(qtbot, tmp_path):
    from tests.gui.conftest import open_window

    paths = AppPaths(tmp_path / "reset-home")
    library = Library(paths)
    library.sync([make_corpus(tmp_path)])
    library.close()
    for toc in paths.index_dir.glob(f"_{INDEX_NAME}_*.toc"):
        toc.unlink()  # as after an upgrade of the index format
    library = Library(paths)
    try:
        assert library.needs_sync and library.doc_count() == 0
        window = open_window(qtbot, library)
        qtbot.waitUntil(lambda: library.doc_count() == 6, timeout=30_000)
        drain()
        assert library.search("camp").total == 2
        window.close()
    finally:
        drain()
        library.close()
