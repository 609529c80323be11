"""The Source tab shows the open document's metadata and citation; Edit… changes both."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from archive_app.gui.annotations_panel import NO_ANNOTATIONS
from tests.gui.conftest import search


def open_ashraf(qtbot, window) -> None:
    with qtbot.waitSignal(window.document_shown, timeout=10_000):
        search(qtbot, window, "ashraf")


def test_source_tab_shows_metadata_and_citation(qtbot, window):
    open_ashraf(qtbot, window)
    tab = window.side_panel.source_tab
    assert tab.values["title"].text() == "Camp Ashraf attack"
    assert tab.values["source"].text() == "UN News"
    assert tab.values["date"].text() == "2013-09-01"
    assert tab.values["author"].text() == "UN News Centre"
    assert tab.values["path"].text().endswith("ashraf.txt")
    assert tab.citation.text() == ('UN News Centre. "Camp Ashraf attack." UN News, '
                                   '2013-09-01.')
    qtbot.mouseClick(tab.copy_button, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == tab.citation.text()


def test_annotations_tab_says_how_to_add_one(window):
    assert window.side_panel.tabText(1) == "Annotations"
    tab = window.side_panel.annotations_tab
    assert tab.currentWidget() is tab.empty
    assert tab.empty.text() == NO_ANNOTATIONS


def test_editing_metadata_updates_panel_citation_and_search(qtbot, window):
    open_ashraf(qtbot, window)
    tab = window.side_panel.source_tab
    qtbot.mouseClick(tab.edit_button, Qt.MouseButton.LeftButton)
    dialog = window.editor.dialog
    assert dialog is not None and dialog.isVisible()
    source = dialog.fields["source"]
    source.clear()
    qtbot.keyClicks(source, "Iraq Monitor")
    dialog.fields["date"].clear()
    qtbot.keyClicks(dialog.fields["date"], "3 Sep 2013")
    assert "2013-09-03" in dialog.date_hint.text()
    dialog.save_sidecar.setChecked(True)
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    with qtbot.waitSignal(window.document_shown, timeout=10_000):
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert tab.values["source"].text() == "Iraq Monitor"
    assert "Iraq Monitor, 2013-09-03." in tab.citation.text()
    sidecar = Path(tab.values["path"].text() + ".meta.json")
    assert json.loads(sidecar.read_text(encoding="utf-8"))["source"] == "Iraq Monitor"
    results = search(qtbot, window, 'source:"Iraq Monitor"')
    assert [hit.key for hit in results.hits] == ["corpus/ashraf.txt"]


def test_an_unreadable_date_cannot_be_saved(qtbot, window):
    open_ashraf(qtbot, window)
    qtbot.mouseClick(window.side_panel.source_tab.edit_button, Qt.MouseButton.LeftButton)
    dialog = window.editor.dialog
    dialog.fields["date"].clear()
    qtbot.keyClicks(dialog.fields["date"], "sometime")
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
    assert "cannot be read" in dialog.date_hint.text()
    dialog.reject()
