"""Exact copies in the window: one result row saying "3 copies" (the paths in its
tooltip), the side panel's list of the other copies, which opens them, a tag made in one
copy shown in another, and View ▸ Show copies separately."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from archive_app.gui.app import open_settings
from archive_app.gui.main_window import COPIES_KEY
from archive_app.gui.results import byline
from tests.conftest import write_files
from tests.gui.conftest import open_window, search

ARTICLE = ("Camp Ashraf was attacked on 1 September 2013. Residents reported many "
           "casualties near the main gate.\n")


@pytest.fixture
def copies_window(qtbot, empty_library, tmp_path):
    corpus = write_files(tmp_path / "news", {
        "outlet-a/article.txt": ARTICLE, "outlet-b/reprint.txt": ARTICLE,
        "forwarded.txt": ARTICLE, "other.txt": "A different account of the gate.\n"})
    empty_library.sync([corpus])
    return open_window(qtbot, empty_library)


def test_copies_are_one_row_and_the_panel_lists_the_others(qtbot, copies_window):
    window = copies_window
    results = search(qtbot, window, "casualties")
    assert results.total == 1 and window.model.rowCount() == 1
    hit = window.model.hit(0)
    assert "3 copies" in byline(hit)
    tooltip = window.model.data(window.model.index(0), Qt.ItemDataRole.ToolTipRole)
    assert "3 copies of this text, also at:" in tooltip
    assert all(path in tooltip for _, path in hit.copies)
    qtbot.waitUntil(lambda: window.reader.document_view is not None
                    and window.reader.document_view.key == hit.key, timeout=10_000)
    panel = window.side_panel.source_tab.connections
    qtbot.waitUntil(lambda: panel.copies.count() == 2, timeout=10_000)
    assert panel.copies_heading.text() == "Copies of this text (3)"
    assert panel.copies.isVisibleTo(window)
    other = panel.copies.item(0).data(Qt.ItemDataRole.UserRole)
    with qtbot.waitSignal(window.document_shown, timeout=10_000):
        panel.copies.itemClicked.emit(panel.copies.item(0))
    assert window.reader.document_view.key == other


def test_a_tag_in_one_copy_shows_in_another(qtbot, copies_window):
    window = copies_window
    library = window.library
    start = ARTICLE.index("casualties")
    library.annotate("news/forwarded.txt", start, start + 10, ["victims"])
    with qtbot.waitSignal(window.document_shown, timeout=10_000):
        window.session.open_document("news/outlet-b/reprint.txt")
    assert len(window.annotating.panel.cards) == 1
    assert [a.tags for a in window.reader.annotations] == [["victims"]]


def test_show_copies_separately_is_a_setting_kept_for_the_next_window(
        qtbot, copies_window, empty_library):
    window = copies_window
    search(qtbot, window, "casualties")
    assert window.model.rowCount() == 1
    with qtbot.waitSignal(window.session.search_finished, timeout=10_000) as shown:
        window.copies_action.setChecked(True)
    assert shown.args[0].total == 3 and window.model.rowCount() == 3
    assert open_settings(empty_library.paths).value(COPIES_KEY) in (True, "true")
    again = open_window(qtbot, empty_library)
    assert again.copies_action.isChecked() and again.session.copies == "separate"
