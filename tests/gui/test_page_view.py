"""The page view as a user drives it: Ctrl+P shows the original page with every hit boxed
where it is printed, F3 steps across pages with the same counter, Page Down and zoom
work, a drag across words selects the same offsets as in the text, and Ctrl+P again
returns to the text at the same place. Real PDFs written by fpdf2, real rendering."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from tests.gui.conftest import open_result


def page_mode(qtbot, window) -> None:
    """Press Ctrl+P and wait for the page to be drawn."""
    reader = window.reader
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert reader.stack.currentWidget() is reader.page_view
    wait_drawn(qtbot, reader)


def wait_drawn(qtbot, reader) -> None:
    qtbot.waitUntil(lambda: not reader.page_view.rendering
                    and reader.page_view.canvas.rendered is not None, timeout=15_000)


def dark_share(image, rect, scale: float) -> float:
    """The share of dark pixels inside a box (page units): ink where a word is printed."""
    left, top = int(rect.left() * scale), int(rect.top() * scale)
    right, bottom = int(rect.right() * scale), int(rect.bottom() * scale)
    dark = total = 0
    for y in range(max(0, top), min(image.height(), bottom)):
        for x in range(max(0, left), min(image.width(), right)):
            total += 1
            dark += image.pixelColor(x, y).lightness() < 128
    return dark / max(total, 1)


def test_ctrl_p_shows_the_page_with_the_hit_boxed_where_it_is_printed(qtbot, pdf_window):
    window = pdf_window
    reader = open_result(qtbot, window, "lighthouse", ".pdf")
    assert reader.page_action.isEnabled()
    page_mode(qtbot, window)
    rendered = reader.page_view.canvas.rendered
    assert rendered.page == 0 and reader.page_view.spin.value() == 1
    assert reader.page_view.count_label.text() == "of 3"
    current = [rect for rect, _color, is_current in rendered.boxes if is_current]
    assert len(current) == 1
    # the box covers the printed word: ink inside it, and it is a word's size
    assert dark_share(rendered.image, current[0], rendered.scale) > 0.05
    assert 20 < current[0].width() < 120 and 5 < current[0].height() < 30
    assert reader.counter.text() == "1 / 2"


def test_f3_steps_to_the_hit_on_another_page_and_ctrl_p_returns_to_the_text(
        qtbot, pdf_window):
    window = pdf_window
    reader = open_result(qtbot, window, "lighthouse", ".pdf")
    page_mode(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: reader.page_view.canvas.rendered is not None
                    and reader.page_view.canvas.rendered.page == 2, timeout=15_000)
    assert reader.counter.text() == "2 / 2"
    assert reader.page_view.spin.value() == 3
    assert any(is_current for _r, _c, is_current in reader.page_view.canvas.rendered.boxes)
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert reader.stack.currentWidget() is reader.text
    assert reader.page_label.text() == "page 3 of 3"
    start, _end = reader.hits[1]
    assert reader.text.textCursor().position() == start


def test_page_down_and_zoom(qtbot, pdf_window):
    window = pdf_window
    reader = open_result(qtbot, window, "lighthouse", ".pdf")
    page_mode(qtbot, window)
    view = reader.page_view
    width = view.canvas.rendered.image.width()
    qtbot.keyClick(view.canvas, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: view.canvas.rendered.page == 1, timeout=15_000)
    qtbot.keyClick(view.canvas, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not view.rendering
                    and view.canvas.rendered.image.width() > width * 1.2, timeout=15_000)
    view.buttons["page"].click()
    qtbot.waitUntil(lambda: not view.rendering and view.canvas.rendered.image.height()
                    <= view.scroll.viewport().height(), timeout=15_000)
    # back to the text: the page the user moved to
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert reader.page_label.text() == "page 2 of 3"


def test_dragging_across_words_on_the_page_selects_them_in_the_text(qtbot, pdf_window):
    window = pdf_window
    reader = open_result(qtbot, window, "lighthouse", ".pdf")
    page_mode(qtbot, window)
    rendered = reader.page_view.canvas.rendered
    [box] = [rect for rect, _color, is_current in rendered.boxes if is_current]
    scale = rendered.scale
    start = QPoint(int(box.left() * scale) + 1, int(box.center().y() * scale))
    end = QPoint(int(box.right() * scale) - 1, int(box.center().y() * scale))
    canvas = reader.page_view.canvas
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, end)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    selected = reader.selection()
    assert selected is not None
    text = reader.document_view.text
    assert text[selected[0]:selected[1]].strip().lower() == "lighthouse"
    assert reader.tag_action.isEnabled()
    assert "lighthouse" in reader.page_view.status.text()


def test_a_document_without_pages_has_no_page_view(qtbot, pdf_window):
    window = pdf_window
    reader = open_result(qtbot, window, "lighthouse", "plain.txt")
    assert not reader.page_action.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert reader.stack.currentWidget() is reader.text
