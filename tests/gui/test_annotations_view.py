"""The archive-wide Annotations view: filter by text, tag and state; check rows; open one."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from archive_app.gui.annotations_view import ANNOTATION_ROLE, AnnotationTableModel, load_rows
from tests.gui.conftest import drain, open_window
from tests.gui.test_annotations_gui import PASSAGE, annotated_window


def open_view(qtbot, window):
    view = window.annotating.view
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # shortcuts need it
    with qtbot.waitSignal(view.rows_loaded, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_A,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.annotating.view_dock.isVisible()
    return view


def quotes(view) -> list[str]:
    return [a.exact for a in view.shown_annotations()]


def test_filter_by_text_narrows_the_rows(qtbot, library):
    view = open_view(qtbot, annotated_window(qtbot, library))
    assert view.proxy.rowCount() == 3
    qtbot.keyClicks(view.text_field, "residents")
    assert quotes(view) == [PASSAGE]
    assert view.count_label.text() == "1 of 3 shown"
    view.text_field.clear()
    qtbot.keyClicks(view.text_field, "UN NEWS")  # the note
    assert quotes(view) == [PASSAGE]
    drain()


def test_filter_by_tag_includes_sub_tags(qtbot, library):
    view = open_view(qtbot, annotated_window(qtbot, library))
    view.tag_combo.setCurrentIndex(view.tag_combo.findText("people/witnesses"))
    assert quotes(view) == ["Witnesses described"]
    library.annotate_quote("corpus/liberty.txt", "Residents were moved", ["people"])
    with qtbot.waitSignal(view.rows_loaded, timeout=10_000):
        view.reload()
    view.set_tags([tag.name for tag in library.tags()])
    view.tag_combo.setCurrentIndex(view.tag_combo.findText("people"))
    assert sorted(quotes(view)) == sorted([PASSAGE, "Witnesses described",
                                           "Residents were moved"])
    drain()


def test_checking_rows_gives_checked_annotations(qtbot, library):
    view = open_view(qtbot, annotated_window(qtbot, library))
    table = view.table
    for row in (0, 2):
        table.setCurrentIndex(view.proxy.index(row, 0))
        qtbot.keyClick(table, Qt.Key.Key_Space)
    checked = view.checked_annotations()
    assert len(checked) == 2
    assert {a.id for a in checked} == {view.proxy.index(r, 0).data(ANNOTATION_ROLE).id
                                       for r in (0, 2)}
    assert view.count_label.text().endswith("2 checked")
    qtbot.mouseClick(view.check_none_button, Qt.MouseButton.LeftButton)
    assert view.checked_annotations() == []
    qtbot.keyClicks(view.text_field, "mortar")
    qtbot.mouseClick(view.check_all_button, Qt.MouseButton.LeftButton)
    assert [a.exact for a in view.checked_annotations()] == ["Mortar attacks"]
    drain()


def test_needs_attention_lists_orphaned_passages(qtbot, library, tmp_path):
    library.annotate_quote("corpus/liberty.txt", "Mortar attacks", ["attacks"], "keep me")
    library.annotate_quote("corpus/ashraf.txt", PASSAGE, ["witness"])
    (tmp_path / "corpus" / "liberty.txt").unlink()
    library.sync()
    view = open_view(qtbot, open_window(qtbot, library))
    view.attention_box.setChecked(True)
    [orphan] = view.shown_annotations()
    assert (orphan.exact, orphan.state, orphan.note) == ("Mortar attacks", "orphaned", "keep me")
    assert view.proxy.index(0, 4).data() == "Not found"
    drain()


def test_sorting_by_modified_and_by_document(qtbot, library):
    view = open_view(qtbot, annotated_window(qtbot, library))
    view.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    titles = [view.proxy.index(r, 0).data() for r in range(view.proxy.rowCount())]
    assert titles == sorted(titles, reverse=True)
    view.table.sortByColumn(5, Qt.SortOrder.AscendingOrder)
    stamps = [a.modified for a in view.shown_annotations()]
    assert stamps == sorted(stamps)
    drain()


def test_modified_sorts_by_the_second_within_one_minute(qtbot, library):
    """The cell shows the minute; two edits in one minute still sort in the order made."""
    window = annotated_window(qtbot, library)
    view = open_view(qtbot, window)
    rows = load_rows(library)
    stamps = ["2026-11-27T02:13:59+00:00", "2026-11-27T02:13:03+00:00",
              "2026-11-27T02:13:30+00:00"]
    view.model.set_rows([replace(row, annotation=replace(row.annotation, modified=stamp))
                         for row, stamp in zip(rows, stamps, strict=True)])
    view.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    view.table.sortByColumn(5, Qt.SortOrder.AscendingOrder)
    assert [a.modified for a in view.shown_annotations()] == sorted(stamps)
    assert {view.proxy.index(r, 5).data() for r in range(3)} == {"2026-11-27 02:13"}
    view.table.sortByColumn(5, Qt.SortOrder.DescendingOrder)
    assert [a.modified for a in view.shown_annotations()] == sorted(stamps, reverse=True)
    drain()


def test_double_click_opens_the_document_at_the_passage(qtbot, library):
    window = annotated_window(qtbot, library)
    view = open_view(qtbot, window)
    qtbot.keyClicks(view.text_field, "mortar")
    rect = view.table.visualRect(view.proxy.index(0, 1))
    with qtbot.waitSignal(window.document_shown, timeout=10_000):
        qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.reader.document_view.key == "corpus/liberty.txt"
    assert window.reader.text.textCursor().selectedText() == "Mortar attacks"
    assert window.side_panel.annotations_tab.cards[0].selected
    drain()


def test_the_table_model_is_a_well_behaved_qt_model(qtmodeltester, library):
    library.annotate_quote("corpus/ashraf.txt", PASSAGE, ["witness"])
    library.annotate_quote("corpus/liberty.txt", "Mortar attacks", ["attacks"], "a note")
    model = AnnotationTableModel()
    model.set_rows(load_rows(library))
    qtmodeltester.check(model)
    assert model.rowCount() == 2 and model.columnCount() == 6
