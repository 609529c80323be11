"""File ▸ Folders…: the archive's folders with counts and skipped files, and Remove."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tests.conftest import write_files
from tests.core.archive_fixtures import KEYS
from tests.gui.conftest import drain, search
from tests.gui.test_annotations_gui import open_document


@pytest.fixture
def letters(library, tmp_path):
    """A second folder: one document and one file that is skipped (empty)."""
    folder = write_files(tmp_path / "letters", {"basel.txt": "Basel letter\n\nOn the camp.",
                                                "empty.txt": ""})
    library.sync([folder])
    return folder


def open_folders(qtbot, window):
    dialog = window.folders_dialog
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        window.folders_action.trigger()
    assert dialog.isVisible()
    return dialog


def rows(dialog) -> list[tuple[str, str, str]]:
    tree = dialog.tree
    return [tuple(tree.topLevelItem(n).text(c) for c in range(3))
            for n in range(tree.topLevelItemCount())]


def test_the_folders_dialog_lists_counts_and_skipped_files_with_reasons(qtbot, window,
                                                                       letters, tmp_path):
    dialog = open_folders(qtbot, window)
    assert rows(dialog) == [(str((tmp_path / "corpus").resolve()), "6", "0"),
                            (str(letters.resolve()), "1", "1")]
    skipped = dialog.tree.topLevelItem(1).child(0)
    assert "empty.txt" in skipped.text(0) and "empty" in skipped.text(0).lower()
    assert skipped.toolTip(0)
    dialog.tree.setCurrentItem(skipped)
    assert not dialog.remove_button.isEnabled(), "a skipped file is not a folder"


def test_a_missing_folder_says_so(qtbot, window, letters):
    shutil.rmtree(letters)
    dialog = open_folders(qtbot, window)
    assert "missing" in dialog.tree.topLevelItem(1).text(0).lower()


def test_removing_a_folder_keeps_its_annotations_listed_as_orphaned(qtbot, window, library,
                                                                    letters, monkeypatch):
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: asked.append(args[2])
                        or QMessageBox.StandardButton.Yes)
    library.annotate_quote(KEYS["ashraf"], "massacre", ["event"], note="keep me")
    open_document(qtbot, window, '"Camp Ashraf attack"')
    dialog = open_folders(qtbot, window)
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(0))
    assert dialog.remove_button.isEnabled()
    with qtbot.waitSignal(dialog.folder_removed, timeout=10_000):
        qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert asked and "annotations" in asked[0] and "6 documents" in asked[0]
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 1, timeout=10_000)
    drain()
    assert rows(dialog)[0][0] == str(letters.resolve())
    assert "1 annotation" in window.statusBar().currentMessage()
    assert window.reader.document_view is None, "the removed document is not shown"
    assert search(qtbot, window, "camp").total == 1
    with qtbot.waitSignal(window.annotating.view.rows_loaded, timeout=10_000):
        window.annotating.view_action.trigger()
    table = window.annotating.view.model
    assert [(r.annotation.note, r.annotation.state, r.title) for r in table.rows] == [
        ("keep me", "orphaned", KEYS["ashraf"])]
    assert table.index(0, 4).data() == "Not found"


def test_a_folder_can_say_ocr_off_and_its_scans_are_read_again(qtbot, window, library,
                                                              tmp_path):
    """Issue 14: the OCR setting per folder. Off leaves a scan unread, with the reason;
    auto reads it again (from the OCR cache or Tesseract) and search finds its words."""
    from tests.gui.test_real_archives_gui import scanned_pdf

    scans = tmp_path / "scans"
    scans.mkdir()
    scanned_pdf(scans / "commission-scan.pdf")
    library.sync([scans])
    assert "corpus" in {hit.key.split("/")[0] for hit in library.search("camp").hits}
    assert [hit.key for hit in library.search("quarantine").hits] == [
        "scans/commission-scan.pdf"]
    dialog = open_folders(qtbot, window)
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(1))
    assert dialog.tree.topLevelItem(1).text(3) == "auto"
    with qtbot.waitSignal(window.indexing.indexing_finished, timeout=60_000):
        dialog.set_ocr(dialog.selected_folder(), "off")
    assert library.search("quarantine").total == 0
    skipped = {s.path: s.reason for folder in library.folders() for s in folder.skipped}
    assert "OCR is off" in skipped[str(scans / "commission-scan.pdf")]
    qtbot.waitUntil(lambda: dialog.tree.topLevelItem(1).text(3) == "off", timeout=10_000)
    with qtbot.waitSignal(window.indexing.indexing_finished, timeout=60_000):
        dialog.set_ocr(dialog.selected_folder(), "auto")
    assert library.search("quarantine").total == 1
