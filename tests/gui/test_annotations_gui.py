"""Tagging as a user does it: select, Ctrl+T, fill the dialog, Save; edit, delete, undo."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from archive_app.gui.annotations_panel import NO_ANNOTATIONS
from archive_app.gui.highlight import annotation_format
from tests.gui.conftest import drain, open_window, search

CTRL = Qt.KeyboardModifier.ControlModifier
PASSAGE = "killed 52 residents"


def open_document(qtbot, window, query: str) -> None:
    with qtbot.waitSignal(window.document_shown, timeout=10_000):
        search(qtbot, window, query)


def drag_select(reader, start: int, end: int) -> None:
    """Select Qt positions start..end, as a mouse drag leaves the text cursor."""
    cursor = reader.text.textCursor()
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    reader.text.setTextCursor(cursor)


def save_dialog(qtbot, window, tags: str, note: str = "") -> None:
    """Type into the open tag dialog and press Save; wait until every view has caught up."""
    dialog = window.annotating.controller.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.tags_field, tags)
    if note:
        qtbot.keyClicks(dialog.note_field, note)
    with qtbot.waitSignals([window.annotating.annotations_shown,
                            window.session.search_finished], timeout=10_000):
        qtbot.mouseClick(dialog.save_button(), Qt.MouseButton.LeftButton)


def wait_for_change(qtbot, window):
    return qtbot.waitSignal(window.annotating.annotations_shown, timeout=10_000)


def test_tagging_a_selection_marks_it_lists_it_and_search_finds_it(qtbot, window):
    open_document(qtbot, window, "ashraf")
    reader = window.reader
    start = reader.document_view.text.index(PASSAGE)  # in the second paragraph
    drag_select(reader, start, start + len(PASSAGE))
    selected = reader.text.textCursor().selectedText()
    qtbot.keyClick(reader.text, Qt.Key.Key_T, CTRL)
    save_dialog(qtbot, window, "witness, people/victims", "Count from UN News")

    [annotation] = window.library.annotations_for("corpus/ashraf.txt")
    assert annotation.exact == selected == PASSAGE
    assert annotation.tags == ["witness", "people/victims"]
    assert annotation.note == "Count from UN News"
    [card] = window.side_panel.annotations_tab.cards
    assert window.side_panel.currentWidget() is window.side_panel.annotations_tab
    assert "witness" in card.tags.text() and "people/victims" in card.tags.text()
    assert card.note.text() == "Count from UN News"
    tint = annotation_format(annotation.color).background()
    text = reader.text.toPlainText()
    tinted = [position for position in range(len(text))
              if reader.mark_format_at(position).background() == tint]
    assert text[tinted[0]:tinted[-1] + 1] == PASSAGE
    assert len(tinted) == len(PASSAGE)
    results = search(qtbot, window, "tag:witness")
    assert [hit.key for hit in results.hits] == ["corpus/ashraf.txt"]
    assert window.facets.item_for("tag", "witness") is not None


def test_the_context_menu_offers_tagging_only_with_a_selection(qtbot, window):
    open_document(qtbot, window, "ashraf")
    action = window.reader.tag_action
    assert not action.isEnabled()
    drag_select(window.reader, 0, 4)
    assert action.isEnabled() and action.text() == "&Tag selection…"
    assert action.shortcut().toString() == "Ctrl+T"


def test_selecting_by_keyboard_past_astral_characters_keeps_offsets_right(
        qtbot, library, tmp_path):
    text = "Emoji notes 😀\n\nFirst 𝔸 paragraph.\n\nThe 🙂 witness saw the 🚀 launch at dawn."
    (tmp_path / "corpus" / "emoji.txt").write_text(text, encoding="utf-8")
    library.sync()
    window = open_window(qtbot, library)
    open_document(qtbot, window, "launch")
    reader = window.reader
    quote = "witness saw the 🚀 launch"
    start = text.index(quote)
    cursor = reader.text.textCursor()
    cursor.setPosition(len(text[:start].encode("utf-16-le")) // 2)
    reader.text.setTextCursor(cursor)
    for _ in quote:  # one key press per character, the rocket included
        qtbot.keyClick(reader.text, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert reader.text.textCursor().selectedText() == quote
    assert reader.selection() == (start, start + len(quote))
    qtbot.keyClick(reader.text, Qt.Key.Key_T, CTRL)
    save_dialog(qtbot, window, "launches")
    [annotation] = window.library.annotations_for("corpus/emoji.txt")
    assert (annotation.exact, annotation.start) == (quote, start)
    [mark] = reader.annotation_marks()
    drag_select(reader, *mark[0])
    assert reader.text.textCursor().selectedText() == quote
    drain()


def annotated_window(qtbot, library):
    """A window on an archive where two passages were tagged before it opened."""
    library.annotate_quote("corpus/ashraf.txt", PASSAGE, ["witness", "people/victims"],
                           "Count from UN News")
    library.annotate_quote("corpus/ashraf.txt", "Witnesses described", ["people/witnesses"])
    library.annotate_quote("corpus/liberty.txt", "Mortar attacks", ["attacks"])
    window = open_window(qtbot, library)
    qtbot.waitUntil(lambda: bool(window.annotating.tags_panel.tags), timeout=10_000)
    return window


def test_tag_tree_nests_hierarchical_tags(qtbot, library):
    window = annotated_window(qtbot, library)
    tags = window.annotating.tags_panel
    people = tags.item_for("people")
    assert [people.child(i).text(0) for i in range(people.childCount())] == [
        "victims", "witnesses"]
    assert people.text(1) == "2"
    assert tags.item_for("witness").text(1) == "1"
    drain()


def test_clicking_a_tag_searches_for_it(qtbot, library):
    window = annotated_window(qtbot, library)
    tree = window.annotating.tags_panel.tree
    window.annotating.tags_dock.raise_()
    item = window.annotating.tags_panel.item_for("attacks")
    with qtbot.waitSignal(window.session.search_finished, timeout=10_000) as found:
        qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton,
                         pos=tree.visualItemRect(item).center())
    assert window.search_bar.query() == "tag:attacks"
    assert [hit.key for hit in found.args[0].hits] == ["corpus/liberty.txt"]
    drain()


def test_renaming_a_tag_updates_the_panel_and_search(qtbot, library, monkeypatch):
    from PySide6.QtWidgets import QInputDialog
    window = annotated_window(qtbot, library)
    open_document(qtbot, window, "ashraf")
    tags = window.annotating.tags_panel
    tags.tree.setCurrentItem(tags.item_for("witness"))
    monkeypatch.setattr(QInputDialog, "getText",
                        staticmethod(lambda *args, **kwargs: ("eyewitness", True)))
    with qtbot.waitSignals([window.annotating.annotations_shown,
                            window.session.search_finished], timeout=10_000):
        qtbot.mouseClick(tags.rename_button, Qt.MouseButton.LeftButton)
    cards = window.side_panel.annotations_tab.cards
    assert "eyewitness" in cards[0].tags.text()
    assert tags.item_for("eyewitness") is not None and tags.item_for("witness") is None
    assert window.reader.document_view.key == "corpus/ashraf.txt"
    assert [h.key for h in search(qtbot, window, "tag:eyewitness").hits] == [
        "corpus/ashraf.txt"]


def test_deleting_an_annotation_then_ctrl_z_brings_it_back(qtbot, library):
    window = annotated_window(qtbot, library)
    open_document(qtbot, window, "ashraf")
    panel = window.side_panel.annotations_tab
    assert len(panel.cards) == 2
    before = panel.cards[0].annotation
    with wait_for_change(qtbot, window):
        qtbot.mouseClick(panel.cards[0].delete_button, Qt.MouseButton.LeftButton)
    assert [c.annotation.id for c in panel.cards] == [panel.annotations()[0].id]
    assert before.id not in [a.id for a in library.annotations_for("corpus/ashraf.txt")]
    assert window.annotating.undo_action.isEnabled()
    with wait_for_change(qtbot, window):
        qtbot.keyClick(window.reader.text, Qt.Key.Key_Z, CTRL)
    restored = panel.cards[0].annotation
    assert (restored.id, restored.tags, restored.note) == (before.id, before.tags, before.note)
    assert len(window.reader.annotation_marks()) == 2
    drain()


def test_deleting_the_last_annotation_shows_the_empty_state(qtbot, library):
    library.annotate_quote("corpus/liberty.txt", "Mortar attacks", ["attacks"])
    window = open_window(qtbot, library)
    open_document(qtbot, window, "mortar")
    panel = window.side_panel.annotations_tab
    with wait_for_change(qtbot, window):
        qtbot.mouseClick(panel.cards[0].delete_button, Qt.MouseButton.LeftButton)
    assert panel.currentWidget() is panel.empty and panel.empty.text() == NO_ANNOTATIONS
    assert window.reader.annotation_marks() == []
    drain()


def test_clicking_a_card_selects_its_passage_and_edit_changes_it(qtbot, library):
    window = annotated_window(qtbot, library)
    open_document(qtbot, window, "ashraf")
    card = window.side_panel.annotations_tab.cards[1]
    qtbot.mouseClick(card.quote, Qt.MouseButton.LeftButton)
    assert window.reader.text.textCursor().selectedText() == "Witnesses described"
    assert card.selected
    qtbot.mouseClick(card.edit_button, Qt.MouseButton.LeftButton)
    dialog = window.annotating.controller.dialog
    assert dialog.tags_field.text() == "people/witnesses"
    with wait_for_change(qtbot, window):
        qtbot.keyClicks(dialog.note_field, "Several accounts")
        qtbot.mouseClick(dialog.save_button(), Qt.MouseButton.LeftButton)
    card = window.side_panel.annotations_tab.cards[1]
    assert card.note.text() == "Several accounts" and card.selected
    drain()


def test_save_needs_a_tag_or_a_note(qtbot, window):
    open_document(qtbot, window, "ashraf")
    drag_select(window.reader, 0, 4)
    qtbot.keyClick(window.reader.text, Qt.Key.Key_T, CTRL)
    dialog = window.annotating.controller.dialog
    assert not dialog.save_button().isEnabled()
    qtbot.keyClicks(dialog.tags_field, " , ")
    assert not dialog.save_button().isEnabled()
    qtbot.keyClicks(dialog.note_field, "x")
    assert dialog.save_button().isEnabled()
    dialog.reject()


def test_ctrl_shift_t_tags_the_whole_document(qtbot, window):
    """A tag and note on the document itself: listed in the side panel as the whole
    document, found by tag:, exported as a W3C target with no selector."""
    open_document(qtbot, window, "ashraf")
    reader = window.reader
    key = reader.document_view.key
    qtbot.keyClick(reader.text, Qt.Key.Key_T, CTRL | Qt.KeyboardModifier.ShiftModifier)
    save_dialog(qtbot, window, "dossier", "Whole report, to cite")
    [annotation] = window.library.annotations_for(key)
    assert annotation.is_document and annotation.tags == ["dossier"]
    [card] = window.side_panel.annotations_tab.cards
    assert "whole document" in card.quote.text()
    assert [hit.key for hit in window.library.search("tag:dossier").hits] == [key]
