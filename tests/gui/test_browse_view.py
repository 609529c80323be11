"""The Browse tab (gui/browse_view.py) in the real window over a real index of real
files: nested folders, a zip with folders inside, a mailbox, a PDF and a skipped file."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from archive_app.core.library import Library
from archive_app.gui.browse_view import ADDRESS_ROLE, FETCH_BATCH, BrowseModel
from archive_app.gui.main_window import BROWSE_TAB, RESULTS_TAB
from tests.conftest import write_files
from tests.core.browse_fixtures import make_browse_corpus
from tests.gui.conftest import open_window, search

TIMEOUT = 15_000


@pytest.fixture
def browse_window(qtbot, empty_library: Library, tmp_path, leak_watch):
    empty_library.sync([make_browse_corpus(tmp_path)])
    window = open_window(qtbot, empty_library)
    yield window
    leak_watch.check()


def open_browse(qtbot, window):
    """Ctrl+B, as a user would, and wait for the archive's folders."""
    view = window.browse
    with qtbot.waitSignal(view.folder_loaded, timeout=TIMEOUT):
        qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert window.results_tabs.currentIndex() == BROWSE_TAB
    # the archive's one folder is opened by itself: its children come next
    qtbot.waitUntil(lambda: view.item_for("harbour/notes") is not None, timeout=TIMEOUT)
    return view


def tree_labels(view, address: str = "") -> list[str]:
    parent = view.item_for(address) if address else view.folder_model.invisibleRootItem()
    return [parent.child(row).text() for row in range(parent.rowCount())]


def expand(qtbot, view, address: str) -> None:
    item = view.item_for(address)
    assert item is not None, address
    with qtbot.waitSignal(view.folder_loaded, timeout=TIMEOUT,
                          check_params_cb=lambda loaded: loaded == address):
        view.tree.expand(item.index())


def choose(qtbot, view, address: str):
    """Click a folder in the tree; returns the listing the table then shows."""
    item = view.item_for(address)
    with qtbot.waitSignal(view.listing_shown, timeout=TIMEOUT) as shown:
        rect = view.tree.visualRect(item.index())
        qtbot.mouseClick(view.tree.viewport(), Qt.MouseButton.LeftButton,
                         pos=rect.center())
    return shown.args[0]


def table_column(view, column: int) -> list[str]:
    model = view.table.model()
    return [model.index(row, column).data() for row in range(model.rowCount())]


def click_header(qtbot, view, column: int):
    header = view.table.horizontalHeader()
    with qtbot.waitSignal(view.listing_shown, timeout=TIMEOUT) as shown:
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(header.sectionViewportPosition(column) + 10,
                                    header.height() // 2))
    return shown.args[0]


def test_ctrl_b_shows_the_folder_tree_and_expanding_a_folder_reads_its_children(
        qtbot, browse_window):
    view = open_browse(qtbot, browse_window)
    assert view.tree.hasFocus()
    assert tree_labels(view) == ["harbour  (14, 1 skipped)"]
    assert tree_labels(view, "harbour") == ["leaks  (4)", "mail  (5)",
                                            "notes  (5, 1 skipped)"]
    expand(qtbot, view, "harbour/leaks")
    assert tree_labels(view, "harbour/leaks") == ["🗜 bundle.zip  (3)"]
    expand(qtbot, view, "harbour/leaks/bundle.zip")
    assert tree_labels(view, "harbour/leaks/bundle.zip") == ["finance  (2)"]
    expand(qtbot, view, "harbour/mail")
    expand(qtbot, view, "harbour/mail/desk.mbox")
    assert tree_labels(view, "harbour/mail/desk.mbox") == ["✉ Gauge readings attached  (1)"]


def test_a_folder_lists_its_documents_and_its_skipped_files(qtbot, browse_window):
    view = open_browse(qtbot, browse_window)
    expand(qtbot, view, "harbour/notes")
    listing = choose(qtbot, view, "harbour/notes/2014")
    assert listing.address == "harbour/notes/2014"
    assert table_column(view, 0) == ["Delta Nachrichten", "Gamma channel log"]
    assert view.skipped.isVisible() and view.skipped.topLevelItemCount() == 1
    skipped = view.skipped.topLevelItem(0)
    assert skipped.text(0) == "empty.txt" and skipped.text(1).startswith("empty: ")
    assert "2 documents here" in view.count_label.text()
    assert "1 skipped" in view.count_label.text()
    choose(qtbot, view, "harbour/notes")
    assert table_column(view, 0) == ["Harbour Report 2013"]
    assert table_column(view, 5) == ["3"]  # pages
    assert not view.skipped.isVisible()


def test_sorting_by_date_from_the_header(qtbot, browse_window):
    view = open_browse(qtbot, browse_window)
    expand(qtbot, view, "harbour/mail")
    choose(qtbot, view, "harbour/mail/desk.mbox")
    assert table_column(view, 0)[0].endswith("Gauge readings attached")
    listing = click_header(qtbot, view, 3)  # Date
    assert (listing.sort, listing.descending) == ("date", False)
    assert table_column(view, 3) == ["2015-02-02", "2015-02-03", "2015-02-04"]
    listing = click_header(qtbot, view, 3)  # again: newest first
    assert listing.descending
    assert table_column(view, 3) == ["2015-02-04", "2015-02-03", "2015-02-02"]
    assert view.table.horizontalHeader().sortIndicatorSection() == 3
    choose(qtbot, view, "harbour/notes")  # another folder keeps the order chosen
    expand(qtbot, view, "harbour/notes")
    listing = choose(qtbot, view, "harbour/notes/2013")
    assert listing.sort == "date" and table_column(view, 0) == ["Beta dredging",
                                                                "Alpha soundings"]


def test_filtering_by_format_narrows_the_table_and_the_counts(qtbot, browse_window):
    view = open_browse(qtbot, browse_window)
    expand(qtbot, view, "harbour/notes")
    choose(qtbot, view, "harbour/notes/2014")
    assert view.facet_box.currentData() == "format"
    offered = [view.value_box.itemData(n) for n in range(view.value_box.count())]
    assert sorted(offered) == ["md", "txt"]
    with qtbot.waitSignal(view.listing_shown, timeout=TIMEOUT):
        qtbot.keyClicks(view.value_box.lineEdit(), "md")
        qtbot.keyClick(view.value_box.lineEdit(), Qt.Key.Key_Return)
    assert view.chips.filters() == ["format:md"]
    assert [chip.text() for chip in view.chips.chips()] == ["Format: md  ✕"]
    assert table_column(view, 0) == ["Delta Nachrichten"]
    qtbot.waitUntil(lambda: tree_labels(view) == ["harbour  (4, 1 skipped)"],
                    timeout=TIMEOUT)
    with qtbot.waitSignal(view.listing_shown, timeout=TIMEOUT):
        view.chips.chips()[0].click()  # the chip's ✕: the filter goes
    assert table_column(view, 0) == ["Delta Nachrichten", "Gamma channel log"]


def test_double_clicking_a_document_opens_it_in_the_reader(qtbot, browse_window):
    view = open_browse(qtbot, browse_window)
    expand(qtbot, view, "harbour/leaks")
    expand(qtbot, view, "harbour/leaks/bundle.zip")
    choose(qtbot, view, "harbour/leaks/bundle.zip//finance")
    rect = view.table.visualRect(view.table.model().index(0, 0))
    with qtbot.waitSignal(browse_window.document_shown, timeout=TIMEOUT):
        qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    shown = browse_window.reader.document_view
    assert shown.key == "harbour/leaks/bundle.zip//finance/q3.txt"
    assert "Income rose." in browse_window.reader.text.toPlainText()
    assert browse_window.results_tabs.currentIndex() == BROWSE_TAB  # the table stays
    assert browse_window.splitter.sizes()[0] > 317  # the tab widened its pane


def test_enter_opens_a_row_and_a_new_search_shows_its_results(qtbot, browse_window):
    view = open_browse(qtbot, browse_window)
    expand(qtbot, view, "harbour/notes")
    choose(qtbot, view, "harbour/notes/2013")
    view.table.setFocus()
    view.table.setCurrentIndex(view.table.model().index(1, 0))
    with qtbot.waitSignal(browse_window.document_shown, timeout=TIMEOUT):
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert browse_window.reader.document_view.key == "harbour/notes/2013/beta.md"
    search(qtbot, browse_window, "soundings")
    assert browse_window.results_tabs.currentIndex() == RESULTS_TAB


def test_the_table_makes_rows_as_it_scrolls(qtbot, empty_library, tmp_path):
    folder = write_files(tmp_path / "many", {f"flat/doc{n:04d}.txt": f"Item {n:04d}\n\nx\n"
                                            for n in range(FETCH_BATCH * 2 + 50)})
    empty_library.sync([folder])
    model = BrowseModel()
    model.set_listing(empty_library.browse("many/flat"))
    assert model.rowCount() == FETCH_BATCH and model.canFetchMore()
    model.fetchMore()
    model.fetchMore()
    assert model.rowCount() == FETCH_BATCH * 2 + 50 and not model.canFetchMore()
    assert model.index(FETCH_BATCH * 2 + 49, 0).data() == f"Item {FETCH_BATCH * 2 + 49:04d}"


def test_a_folder_item_carries_its_address(qtbot, browse_window):
    view = open_browse(qtbot, browse_window)
    item = view.folder_model.invisibleRootItem().child(0)
    assert item.data(ADDRESS_ROLE) == "harbour"


def test_the_table_model_is_a_well_behaved_qt_model(qtmodeltester, empty_library, tmp_path):
    empty_library.sync([make_browse_corpus(tmp_path)])
    model = BrowseModel()
    model.set_listing(empty_library.browse("harbour/mail/desk.mbox"))
    qtmodeltester.check(model)


def test_backspace_in_the_table_goes_up_a_folder(qtbot, browse_window):
    view = open_browse(qtbot, browse_window)
    expand(qtbot, view, "harbour/notes")
    choose(qtbot, view, "harbour/notes/2013")
    view.table.setFocus()
    with qtbot.waitSignal(view.listing_shown, timeout=TIMEOUT) as shown:
        qtbot.keyClick(view.table, Qt.Key.Key_Backspace)
    assert shown.args[0].address == "harbour/notes"
    assert view.place_label.text() == "harbour › notes"


def test_tagging_a_document_opened_from_browse_updates_its_notes_column(qtbot, browse_window):
    from tests.gui.test_annotations_gui import drag_select

    view = open_browse(qtbot, browse_window)
    expand(qtbot, view, "harbour/notes")
    choose(qtbot, view, "harbour/notes/2014")
    assert table_column(view, 7) == ["", ""]  # Notes
    view.table.setFocus()
    view.table.setCurrentIndex(view.table.model().index(1, 0))
    with qtbot.waitSignal(browse_window.document_shown, timeout=TIMEOUT):
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    reader = browse_window.reader
    start = reader.document_view.text.index("buoy")
    drag_select(reader, start, start + len("buoy"))
    qtbot.keyClick(reader.text, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    dialog = browse_window.annotating.controller.dialog
    qtbot.keyClicks(dialog.tags_field, "moorings")
    with qtbot.waitSignal(view.listing_shown, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.save_button(), Qt.MouseButton.LeftButton)
    assert table_column(view, 0) == ["Delta Nachrichten", "Gamma channel log"]
    assert table_column(view, 7) == ["", "1"]
