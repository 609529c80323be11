"""Searching by tag in the window: the reader opens at the tagged passages, F3 steps
through them, and a query naming a renamed tag says so."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.core.archive_fixtures import KEYS
from tests.gui.conftest import open_window, search

FIRST, SECOND = "killed 52 residents", "Witnesses described the massacre"


@pytest.fixture
def tagged_window(qtbot, library):
    library.annotate_quote(KEYS["ashraf"], FIRST, ["people/witnesses"])
    library.annotate_quote(KEYS["ashraf"], SECOND, ["people/witnesses"], "seen by many")
    library.annotate_quote(KEYS["ashraf"], "Camp Ashraf attack", ["events"])
    return open_window(qtbot, library)


def open_first(qtbot, window, query: str):
    with qtbot.waitSignal(window.document_shown, timeout=10_000):
        results = search(qtbot, window, query)
    return results


def at_cursor(reader, length: int) -> str:
    """The text a user sees at the reader's cursor."""
    start = reader.offsets.from_utf16(reader.text.textCursor().position())
    return reader.document_view.text[start:start + length]


def current_hit(reader) -> str:
    start, end = reader.hits[reader.current]
    text = reader.document_view.text
    return text[reader.offsets.from_utf16(start):reader.offsets.from_utf16(end)]


def test_a_leaf_tag_name_finds_the_document_and_opens_it_at_the_passage(qtbot, tagged_window):
    window = tagged_window
    results = open_first(qtbot, window, "tag:witnesses")
    assert [hit.key for hit in results.hits] == [KEYS["ashraf"]]
    reader = window.reader
    assert reader.document_view.key == KEYS["ashraf"]
    assert reader.counter.text() == "1 / 2"
    assert at_cursor(reader, len(FIRST)) == FIRST
    assert current_hit(reader) == FIRST
    # the current hit is drawn over the passage
    selections = reader.text.extraSelections()
    assert [s.cursor.selectionStart() for s in selections] == [reader.hits[0][0]]


def test_f3_and_shift_f3_step_through_the_tagged_passages(qtbot, tagged_window):
    window = tagged_window
    open_first(qtbot, window, "tag:witnesses")
    reader = window.reader
    qtbot.keyClick(window, Qt.Key.Key_F3)
    assert reader.counter.text() == "2 / 2"
    assert at_cursor(reader, len(SECOND)) == SECOND
    qtbot.keyClick(window, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert reader.counter.text() == "1 / 2"
    assert at_cursor(reader, len(FIRST)) == FIRST


def test_a_note_query_opens_the_reader_at_the_noted_passage(qtbot, tagged_window):
    window = tagged_window
    open_first(qtbot, window, "note:many")
    reader = window.reader
    assert reader.counter.text() == "1 / 1"
    assert at_cursor(reader, len(SECOND)) == SECOND


def test_a_search_naming_a_renamed_tag_says_so_and_offers_the_new_name(qtbot, tagged_window):
    window = tagged_window
    window.library.rename_tag("people/witnesses", "people/eyewitnesses")
    results = search(qtbot, window, "tag:people/witnesses")
    assert results.total == 0
    bar = window.search_bar
    assert bar.notice_label.isVisible()
    assert bar.notice_label.text() == (
        "Tag 'people/witnesses' was renamed to 'people/eyewitnesses'.")
    assert bar.suggestion_label.isVisible()
    with qtbot.waitSignal(window.session.search_finished, timeout=5_000) as corrected:
        bar.suggestion_label.linkActivated.emit("suggest")
    assert bar.query() == "tag:people/eyewitnesses"
    assert corrected.args[0].total == 1
    assert not bar.notice_label.isVisible()
