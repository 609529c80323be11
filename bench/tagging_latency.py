"""Time from Save in the tag dialog to the annotation in the panel and in `tag:` search.

Runs the real window offscreen on a throw-away home with the bundled corpus indexed:
opens a document, selects a passage, tags it through the dialog N times (a new tag each
time) and prints the median and worst latency of each step. Usage:

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/tagging_latency.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QThreadPool, QTimer  # noqa: E402
from PySide6.QtGui import QTextCursor  # noqa: E402

from archive_app.core.library import Library  # noqa: E402
from archive_app.core.paths import AppPaths  # noqa: E402
from archive_app.gui.app import create_application, open_settings  # noqa: E402
from archive_app.gui.main_window import MainWindow  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
DOCUMENT = "corpus/000_2b7d332fd8f61003.txt"
PASSAGE = "52 MEK members were killed"


def wait_for(signal, timeout_ms: int = 30_000) -> list:
    """Run the event loop until `signal` fires; returns its arguments."""
    loop, got = QEventLoop(), []

    def fired(*args) -> None:
        got.extend(args)
        loop.quit()

    signal.connect(fired)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    signal.disconnect(fired)
    return got


def settle() -> None:
    """Let every job finish and deliver its signals, so no stale one is waited for."""
    app = create_application()
    for _ in range(3):
        QThreadPool.globalInstance().waitForDone()
        app.processEvents()


def tag_once(window: MainWindow, tag: str) -> dict[str, float]:
    settle()
    reader = window.reader
    start = reader.document_view.text.index(PASSAGE)
    cursor = reader.text.textCursor()
    cursor.setPosition(reader.offsets.to_utf16(start))
    cursor.setPosition(reader.offsets.to_utf16(start + len(PASSAGE)),
                       QTextCursor.MoveMode.KeepAnchor)
    reader.text.setTextCursor(cursor)
    reader.tag_action.trigger()
    dialog = window.annotating.controller.dialog
    dialog.tags_field.setText(tag)
    marks: dict[str, float] = {}
    docks = window.annotating
    docks.controller.annotation_added.connect(
        lambda _a: marks.setdefault("panel", time.perf_counter()))
    docks.annotations_shown.connect(lambda: marks.setdefault("tags", time.perf_counter()))
    saved = time.perf_counter()
    dialog.save_button().click()
    wait_for(docks.annotations_shown)
    wait_for(window.session.search_finished)  # the automatic refresh of the current search
    marks["refresh"] = time.perf_counter()
    asked = time.perf_counter()
    window.search_bar.set_query(f"tag:{tag}")
    results = wait_for(window.session.search_finished)[0]
    assert [hit.key for hit in results.hits] == [DOCUMENT], results.query
    marks["search"] = time.perf_counter() - asked + saved  # its own duration, not from Save
    for signal in (docks.controller.annotation_added, docks.annotations_shown):
        signal.disconnect()
    return {name: (moment - saved) * 1000 for name, moment in marks.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    app = create_application()
    with tempfile.TemporaryDirectory() as home:
        library = Library(AppPaths(Path(home)))
        library.sync([CORPUS])
        window = MainWindow(library, open_settings(library.paths))
        window.resize(1400, 900)
        window.show()
        rows = []
        for run in range(args.runs):
            window.search_bar.set_query("MEK members killed")
            wait_for(window.document_shown)
            if window.reader.document_view.key != DOCUMENT:
                window.session.open_document(DOCUMENT)
                wait_for(window.document_shown)
            settle()
            rows.append(tag_once(window, f"bench{run}"))
        QThreadPool.globalInstance().waitForDone()
        window.close()
        library.close()
    app.processEvents()
    labels = {"panel": "Save -> card in the panel and mark in the reader",
              "tags": "Save -> tags dock and panel re-read from the store",
              "refresh": "Save -> current search re-run (facet counts updated)",
              "search": "then a typed tag:NAME search lists the document"}
    print(f"{args.runs} runs on the bundled corpus ({CORPUS}), offscreen:")
    for name, label in labels.items():
        values = [row[name] for row in rows]
        print(f"  {label:53s} first {values[0]:7.1f} ms   median "
              f"{statistics.median(values[1:] or values):7.1f} ms   max {max(values):7.1f} ms")


if __name__ == "__main__":
    main()
