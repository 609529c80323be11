"""No stale views: what the window shows always belongs to the last thing the user did."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.core.archive_fixtures import KEYS
from tests.gui.conftest import drain, search
from tests.gui.test_annotations_gui import drag_select, open_document, save_dialog

CTRL = Qt.KeyboardModifier.ControlModifier


def test_a_bad_query_clears_the_previous_results(qtbot, window):
    open_document(qtbot, window, "camp")
    assert window.model.rowCount() == 2
    with qtbot.waitSignal(window.session.search_failed, timeout=10_000):
        window.search_bar.set_query("camp AND")  # typed and Enter (no history popup)
    assert window.search_bar.error_label.isVisible()
    assert "needs something after it" in window.search_bar.error_label.text()
    assert window.model.rowCount() == 0, "old results must not stand for the bad query"
    assert window.reader.document_view is None
    assert window.facets.topLevelItemCount() == 0
    assert window.side_panel.source_tab.view is None


def test_a_search_with_no_hits_clears_the_source_tab_and_reader(qtbot, window):
    open_document(qtbot, window, "camp")
    source = window.side_panel.source_tab
    assert source.view is not None and source.details.isVisible()
    assert search(qtbot, window, "zyxwvut").total == 0
    drain()
    assert source.view is None and source.empty.isVisible() and not source.details.isVisible()
    assert window.reader.document_view is None
    assert window.editor.view is None, "Edit… must not edit a document no longer shown"


def open_second_result(qtbot, window) -> str:
    open_document(qtbot, window, "camp")
    second = window.model.hit(1).key
    with qtbot.waitSignal(window.document_shown, timeout=10_000):
        window.results.setCurrentIndex(window.model.index(1))
    assert window.reader.document_view.key == second
    return second


def place_cursor(reader, position: int) -> None:
    cursor = reader.text.textCursor()
    cursor.setPosition(position)
    reader.text.setTextCursor(cursor)


def edit_title(qtbot, window, title: str) -> None:
    """Edit… in the Source tab, type a new title, Save; wait until the window settles."""
    with qtbot.waitSignal(window.editor.metadata_saved, timeout=10_000):
        qtbot.mouseClick(window.side_panel.source_tab.edit_button, Qt.MouseButton.LeftButton)
        dialog = window.editor.dialog
        dialog.fields["title"].setText(title)
        dialog.accept()
    qtbot.waitUntil(lambda: window.side_panel.source_tab.values["title"].text() == title,
                    timeout=10_000)
    drain()
    qtbot.wait(100)
    drain()


def test_a_metadata_edit_keeps_the_open_document_and_its_position(qtbot, window):
    second = open_second_result(qtbot, window)
    place_cursor(window.reader, 30)
    edit_title(qtbot, window, "A corrected title")
    assert window.reader.document_view.key == second
    assert window.reader.title_label.text() == "A corrected title"
    assert window.reader.text.textCursor().position() == 30
    assert window.model.hit(window.results.currentIndex().row()).key == second


def test_tagging_keeps_the_open_document_and_its_position(qtbot, window):
    second = open_second_result(qtbot, window)
    drag_select(window.reader, 10, 20)
    qtbot.keyClick(window.reader.text, Qt.Key.Key_T, CTRL)
    save_dialog(qtbot, window, "place")
    drain()
    qtbot.wait(100)
    drain()
    assert window.reader.document_view.key == second
    assert window.reader.text.textCursor().selectionEnd() == 20


def test_the_annotations_view_shows_new_titles_after_a_metadata_edit(qtbot, window, library):
    library.annotate_quote(KEYS["ashraf"], "massacre", ["event"])
    open_document(qtbot, window, '"Camp Ashraf attack"')
    with qtbot.waitSignal(window.annotating.view.rows_loaded, timeout=10_000):
        window.annotating.view_action.trigger()
    table = window.annotating.view.model
    assert table.rows[0].title == "Camp Ashraf attack"
    with qtbot.waitSignal(window.annotating.view.rows_loaded, timeout=10_000):
        edit_title(qtbot, window, "Attack on Camp Ashraf, 2013")
    assert table.rows[0].title == "Attack on Camp Ashraf, 2013"


def test_searching_keeps_the_pane_widths_the_user_chose(qtbot, window):
    window.resize(1400, 900)
    qtbot.wait(50)
    total = sum(window.splitter.sizes())
    chosen = [total - 600 - 200, 600, 200]
    window.splitter.setSizes(chosen)
    assert window.splitter.sizes() == chosen
    open_document(qtbot, window, "camp")
    qtbot.wait(50)
    assert window.splitter.sizes() == chosen
    window.facets.facet_chosen.emit('source:"UN News"', "Source: UN News")
    drain()
    open_document(qtbot, window, "massacre")
    qtbot.wait(50)
    assert window.splitter.sizes() == chosen


def test_add_folder_opens_in_the_last_folder_used(qtbot, window, tmp_path, monkeypatch):
    asked = []
    folder = tmp_path / "letters"
    folder.mkdir()
    (folder / "a.txt").write_text("Basel letter", encoding="utf-8")

    def choose(parent, caption, directory="", *args, **kwargs):
        asked.append(directory)
        return str(folder)

    monkeypatch.setattr("archive_app.gui.main_window.QFileDialog.getExistingDirectory", choose)
    with qtbot.waitSignal(window.indexing.indexing_finished, timeout=10_000):
        window.add_folder_action.trigger()
    drain()
    window.add_folder_action.trigger()
    drain()
    assert asked[-1] == str(folder)
    assert window.settings.value("folders/last_used") == str(folder)
