"""The reader knows pages: 'page N of M' for the current position, and page markers."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextFormat
from PySide6.QtWidgets import QAbstractSlider

from archive_app.core.library import Library
from tests.core.ingest.conftest import make_pdf
from tests.gui.conftest import drain, open_window, search

FILLER = " ".join(["The harbour ledger lists cargo, tonnage and berth."] * 40)
PAGES = [
    "First page: the lighthouse was lit in March. " + FILLER,
    "Second page: dredging of the northern channel began in spring. " + FILLER,
    "Third page: the lighthouse keeper retired after forty years. " + FILLER,
]


@pytest.fixture
def pdf_window(qtbot, empty_library: Library, tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_pdf(corpus / "harbour.pdf", PAGES)
    (corpus / "plain.txt").write_text("A lighthouse note with no pages at all.\n",
                                      encoding="utf-8")
    empty_library.sync([corpus])
    window = open_window(qtbot, empty_library)
    yield window
    drain()


def open_result(qtbot, window, query: str, suffix: str):
    """Search, then open the result whose key ends with `suffix`."""
    with qtbot.waitSignal(window.document_shown, timeout=10_000):
        search(qtbot, window, query)
    row = next(row for row in range(window.model.rowCount())
               if window.model.hit(row).key.endswith(suffix))
    if window.reader.document_view.key != window.model.hit(row).key:
        with qtbot.waitSignal(window.document_shown, timeout=10_000):
            window.results.setCurrentIndex(window.model.index(row))
    return window.reader


def test_the_reader_says_which_page_the_current_hit_is_on(qtbot, pdf_window):
    window = pdf_window
    reader = open_result(qtbot, window, "lighthouse", ".pdf")
    view = reader.document_view
    assert len(view.page_starts) == 3
    assert reader.page_label.isVisible()
    assert reader.page_label.text() == "page 1 of 3"
    qtbot.keyClick(window, Qt.Key.Key_F3)
    assert reader.counter.text() == "2 / 2"
    assert reader.page_label.text() == "page 3 of 3"
    qtbot.keyClick(window, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert reader.page_label.text() == "page 1 of 3"
    # the text is the stored text: markers add no characters, hits still fit it
    assert reader.text.toPlainText() == view.text
    assert {view.text[a:b].lower() for a, b in reader.hits} == {"lighthouse"}
    # scrolling follows the top of the visible area
    qtbot.keyClick(window, Qt.Key.Key_F3)
    assert reader.page_label.text() == "page 3 of 3"
    bar = reader.text.verticalScrollBar()
    assert bar.value() > 0
    bar.triggerAction(QAbstractSlider.SliderAction.SliderToMinimum)
    assert reader.page_label.text() == "page 1 of 3"
    # and moving the cursor follows the cursor
    cursor = reader.text.textCursor()
    cursor.setPosition(reader.offsets.to_utf16(view.page_starts[1]) + 3)
    reader.text.setTextCursor(cursor)
    assert reader.page_label.text() == "page 2 of 3"


def test_each_page_start_after_the_first_has_a_marker(qtbot, pdf_window):
    window = pdf_window
    reader = open_result(qtbot, window, "lighthouse", ".pdf")
    document = reader.text.document()
    ruled = [block.position() for block in iter_blocks(document)
             if block.blockFormat().hasProperty(
                 QTextFormat.Property.BlockTrailingHorizontalRulerWidth)]
    starts = reader.document_view.page_starts
    assert [document.findBlock(p).next().position() for p in ruled] == starts[1:]


def test_a_document_without_pages_shows_no_page(qtbot, pdf_window):
    window = pdf_window
    reader = open_result(qtbot, window, "lighthouse", ".txt")
    assert reader.document_view.page_starts == []
    assert not reader.page_label.isVisible()


def iter_blocks(document):
    block = document.begin()
    while block.isValid():
        yield block
        block = block.next()
