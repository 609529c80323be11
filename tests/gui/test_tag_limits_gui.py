"""Hostile tags in the window (issue 13.10): the Tags dock survives a tag stored before the
limits, and a too-deep tag typed in the dialog is explained without losing the note."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from archive_app.core.annotations.records import MAX_TAG_DEPTH
from tests.core.archive_fixtures import store_connection
from tests.gui.conftest import drain, open_window
from tests.gui.test_annotations_gui import drag_select, open_document

DEEP = "/".join(f"level{i}" for i in range(20_000))


def plant_legacy_tag(library, name: str) -> None:
    """A tag as an older version stored it, before depth and length were limited."""
    annotation = library.annotate_quote("corpus/ashraf.txt", "massacre", ["ordinary"])
    db = store_connection(library)
    tag_id = db.execute("INSERT INTO tags(name, color) VALUES (?, '#f6c945')",
                        (name,)).lastrowid
    db.execute("INSERT INTO annotation_tags(annotation_id, tag_id, position) VALUES (?, ?, 1)",
               (annotation.id, tag_id))


def depth(item) -> int:
    levels = 0
    while item.parent() is not None:
        item, levels = item.parent(), levels + 1
    return levels


def test_the_tags_dock_shows_a_20000_level_legacy_tag_without_recursion(qtbot, library):
    plant_legacy_tag(library, DEEP)
    window = open_window(qtbot, library)
    tags = window.annotating.tags_panel
    qtbot.waitUntil(lambda: bool(tags.tags), timeout=10_000)
    items = tags._items(tags.tree.invisibleRootItem())
    assert len(items) == MAX_TAG_DEPTH + 1  # the deep chain, and 'ordinary'
    deepest = tags.item_for(DEEP)
    assert depth(deepest) == MAX_TAG_DEPTH - 1
    assert len(deepest.text(0)) <= 60 and deepest.text(0).endswith("…")
    assert deepest.text(1) == "1"
    drain()


def test_a_too_deep_tag_typed_in_the_dialog_is_explained_and_the_note_kept(qtbot, window,
                                                                           monkeypatch):
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(
        lambda _parent, title, text, *args, **kwargs: warnings.append((title, text))))
    open_document(qtbot, window, "ashraf")
    drag_select(window.reader, 0, 4)
    qtbot.keyClick(window.reader.text, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    dialog = window.annotating.controller.dialog
    qtbot.keyClicks(dialog.tags_field, "a/b/c/d/e/f/g/h/i")
    qtbot.keyClicks(dialog.note_field, "my careful note")
    qtbot.mouseClick(dialog.save_button(), Qt.MouseButton.LeftButton)
    [(title, text)] = warnings
    assert title == "Tag not saved"
    assert "has 9 levels" in text and "at most 8" in text
    again = window.annotating.controller.dialog
    assert again is not None and again is not dialog and again.isVisible()
    assert again.tags_field.text() == "a/b/c/d/e/f/g/h/i"
    assert again.note_field.toPlainText() == "my careful note"
    assert window.library.all_annotations() == []
    again.reject()
