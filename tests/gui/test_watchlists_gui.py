"""Tools ▸ Watch-lists… as a user works it: import a list, see the Watch-lists facet,
the dotted marks in the reader and the side panel's names, the table of entities
together, and deleting the list."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QTextCharFormat

from tests.gui.conftest import search

LIST = "Camp Ashraf,Ashraf,اشرف\nCamp Liberty,Liberty\nBaghdad,بغداد\n"


def import_list(qtbot, window, tmp_path):
    path = tmp_path / "places.csv"
    path.write_text(LIST, encoding="utf-8")
    dialog = window.open_watchlists()
    with qtbot.waitSignal(dialog.lists_changed, timeout=20_000):
        dialog.import_csv(str(path), "Places")
    return dialog


def test_an_imported_list_is_a_facet_marks_in_the_reader_and_names_in_the_panel(
        qtbot, window, tmp_path):
    dialog = import_list(qtbot, window, tmp_path)
    assert dialog.lists.item(0).text() == "Places  (3 entities)"
    assert "Imported places.csv" in dialog.status.text()
    results = search(qtbot, window, "camp")
    assert dict(results.facets["entity"]) == {"Camp Ashraf": 1, "Camp Liberty": 1,
                                              "Baghdad": 1}
    window.facets.expandAll()
    assert window.facets.item_for("entity", "Camp Liberty") is not None
    liberty = next(row for row in range(window.model.rowCount())
                   if window.model.hit(row).key.endswith("liberty.txt"))
    with qtbot.waitSignal(window.document_shown, timeout=10_000):
        window.results.setCurrentIndex(window.model.index(liberty))
    qtbot.waitUntil(lambda: bool(window.reader.entity_marks), timeout=10_000)
    assert len(window.reader.entity_marks) == 3  # "Liberty" inside "Camp Liberty": once
    text = window.reader.document_view.text
    start = text.index("Camp Liberty")
    shown = window.reader.mark_format_at(start + 1)
    assert shown.underlineStyle() == QTextCharFormat.UnderlineStyle.DotLine
    assert shown.underlineColor().name() == window.library.watchlist("Places").color.lower()
    panel = window.side_panel.source_tab.entities.text()
    assert "Watch-lists: Baghdad, Camp Liberty" in panel
    assert "Dates in the text" not in panel or "2013" in panel


@pytest.mark.qt_log_ignore("This plugin does not support")  # offscreen: a second dialog
def test_the_table_of_entities_together_and_deleting_the_list(qtbot, window, tmp_path):
    dialog = import_list(qtbot, window, tmp_path)
    search(qtbot, window, "camp OR baghdad")
    dialog.show_cooccurrence()
    qtbot.waitUntil(lambda: dialog.cooccurrence is not None, timeout=10_000)
    table = dialog.cooccurrence.table
    names = [table.verticalHeaderItem(row).text() for row in range(table.rowCount())]
    assert set(names) == {"Camp Ashraf", "Camp Liberty", "Baghdad"}
    liberty, baghdad = names.index("Camp Liberty"), names.index("Baghdad")
    assert table.item(liberty, baghdad).text() == "1"  # liberty.txt names both
    assert table.item(names.index("Camp Ashraf"), baghdad).text() == ""
    out = tmp_path / "together.csv"
    dialog.cooccurrence.export_csv(str(out))
    assert out.read_text("utf-8").splitlines()[0].split(",")[1:] == names
    dialog.cooccurrence.close()
    with qtbot.waitSignal(dialog.lists_changed, timeout=20_000):
        dialog.delete_list(confirm=False)
    assert dialog.lists.count() == 0
    results = search(qtbot, window, "camp")
    assert results.facets["entity"] == []
    dialog.close()
