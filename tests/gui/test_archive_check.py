"""Help ▸ Check archive finds problems and repairs them; a damaged index is rebuilt at start."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from archive_app.core.errors import IndexProblem
from archive_app.core.index import INDEX_NAME
from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from archive_app.gui.archive_check import offer_rebuild
from tests.core.archive_fixtures import make_corpus
from tests.gui.conftest import drain


@pytest.fixture
def no_dialogs(monkeypatch):
    """Message boxes answer at once (a dialog stub), recording what they said."""
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.detailedText()))
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *args, **kwargs: QMessageBox.StandardButton.Yes)
    return shown


def test_check_reports_a_healthy_archive(qtbot, window, no_dialogs):
    with qtbot.waitSignal(window.checker.checked, timeout=20_000) as checked:
        window.check_action.trigger()
    assert checked.args[0].healthy
    assert no_dialogs and "archive: healthy" in no_dialogs[0]


def test_out_of_date_archive_is_repaired_from_the_window(qtbot, window, library, tmp_path,
                                                         no_dialogs):
    (tmp_path / "corpus" / "fresh.txt").write_text("Minutes of the Basel meeting",
                                                  encoding="utf-8")
    with qtbot.waitSignal(window.checker.checked, timeout=20_000) as checked:
        window.check_action.trigger()
    report = checked.args[0]
    assert report.out_of_date and "corpus/fresh.txt is not indexed yet" in report.problems
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
        assert library.index.needs_sync and library.doc_count() == 0
        window = open_window(qtbot, library)
        qtbot.waitUntil(lambda: library.doc_count() == 6, timeout=30_000)
        drain()
        assert library.search("camp").total == 2
        window.close()
    finally:
        drain()
        library.close()
