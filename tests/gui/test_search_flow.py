"""Searching as a user: type, see counts and highlighted snippets, narrow by facets, errors."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from archive_app.gui.results import HIT_ROLE
from tests.gui.conftest import drain, search


def test_typing_a_query_fills_the_results_and_count(qtbot, window):
    results = search(qtbot, window, "massacre")
    assert results.total == 2
    assert window.model.rowCount() == 2
    assert window.search_bar.count_label.text().startswith("2 documents")
    assert "ms" in window.search_bar.count_label.text()


def test_typing_without_enter_searches_after_a_pause(qtbot, window):
    with qtbot.waitSignal(window.session.search_finished, timeout=5_000) as blocker:
        qtbot.keyClicks(window.search_bar.field, "integer")
    assert blocker.args[0].query == "integer"


def test_snippets_highlight_the_matched_words(qtbot, window):
    search(qtbot, window, "attack")
    for row in range(window.model.rowCount()):
        hit = window.model.index(row).data(HIT_ROLE)
        marked = [snippet.text[a:b].lower() for snippet in hit.snippets
                  for a, b in snippet.highlights]
        assert marked
        assert all(word.startswith("attack") for word in marked)


def test_results_are_keyboard_navigable(qtbot, window):
    search(qtbot, window, "camp")
    window.results.setFocus()
    assert window.results.currentIndex().row() == 0
    with qtbot.waitSignal(window.document_shown, timeout=5_000):
        qtbot.keyClick(window.results, Qt.Key.Key_Down)
    assert window.results.currentIndex().row() == 1
    hit = window.model.hit(1)
    assert window.reader.document_view.key == hit.key


def test_a_facet_narrows_and_its_chip_widens_again(qtbot, window):
    results = search(qtbot, window, "camp")
    assert results.total == 2
    window.facets.expandAll()
    item = window.facets.item_for("source", "UN News")
    rect = window.facets.visualItemRect(item)
    with qtbot.waitSignal(window.session.search_finished, timeout=5_000) as narrowed:
        qtbot.mouseClick(window.facets.viewport(), Qt.MouseButton.LeftButton,
                         pos=rect.center())
    assert narrowed.args[0].total == 1
    assert window.model.rowCount() == 1
    chips = window.chips.chips()
    assert len(chips) == 1 and "UN News" in chips[0].text()
    assert window.chips.isVisible()
    with qtbot.waitSignal(window.session.search_finished, timeout=5_000) as widened:
        qtbot.mouseClick(chips[0], Qt.MouseButton.LeftButton)
    assert widened.args[0].total == 2
    assert window.chips.filters() == []


def test_a_year_facet_filters_by_date(qtbot, window):
    search(qtbot, window, "camp")
    with qtbot.waitSignal(window.session.search_finished, timeout=5_000) as narrowed:
        window.facets.item_for("year", "2014").setSelected(True)
        window.facets.itemClicked.emit(window.facets.item_for("year", "2014"), 0)
    assert [hit.key for hit in narrowed.args[0].hits] == ["corpus/liberty.txt"]
    assert window.chips.filters() == ["date:2014"]


def test_a_bad_query_shows_an_inline_message_and_no_dialog(qtbot, window, monkeypatch):
    def no_dialog(*args, **kwargs):
        raise AssertionError("a dialog was opened for a bad query")

    for name in ("critical", "warning", "information", "question"):
        monkeypatch.setattr(QMessageBox, name, no_dialog)
    with qtbot.waitSignal(window.session.search_failed, timeout=5_000) as failed:
        qtbot.keyClicks(window.search_bar.field, "title:(")
        qtbot.keyClick(window.search_bar.field, "\r")
    message = failed.args[0]
    assert window.search_bar.error_label.isVisible()
    assert message in window.search_bar.error_label.text()
    assert window.search_bar.count_label.text() == ""
    search(qtbot, window, "camp")
    assert not window.search_bar.error_label.isVisible()


def test_a_newer_query_supersedes_an_older_one(qtbot, window):
    delivered = []
    window.session.search_finished.connect(lambda results: delivered.append(results.query))
    window.search_bar.field.setText("camp")
    window.search_bar.search_now()
    window.search_bar.field.setText("integer")
    window.search_bar.search_now()
    qtbot.waitUntil(lambda: delivered == ["integer"], timeout=5_000)
    drain()
    assert delivered == ["integer"]
    assert {hit.key for hit in window.model.hits} == {"corpus/code/integer.txt",
                                                      "corpus/code/report.txt"}


def test_did_you_mean_offers_the_corrected_query(qtbot, window):
    results = search(qtbot, window, "massacer")
    assert results.suggestion
    assert window.search_bar.suggestion_label.isVisible()
    with qtbot.waitSignal(window.session.search_finished, timeout=5_000) as corrected:
        window.search_bar.suggestion_label.linkActivated.emit("suggest")
    assert corrected.args[0].total >= 1
    assert window.search_bar.query() == results.suggestion


def test_escape_clears_and_ctrl_l_focuses_the_search(qtbot, window):
    search(qtbot, window, "camp")
    window.results.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.search_bar.field.hasFocus()
    qtbot.keyClick(window.search_bar.field, Qt.Key.Key_Escape)
    assert window.search_bar.query() == ""
    assert window.model.rowCount() == 0


def test_sort_newest_puts_the_latest_first(qtbot, window):
    search(qtbot, window, "camp")
    with qtbot.waitSignal(window.session.search_finished, timeout=5_000) as sorted_:
        window.search_bar.sort.setCurrentIndex(1)
    assert [hit.date for hit in sorted_.args[0].hits] == ["2014-12-30", "2013-09-01"]


def test_search_within_pins_the_query_as_a_chip_and_narrows_the_next(qtbot, window):
    everything = search(qtbot, window, "massacre")
    assert everything.total == 2
    window.search_bar.field.setFocus()
    with qtbot.waitSignal(window.session.search_finished, timeout=5_000) as pinned:
        qtbot.keyClick(window.search_bar.field, Qt.Key.Key_F,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert pinned.args[0].total == 2  # the same documents, now as a filter
    assert window.search_bar.query() == ""
    assert window.search_within.action.isChecked()
    chips = window.chips.chips()
    assert [chip.text() for chip in chips] == ["Within: massacre  ✕"]
    alone = window.library.search("camp", limit=50).total
    within = search(qtbot, window, "camp")
    assert 0 < within.total < alone  # massacre AND camp, not every camp
    marked = {snippet.text[a:b].lower() for hit in within.hits for snippet in hit.snippets
              for a, b in snippet.highlights}
    assert marked == {"camp"}  # the new query's words are the hits, not the earlier's
    assert {hit.key for hit in within.hits} <= {hit.key for hit in everything.hits}
    with qtbot.waitSignal(window.session.search_finished, timeout=5_000) as widened:
        qtbot.mouseClick(window.chips.chips()[0], Qt.MouseButton.LeftButton)
    assert widened.args[0].total == alone
    assert not window.search_within.action.isChecked()


def test_search_within_with_nothing_searched_says_so(qtbot, window):
    window.search_bar.set_query("", search=False)
    window.search_within.action.trigger()
    assert not window.search_within.action.isChecked()
    assert window.chips.filters() == []
    assert "Search first" in window.search_bar.error_label.text()
