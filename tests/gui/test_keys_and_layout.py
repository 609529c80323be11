"""Keyboard help that cannot go stale, visible focus, a usable small window, tag dialog keys."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox, QTextBrowser

from archive_app.gui.app import STYLE_SHEET
from archive_app.gui.help_dialog import menu_shortcuts, show_syntax_help
from archive_app.gui.tag_dialog import TagDialog
from tests.gui.conftest import drain
from tests.gui.test_annotations_gui import open_document

CTRL = Qt.KeyboardModifier.ControlModifier


def help_text(window) -> str:
    dialog = show_syntax_help(window)
    text = dialog.findChild(QTextBrowser).toPlainText()
    dialog.close()
    return text


def test_the_keys_list_names_every_shortcut_in_the_menus(qtbot, window):
    text = help_text(window)
    shortcuts = menu_shortcuts(window.menuBar())
    assert len(shortcuts) >= 8
    for name, keys in shortcuts:
        assert keys in text, f"{name} ({keys}) is missing from Help ▸ Keys"
    for keys in ("Ctrl+T", "Ctrl+E", "Ctrl+Z", "Ctrl+Shift+A", "Ctrl+L", "F3", "Shift+F3"):
        assert keys in text
    in_menus = [action for action in window.findChildren(QAction)
                if not action.shortcut().isEmpty() and action.isVisible()
                and any(isinstance(o, QMenu) for o in action.associatedObjects())]
    assert in_menus
    for action in in_menus:
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        assert keys in text, f"{action.text()} ({keys}) is missing from Help ▸ Keys"


def test_the_style_sheet_marks_focus_on_results_and_reader():
    sheet = STYLE_SHEET.read_text(encoding="utf-8")
    assert "QListView#results_view:focus" in sheet
    assert "QTextEdit#reader_text:focus" in sheet


@pytest.mark.parametrize("name", ["results", "reader"])
def test_a_focused_results_list_or_reader_looks_different(qtbot, window, name):
    open_document(qtbot, window, "camp")
    widget = window.results if name == "results" else window.reader.text
    window.search_bar.field.setFocus()
    qtbot.waitUntil(lambda: window.search_bar.field.hasFocus())
    unfocused = widget.grab().toImage()
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(widget.hasFocus)
    focused = widget.grab().toImage()
    edge = unfocused.height() // 2
    assert focused.pixelColor(0, edge) != unfocused.pixelColor(0, edge), \
        "no visible focus ring on the left edge"
    assert focused.pixelColor(0, edge) == widget.palette().highlight().color()


def test_a_1024_by_700_window_leaves_the_reader_a_usable_width(qtbot, window):
    open_document(qtbot, window, "camp")
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024)
    drain()
    qtbot.wait(50)
    assert window.reader.width() >= 400, f"reader only {window.reader.width()} px wide"
    assert window.results.width() >= 200
    assert window.facet_dock.isVisible()
    assert not window.side_panel.isVisible() and not window.side_panel_action.isChecked()
    window.resize(1400, 900)
    qtbot.waitUntil(lambda: window.width() == 1400)
    assert window.side_panel.isVisible(), "the side panel comes back in a wide window"
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024)
    assert not window.side_panel.isVisible()
    window.side_panel_action.trigger()  # View ▸ Document panel: the user wants it anyway
    assert window.side_panel.isVisible() and window.side_panel_action.isChecked()


def tag_dialog(qtbot) -> TagDialog:
    dialog = TagDialog("killed 52 residents", ["event", "people/witnesses"])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_ctrl_enter_in_the_note_saves(qtbot):
    dialog = tag_dialog(qtbot)
    dialog.tags_field.setText("event")  # typed (the completion popup needs a real screen)
    qtbot.keyClicks(dialog.note_field, "first line")
    with qtbot.waitSignal(dialog.accepted, timeout=2_000):
        qtbot.keyClick(dialog.note_field, Qt.Key.Key_Return, CTRL)
    assert dialog.values() == (["event"], "first line")


def test_escape_with_typed_text_asks_first(qtbot, monkeypatch):
    asked = []
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard]
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *args, **kwargs: asked.append(args[2]) or answers.pop(0))
    dialog = tag_dialog(qtbot)
    qtbot.keyClicks(dialog.note_field, "a note I wrote")
    qtbot.keyClick(dialog.note_field, Qt.Key.Key_Escape)
    assert asked and "discard" in asked[0].lower()
    assert dialog.isVisible(), "Cancel keeps the dialog and the typed note"
    assert dialog.values()[1] == "a note I wrote"
    with qtbot.waitSignal(dialog.rejected, timeout=2_000):
        qtbot.keyClick(dialog.note_field, Qt.Key.Key_Escape)
    assert len(asked) == 2


def test_escape_with_nothing_typed_just_closes(qtbot, monkeypatch):
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: asked.append(args))
    dialog = tag_dialog(qtbot)
    with qtbot.waitSignal(dialog.rejected, timeout=2_000):
        qtbot.keyClick(dialog.tags_field, Qt.Key.Key_Escape)
    assert not asked
