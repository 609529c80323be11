"""Every change to the user's data from the window waits its turn in one queue: Check ▸
Repair's re-anchoring and removing a folder run after the changes queued before them."""

from __future__ import annotations

import sqlite3
import threading

from PySide6.QtWidgets import QMessageBox

from tests.core.archive_fixtures import KEYS
from tests.gui.test_archive_check import run_check
from tests.gui.test_folders_dialog import open_folders


def hold_the_queue(window) -> threading.Event:
    """A change already in the queue that takes until the returned event is set."""
    release = threading.Event()
    window.writes.run(release.wait, 30, on_result=lambda _done: None,
                      on_error=lambda error: None)
    return release


def test_repair_re_anchors_in_turn_with_the_other_changes(qtbot, library, window):
    annotation = library.annotate_quote(KEYS["ashraf"], "52 residents", ["count"])
    with sqlite3.connect(library.paths.annotations_db) as store:  # the anchor drifts
        store.execute("UPDATE annotations SET start = start + 3, end = end + 3 WHERE id = ?",
                      (annotation.id,))
    report, _dialog = run_check(qtbot, window)
    assert report.anchors_to_fix == 1
    release = hold_the_queue(window)
    queued = window.writes.pending()
    window.checker.repair(report)
    assert window.writes.pending() == queued + 1, "the re-anchoring waits its turn"
    assert len(library.drifted_annotations()) == 1
    with qtbot.waitSignal(window.checker.reanchored, timeout=20_000) as reanchored:
        release.set()
    assert reanchored.args == [1]
    again = library.annotations_for(KEYS["ashraf"])[0]
    assert (again.start, again.exact) == (annotation.start, "52 residents")
    qtbot.waitUntil(lambda: window.writes.pending() == 0, timeout=10_000)


def test_removing_a_folder_waits_for_the_changes_before_it(qtbot, library, window,
                                                          monkeypatch):
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *args, **kwargs: QMessageBox.StandardButton.Yes)
    library.annotate_quote(KEYS["liberty"], "Mortar attacks", ["attacks"])
    dialog = open_folders(qtbot, window)
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(0))
    release = hold_the_queue(window)
    queued = window.writes.pending()
    dialog.remove_selected()
    assert window.writes.pending() == queued + 1
    assert library.roots(), "nothing is removed while the change before it runs"
    with qtbot.waitSignal(dialog.folder_removed, timeout=20_000) as removed:
        release.set()
    assert (removed.args[0].documents, removed.args[0].orphaned) == (6, 1)
    assert [a.state for a in library.all_annotations()] == ["orphaned"]
    qtbot.waitUntil(lambda: window.writes.pending() == 0, timeout=10_000)


def test_changes_still_queued_when_the_window_closes_are_written(qtbot, library, window):
    """The archive closes after the window's last change is written (`run_gui`), not
    with the changes queued behind a running one dropped."""
    release = hold_the_queue(window)
    queued = window.writes.pending()
    done = []
    for quote in ("Mortar attacks", "Residents were moved"):
        window.writes.run(library.annotate_quote, KEYS["liberty"], quote, ["late"],
                          on_result=done.append, on_error=done.append)
    release.set()
    assert window.writes.pending() == queued + 2
    window.writes.finish()
    assert window.writes.pending() == 0
    assert sorted(a.exact for a in done) == ["Mortar attacks", "Residents were moved"]
    assert [a.exact for a in library.all_annotations(tag="late")] == [
        "Residents were moved", "Mortar attacks"]
