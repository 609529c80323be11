"""File ▸ Export… as a user works it: choose excerpts, see the preview, write the file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from archive_app.core import export as core_export
from archive_app.core.library import Library
from archive_app.gui.export_dialog import ExportDialog
from archive_app.gui.export_job import RESULTS, TAGGED
from archive_app.gui.results import check_rect
from tests.core.archive_fixtures import KEYS
from tests.gui.conftest import search

ASHRAF_QUOTE = "an attack on Camp Ashraf killed 52 residents"
LIBERTY_QUOTE = "Mortar attacks struck the camp in 2013 and 2015"
LONG_WAIT = 10_000


@pytest.fixture
def annotated(library: Library) -> Library:
    """Two passages tagged 'camp' (one also 'casualties', with a note)."""
    library.annotate_quote(KEYS["ashraf"], ASHRAF_QUOTE, ["camp", "casualties"],
                           note="UN figure")
    library.annotate_quote(KEYS["liberty"], LIBERTY_QUOTE, ["camp"])
    return library


def add_document(library: Library, tmp_path: Path, name: str, text: str) -> str:
    """Put one more file into the fixture corpus and index it; returns its key."""
    (tmp_path / "corpus" / name).write_text(text, encoding="utf-8")
    library.sync()
    return f"corpus/{name}"


def open_dialog(qtbot, window) -> ExportDialog:
    window.export_action.trigger()
    dialog = window.export_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.loading_tags, timeout=LONG_WAIT)
    return dialog


def choose_tag(qtbot, dialog: ExportDialog, tag: str) -> None:
    dialog.choices.tag_combo.setCurrentIndex(dialog.choices.tag_combo.findText(tag))
    qtbot.mouseClick(dialog.choices.buttons[TAGGED], Qt.MouseButton.LeftButton)
    assert dialog.choices.current_kind() == TAGGED


def choose_format(dialog: ExportDialog, name: str) -> None:
    combo = dialog.options_box.format_combo
    combo.setCurrentIndex(combo.findData(name))


def save_to(qtbot, dialog: ExportDialog, monkeypatch, path: Path) -> None:
    """The user picks `path` in the save dialog (stubbed: no native dialog in tests)."""
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *args, **kwargs: (str(path), "")))
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    assert dialog.path_field.text() == str(path)


def press_export(qtbot, dialog: ExportDialog) -> str:
    """Press Export and wait for the file to be written; returns its path."""
    with qtbot.waitSignal(dialog.export_finished, timeout=LONG_WAIT) as finished:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    return finished.args[0]


def test_markdown_preview_then_export_of_a_tag(qtbot, window, annotated, tmp_path,
                                               monkeypatch):
    dialog = open_dialog(qtbot, window)
    choose_format(dialog, "md")
    choose_tag(qtbot, dialog, "casualties")
    qtbot.waitUntil(lambda: ASHRAF_QUOTE in dialog.preview.toPlainText(), timeout=LONG_WAIT)
    preview = dialog.preview.toPlainText()
    assert annotated.citation(KEYS["ashraf"]) in preview
    assert "## casualties" in preview and "Note: UN figure" in preview
    assert LIBERTY_QUOTE not in preview

    choose_tag(qtbot, dialog, "camp")
    qtbot.waitUntil(lambda: LIBERTY_QUOTE in dialog.preview.toPlainText(), timeout=LONG_WAIT)
    target = tmp_path / "out" / "camp.md"
    target.parent.mkdir()
    save_to(qtbot, dialog, monkeypatch, target)
    assert press_export(qtbot, dialog) == str(target)
    written = target.read_text(encoding="utf-8")
    assert ASHRAF_QUOTE in written and LIBERTY_QUOTE in written
    assert window.statusBar().currentMessage() == f"Wrote 2 excerpts to {target}"
    assert not dialog.isVisible()
    assert not list(target.parent.glob("*.part")), "no temporary file is left behind"


@pytest.mark.parametrize(("answer", "replaced"), [
    (QMessageBox.StandardButton.No, False),
    (QMessageBox.StandardButton.Yes, True),
])
def test_an_existing_file_is_replaced_only_after_yes(qtbot, window, annotated, tmp_path,
                                                     monkeypatch, answer, replaced):
    target = tmp_path / "camp.md"
    target.write_text("my earlier work\n", encoding="utf-8")
    asked = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda *args, **kwargs: asked.append(args) or answer))
    dialog = open_dialog(qtbot, window)
    choose_tag(qtbot, dialog, "camp")
    save_to(qtbot, dialog, monkeypatch, target)
    if replaced:
        press_export(qtbot, dialog)
        assert ASHRAF_QUOTE in target.read_text(encoding="utf-8")
    else:
        with qtbot.waitSignal(dialog.export_failed, timeout=LONG_WAIT) as failed:
            qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        assert target.read_text(encoding="utf-8") == "my earlier work\n"
        assert "kept" in failed.args[0] and dialog.error_label.isVisible()
        assert dialog.isVisible()
    assert len(asked) == 1


def test_csv_neutralises_a_formula_quote(qtbot, window, library, tmp_path, monkeypatch):
    key = add_document(library, tmp_path, "formula.txt",
                       "Spreadsheet trap\n\nThe cell =cmd|' /C calc'!A0 starts a program.")
    library.annotate_quote(key, "=cmd|' /C calc'!A0", ["formula"], note="+1 risky")
    dialog = open_dialog(qtbot, window)
    choose_format(dialog, "csv")
    assert dialog.options_box.bom_box.isVisible()
    choose_tag(qtbot, dialog, "formula")
    target = tmp_path / "formula.csv"
    save_to(qtbot, dialog, monkeypatch, target)
    press_export(qtbot, dialog)
    with target.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["quote"] for row in rows] == ["'=cmd|' /C calc'!A0"]
    assert rows[0]["note"] == "'+1 risky"


def test_hit_passages_of_a_checked_result_as_html(qtbot, window, library, tmp_path,
                                                  monkeypatch):
    key = add_document(library, tmp_path, "supplies.txt",
                       "Supplies\n\nWater ran short. Food & water: the <rations> were cut "
                       "in 2014. Nobody was told.")
    results = search(qtbot, window, "rations")
    assert [hit.key for hit in results.hits] == [key]
    view = window.results
    box = check_rect(view.visualRect(window.model.index(0)))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=box.center())
    assert window.model.checked_keys() == [key]

    dialog = open_dialog(qtbot, window)
    assert dialog.choices.current_kind() == RESULTS
    choose_format(dialog, "html")
    qtbot.waitUntil(lambda: "rations" in dialog.preview.toPlainText(), timeout=LONG_WAIT)
    target = tmp_path / "rations.html"
    save_to(qtbot, dialog, monkeypatch, target)
    press_export(qtbot, dialog)
    page = target.read_text(encoding="utf-8")
    assert "Food &amp; water: the &lt;rations&gt; were cut in 2014." in page
    assert "<rations>" not in page and "Nobody was told" not in page


def test_clicking_the_check_box_again_unchecks_the_result(qtbot, window):
    search(qtbot, window, "massacre")
    view = window.results
    box = check_rect(view.visualRect(window.model.index(1)))
    for expected in ([window.model.hit(1).key], []):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=box.center())
        assert window.model.checked_keys() == expected
    assert view.currentIndex().row() == 0, "checking a row does not open it"


def test_cancel_at_the_first_progress_leaves_no_file(qtbot, window, library, tmp_path,
                                                     monkeypatch):
    for number in range(120):
        library.annotate(KEYS["ashraf"], number % 40, number % 40 + 20, ["bulk"],
                         note=f"n{number}")
    real_export = core_export.export_to_file

    def held_export(*args, control, **kwargs):
        """The real export, held at its first progress report until the user cancels, so
        the test does not race the worker."""
        report = control.progress

        def progress(done, total, message):
            report(done, total, message)
            control.cancel_event.wait(LONG_WAIT / 1000)

        control.progress = progress
        return real_export(*args, control=control, **kwargs)

    monkeypatch.setattr(core_export, "export_to_file", held_export)
    dialog = open_dialog(qtbot, window)
    choose_tag(qtbot, dialog, "bulk")
    target = tmp_path / "bulk.md"
    save_to(qtbot, dialog, monkeypatch, target)
    with qtbot.waitSignal(dialog.job.progressed, timeout=LONG_WAIT,
                          check_params_cb=lambda done, total, _message: total > 0):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.job.bar.isVisible() and not dialog.export_button.isEnabled()
    with qtbot.waitSignal(dialog.export_failed, timeout=LONG_WAIT) as failed:
        qtbot.mouseClick(dialog.job.cancel_button, Qt.MouseButton.LeftButton)
    assert "cancelled" in failed.args[0]
    assert not target.exists() and not list(tmp_path.glob(".bulk.md*"))
    assert dialog.isVisible() and dialog.export_button.isEnabled()
    assert not dialog.job.bar.isVisible()


def test_nothing_checked_offers_only_the_tags(qtbot, window, annotated):
    dialog = open_dialog(qtbot, window)
    buttons = dialog.choices.buttons
    assert [kind for kind, button in buttons.items() if button.isEnabled()] == [TAGGED]
    assert dialog.choices.current_kind() == TAGGED
    combo = dialog.options_box.citation_combo
    assert combo.isEnabled() and combo.currentData() == "short"
    assert [combo.itemData(i) for i in range(combo.count())] == ["short", "apa", "chicago",
                                                                  "harvard"]
    combo.setCurrentIndex(combo.findData("harvard"))
    assert dialog.options_box.options().style == "harvard"


def test_the_save_dialog_opens_in_the_folder_of_the_last_export(qtbot, annotated, tmp_path,
                                                                monkeypatch):
    """Issue 12: a file dialog opened in the home folder instead of the last folder used;
    the export's folder is kept with the window's settings, so a new window starts there."""
    from tests.gui.conftest import open_window

    window = open_window(qtbot, annotated)
    dialog = open_dialog(qtbot, window)
    choose_tag(qtbot, dialog, "camp")
    target = tmp_path / "reports" / "camp.md"
    target.parent.mkdir()
    save_to(qtbot, dialog, monkeypatch, target)
    press_export(qtbot, dialog)
    window.close()

    again = open_window(qtbot, annotated)
    second = open_dialog(qtbot, again)
    starts = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(
        lambda parent, caption, start, *args, **kwargs: starts.append(start) or ("", "")))
    second.path_field.clear()
    qtbot.mouseClick(second.browse_button, Qt.MouseButton.LeftButton)
    assert Path(starts[0]).parent == target.parent
