"""Edit ▸ Undo and Redo in the window: they name the change and undo exactly that one.

The defect (issue 12.1): after merging a tag in the Tags dock, Ctrl+Z said "Undone.",
left the merge and deleted the user's newest, unrelated annotation.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox

from tests.gui.conftest import drain, open_window

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def edit_action(window, text: str):
    """The Edit menu's action whose text starts with `text` (as the user reads it)."""
    [edit] = [action.menu() for action in window.menuBar().actions()
              if action.text().replace("&", "") == "Edit"]
    found = [action for action in edit.actions()
             if action.text().replace("&&", "&").startswith(text)]
    assert len(found) == 1, [action.text() for action in edit.actions()]
    return found[0]


def annotated(qtbot, library):
    """Two tags on passages, then the user's newest annotation, unrelated to them."""
    library.annotate_quote("corpus/ashraf.txt", "52 residents", ["numbers"], note="count")
    library.annotate_quote("corpus/liberty.txt", "Mortar attacks", ["displacement"])
    library.annotate_quote("corpus/ashraf.txt", "Witnesses described", ["people"],
                           note="the newest")
    window = open_window(qtbot, library)
    qtbot.waitUntil(lambda: bool(window.annotating.tags_panel.tags), timeout=10_000)
    return window


def what_is_stored(library):
    return sorted((a.exact, tuple(a.tags), a.note) for a in library.all_annotations())


def change(qtbot, window, act) -> None:
    """Do something and wait until every view has shown its result."""
    with qtbot.waitSignal(window.annotating.annotations_shown, timeout=10_000):
        act()
    drain()


def merge_in_tags_dock(qtbot, window, monkeypatch, source: str, target: str) -> None:
    tags = window.annotating.tags_panel
    window.annotating.tags_dock.raise_()
    tags.tree.setCurrentItem(tags.item_for(source))
    monkeypatch.setattr(QInputDialog, "getItem",
                        staticmethod(lambda *args, **kwargs: (target, True)))
    change(qtbot, window, lambda: qtbot.mouseClick(tags.merge_button,
                                                   Qt.MouseButton.LeftButton))


def test_undo_after_a_merge_undoes_the_merge_and_nothing_else(qtbot, library, monkeypatch):
    window = annotated(qtbot, library)
    before = what_is_stored(library)
    undo, redo = edit_action(window, "Undo"), edit_action(window, "Redo")
    assert undo.text() == "Undo tag passage in 'Camp Ashraf attack'"
    assert (redo.text(), redo.isEnabled()) == ("Redo", False)
    assert undo.shortcut().toString() == "Ctrl+Z"
    assert redo.shortcut().toString() == "Ctrl+Shift+Z"

    merge_in_tags_dock(qtbot, window, monkeypatch, "numbers", "displacement")
    tags = window.annotating.tags_panel
    assert tags.item_for("numbers") is None
    assert undo.text() == "Undo merge 'numbers' into 'displacement'" and undo.isEnabled()

    change(qtbot, window, undo.trigger)
    assert what_is_stored(library) == before  # the newest annotation is still there
    assert tags.item_for("numbers").text(1) == "1"
    assert tags.item_for("displacement").text(1) == "1"
    assert window.statusBar().currentMessage() == (
        "Undone: merge 'numbers' into 'displacement'.")
    assert undo.text() == "Undo tag passage in 'Camp Ashraf attack'"
    assert redo.text() == "Redo merge 'numbers' into 'displacement'" and redo.isEnabled()

    change(qtbot, window, redo.trigger)
    assert tags.item_for("numbers") is None
    assert tags.item_for("displacement").text(1) == "2"
    assert window.statusBar().currentMessage() == (
        "Redone: merge 'numbers' into 'displacement'.")
    assert (redo.text(), redo.isEnabled()) == ("Redo", False)
    assert len(library.all_annotations()) == 3


def test_ctrl_z_and_ctrl_shift_z_work_from_the_reader(qtbot, library, monkeypatch):
    window = annotated(qtbot, library)
    merge_in_tags_dock(qtbot, window, monkeypatch, "numbers", "displacement")
    window.reader.text.setFocus()
    change(qtbot, window, lambda: qtbot.keyClick(window.reader.text, Qt.Key.Key_Z, CTRL))
    assert {t.name for t in library.tags()} == {"numbers", "displacement", "people"}
    change(qtbot, window, lambda: qtbot.keyClick(window.reader.text, Qt.Key.Key_Z,
                                                 CTRL | SHIFT))
    assert {t.name for t in library.tags()} == {"displacement", "people"}


def test_deleting_a_tag_says_it_can_be_undone_and_undo_brings_it_back(qtbot, library,
                                                                       monkeypatch):
    window = annotated(qtbot, library)
    asked = []

    def answer(_parent, title, text, *args, **kwargs):
        asked.append((title, text))
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(answer))
    tags = window.annotating.tags_panel
    tags.tree.setCurrentItem(tags.item_for("numbers"))
    change(qtbot, window, lambda: qtbot.mouseClick(tags.delete_button,
                                                   Qt.MouseButton.LeftButton))
    [(title, text)] = asked
    assert "Ctrl+Z" in text and "Edit ▸ Undo" in text and "undo" in text.lower()
    assert "notes" in text and "kept" in text
    assert tags.item_for("numbers") is None
    assert edit_action(window, "Undo").text() == "Undo delete tag 'numbers'"
    change(qtbot, window, edit_action(window, "Undo").trigger)
    assert tags.item_for("numbers").text(1) == "1"
    assert [a.tags for a in library.all_annotations(tag="numbers")] == [["numbers"]]


def retitle_liberty(qtbot, window, title: str) -> None:
    """Open corpus/liberty.txt and give it a new title through Edit…, as a user would."""
    with qtbot.waitSignal(window.document_shown, timeout=10_000):
        window.session.open_document("corpus/liberty.txt")
    with qtbot.waitSignal(window.editor.metadata_saved, timeout=10_000):
        qtbot.mouseClick(window.side_panel.source_tab.edit_button, Qt.MouseButton.LeftButton)
        window.editor.dialog.fields["title"].setText(title)
        window.editor.dialog.accept()
    drain()


def test_a_metadata_edit_is_on_the_same_history(qtbot, library):
    window = annotated(qtbot, library)
    retitle_liberty(qtbot, window, "Relocation report")
    undo = edit_action(window, "Undo")
    assert undo.text() == "Undo edit metadata of 'Relocation report'"
    with qtbot.waitSignal(window.editor.metadata_saved, timeout=10_000):
        undo.trigger()
    qtbot.waitUntil(lambda: window.side_panel.source_tab.values["title"].text()
                    == "Camp Liberty relocation", timeout=10_000)
    drain()
    assert library.document("corpus/liberty.txt").title == "Camp Liberty relocation"
    assert len(library.all_annotations()) == 3  # the newest annotation is untouched
    assert window.statusBar().currentMessage() == (
        "Undone: edit metadata of 'Relocation report'.")
    assert edit_action(window, "Redo").text() == "Redo edit metadata of 'Relocation report'"


def test_undo_with_nothing_to_undo_is_disabled_and_plain(qtbot, window):
    undo, redo = edit_action(window, "Undo"), edit_action(window, "Redo")
    assert (undo.text(), undo.isEnabled()) == ("Undo", False)
    assert (redo.text(), redo.isEnabled()) == ("Redo", False)


def test_undoing_a_metadata_edit_leaves_the_reader_on_the_document_being_read(qtbot,
                                                                               library):
    """The undo names another document: its title changes back in the results, but the
    reader stays where the user is reading (issue 12: the reader must not jump)."""
    window = annotated(qtbot, library)
    retitle_liberty(qtbot, window, "Relocation report")
    with qtbot.waitSignal(window.document_shown, timeout=10_000):
        window.session.open_document("corpus/ashraf.txt")
    drain()
    with qtbot.waitSignal(window.editor.metadata_saved, timeout=10_000):
        edit_action(window, "Undo").trigger()
    drain()
    qtbot.wait(200)
    drain()
    assert library.document("corpus/liberty.txt").title == "Camp Liberty relocation"
    assert window.reader.document_view.key == "corpus/ashraf.txt"
    assert window.side_panel.source_tab.values["title"].text() == \
        library.document("corpus/ashraf.txt").title
