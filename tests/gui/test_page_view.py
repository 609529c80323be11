"""The page view as a user drives it: Ctrl+P shows the original page with every hit boxed
where it is printed, F3 steps across pages with the same counter, Page Down and zoom
work, a drag across words selects the same offsets as in the text, and Ctrl+P again
returns to the text at the same place. Real PDFs written by fpdf2, real rendering."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor

from tests.gui.conftest import open_result
from tests.gui.test_annotations_gui import save_dialog


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


def drag(qtbot, canvas, start: QPoint, end: QPoint) -> None:
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, end)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)


def test_a_region_dragged_over_no_text_is_tagged_and_drawn_in_its_tag_colour(
        qtbot, pdf_window):
    """Drag over the blank foot of page 1, Ctrl+T, save: a region annotation on
    that page, listed in the side panel, drawn on the page where it was dragged."""
    window = pdf_window
    reader = open_result(qtbot, window, "lighthouse", ".pdf")
    page_mode(qtbot, window)
    canvas = reader.page_view.canvas
    scale = canvas.rendered.scale
    lowest = float(np.nanmax(reader.pages.table(0).boxes[:, 3]))  # the text's last line
    left, top, right = 100, lowest + 8, 300  # points: below the page's text
    bottom = min(reader.pages.page_size(0)[1] - 4, top + 60)
    drag(qtbot, canvas, QPoint(int(left * scale), int(top * scale)),
         QPoint(int(right * scale), int(bottom * scale)))
    assert reader.selection() is None and reader.tag_action.isEnabled()
    assert "region" in reader.page_view.status.text()
    qtbot.keyClick(canvas, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    save_dialog(qtbot, window, "stamp")

    [annotation] = window.library.annotations_for(reader.document_view.key)
    assert annotation.is_region and annotation.page == 0 and annotation.tags == ["stamp"]
    assert annotation.region.left == pytest.approx(left, abs=2 / scale)
    assert annotation.region.width == pytest.approx(right - left, abs=2 / scale)
    [card] = window.side_panel.annotations_tab.cards
    assert "region of page 1" in card.quote.text()
    wait_drawn(qtbot, reader)
    qtbot.waitUntil(lambda: any(abs(rect.left() - left) < 2 and rect.width() > 150
                                for rect, _c, _k in canvas.rendered.boxes), timeout=10_000)
    [(rect, color, _)] = [(r, c, k) for r, c, k in canvas.rendered.boxes if r.width() > 150]
    assert color.name() == QColor(annotation.color).name()
    # painted: the middle of the region is tinted with the tag's colour, not white paper
    shown, now = canvas.grab().toImage(), canvas.rendered.scale  # as drawn now
    middle = shown.pixelColor(int(rect.center().x() * now), int(rect.center().y() * now))
    assert middle != QColor("white") and abs(middle.hue() - QColor(annotation.color).hue()) < 12


def test_a_tagged_passage_is_boxed_on_its_page_in_its_tag_colour(qtbot, pdf_window):
    window = pdf_window
    reader = open_result(qtbot, window, "dredging", ".pdf")
    text = reader.document_view.text
    start = text.index("northern channel")
    window.library.annotate(reader.document_view.key, start, start + len("northern channel"),
                            ["places"])
    window.annotating.controller.reload()
    qtbot.waitUntil(lambda: len(reader.annotations) == 1, timeout=10_000)
    page_mode(qtbot, window)
    rendered = reader.page_view.canvas.rendered
    assert rendered.page == 1
    colour = QColor(reader.annotations[0].color).name()
    boxes = [rect for rect, color, _k in rendered.boxes if color.name() == colour]
    assert boxes and dark_share(rendered.image, boxes[0], rendered.scale) > 0.05
