"""The Saved searches dock: File ▸ Save search… (Ctrl+S) keeps the query, the chips and the
sort; a click runs it again with all three restored; each shows how many documents are
new since it was last run; Delete is undone by Edit ▸ Undo."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog

from archive_app.gui.facets import chip_label
from tests.core.archive_fixtures import KEYS
from tests.gui.conftest import drain, open_window, search

UN_NEWS = 'source:"UN News"'


def shown(window) -> dict[str, str]:
    """Each saved search in the dock as the user reads it: name -> 'N new'."""
    tree = window.saved.panel.tree
    return {tree.topLevelItem(row).text(0): tree.topLevelItem(row).text(1)
            for row in range(tree.topLevelItemCount())}


def wait_shown(qtbot, window, expected: dict[str, str], timeout: int = 10_000) -> None:
    qtbot.waitUntil(lambda: shown(window) == expected, timeout=timeout)


def click(qtbot, window, name: str) -> None:
    panel = window.saved.panel
    item = panel.item_for(name)
    rect = panel.tree.visualItemRect(item)
    with qtbot.waitSignal(window.session.search_finished, timeout=10_000):
        qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton,
                         pos=rect.center())


def test_the_current_search_is_saved_with_its_chips_and_sort(qtbot, window, monkeypatch):
    assert window.saved.dock.isVisible()
    assert window.saved.panel.empty.isVisible()
    search(qtbot, window, "camp")
    with qtbot.waitSignal(window.session.search_finished, timeout=10_000):
        window.chips.add_filter(UN_NEWS, "Source: UN News")
    with qtbot.waitSignal(window.session.search_finished, timeout=10_000):
        window.search_bar.sort.setCurrentIndex(1)  # newest
    asked = []
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(
        lambda *args, **kwargs: (asked.append(kwargs.get("text")) or "UN camps", True)))
    assert window.save_search_action.shortcut().toString() == "Ctrl+S"
    with qtbot.waitSignal(window.saved.shown, timeout=10_000):
        window.save_search_action.trigger()
    assert asked == ["camp"]  # the name offered is the query
    assert shown(window) == {"UN camps": "0 new"}
    assert not window.saved.panel.empty.isVisible()
    [saved] = window.library.saved_searches()
    assert (saved.query, saved.filters, saved.sort) == ("camp", (UN_NEWS,), "newest")
    assert window.statusBar().currentMessage() == "Search saved as 'UN camps' (Ctrl+Z undoes)."
    drain()
    assert window.annotating.undo_action.text() == "Undo save search 'UN camps'"


def test_nothing_to_save_says_so(qtbot, window, monkeypatch):
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(
        lambda *args, **kwargs: (_ for _ in ()).throw(AssertionError("no dialog"))))
    window.save_search_action.trigger()
    assert window.statusBar().currentMessage().startswith("Search for something first")


def test_a_click_runs_it_again_with_its_chips_and_sort(qtbot, library):
    library.save_search("UN camps", "camp", [UN_NEWS], "newest")
    library.save_search("liberty", "liberty")
    window = open_window(qtbot, library)
    wait_shown(qtbot, window, {"liberty": "0 new", "UN camps": "0 new"})
    search(qtbot, window, "integer")
    click(qtbot, window, "UN camps")
    assert window.search_bar.query() == "camp"
    assert window.chips.filters() == [UN_NEWS] and window.chips.isVisible()
    assert [chip.text() for chip in window.chips.chips()] == ["Source: UN News  ✕"]
    assert window.search_bar.sort_name() == "newest"
    assert [window.model.hit(row).key for row in range(window.model.rowCount())] == [
        KEYS["ashraf"]]
    click(qtbot, window, "liberty")  # the chips of the one before go
    assert window.chips.filters() == [] and not window.chips.isVisible()
    assert window.search_bar.sort_name() == "relevance"
    drain()


def test_new_documents_are_counted_after_indexing_and_seen_by_a_run(qtbot, library,
                                                                     tmp_path):
    library.save_search("camps", "camp")
    library.save_search("rounding", "rounded")
    window = open_window(qtbot, library)
    wait_shown(qtbot, window, {"camps": "0 new", "rounding": "0 new"})
    (tmp_path / "corpus" / "dawn.txt").write_text("Dawn raid\n\nA camp was raided at dawn.",
                                                  encoding="utf-8")
    with qtbot.waitSignal(window.indexing.indexing_finished, timeout=30_000):
        window.reindex()
    wait_shown(qtbot, window, {"camps": "1 new", "rounding": "0 new"})
    item = window.saved.panel.item_for("camps")
    assert item.font(1).bold()
    click(qtbot, window, "camps")
    assert "corpus/dawn.txt" in {window.model.hit(row).key
                                 for row in range(window.model.rowCount())}
    wait_shown(qtbot, window, {"camps": "0 new", "rounding": "0 new"})
    drain()


def test_delete_from_the_dock_is_undone_by_edit_undo(qtbot, library):
    library.save_search("camps", "camp", ["format:txt"], "oldest")
    window = open_window(qtbot, library)
    wait_shown(qtbot, window, {"camps": "0 new"})
    with qtbot.waitSignal(window.saved.shown, timeout=10_000):
        window.saved.panel.delete_requested.emit("camps")  # its context menu's Delete
    assert shown(window) == {}
    assert window.statusBar().currentMessage() == ("Saved search 'camps' deleted (Ctrl+Z "
                                                   "undoes).")
    drain()
    undo = window.annotating.undo_action
    assert undo.isEnabled() and undo.text() == "Undo delete saved search 'camps'"
    with qtbot.waitSignal(window.saved.shown, timeout=10_000):
        undo.trigger()
    assert shown(window) == {"camps": "0 new"}
    [back] = library.saved_searches()
    assert (back.filters, back.sort) == (("format:txt",), "oldest")
    drain()


def test_chip_labels_name_the_facet():
    assert chip_label(UN_NEWS) == "Source: UN News"
    assert chip_label("date:2013") == "Year: 2013"
    assert chip_label("format:pdf") == "Format: pdf"
    assert chip_label("from:ann@example.org") == "Sender: ann@example.org"
    assert chip_label("lang:fa") == "lang:fa"
    assert chip_label("title:(a OR b)") == "title:(a OR b)"
