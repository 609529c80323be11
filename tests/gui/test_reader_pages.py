"""The reader knows pages: 'page N of M' for the current position, and page markers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextFormat
from PySide6.QtWidgets import QAbstractSlider

from tests.gui.conftest import open_result


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
