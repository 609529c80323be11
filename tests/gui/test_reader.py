"""Reading as a user: open a result, see every hit marked, step with F3, find with Ctrl+F."""

from __future__ import annotations

from PySide6.QtCore import Qt

from archive_app.core.indexing.model import DocumentView
from archive_app.gui.highlight import hit_format, utf16_spans
from tests.gui.conftest import search


def open_first(qtbot, window, query: str) -> int:
    with qtbot.waitSignal(window.document_shown, timeout=10_000) as shown:
        search(qtbot, window, query)
    return shown.args[0]


def test_selecting_a_result_shows_the_document_with_every_hit(qtbot, window):
    count = open_first(qtbot, window, "integer")
    reader = window.reader
    key = window.model.hit(0).key
    assert reader.document_view.key == key
    assert reader.text.toPlainText() == reader.document_view.text
    assert count == reader.hit_selections() >= 3
    words = {reader.document_view.text[a:b].lower() for a, b in reader.hits}
    assert words <= {"integer"}
    # every hit marked in the text, the current one drawn on top of it
    amber = hit_format().background()
    assert all(reader.mark_format_at(start).background() == amber for start, _ in reader.hits)
    assert [s.cursor.selectionStart() for s in reader.text.extraSelections()] == [
        reader.hits[0][0]]
    assert reader.counter.text() == f"1 / {count}"


def test_clicking_a_result_opens_it(qtbot, window):
    search(qtbot, window, "camp")
    second = window.results.visualRect(window.model.index(1))
    with qtbot.waitSignal(window.document_shown, timeout=5_000):
        qtbot.mouseClick(window.results.viewport(), Qt.MouseButton.LeftButton,
                         pos=second.center())
    assert window.reader.document_view.key == window.model.hit(1).key


def test_f3_and_shift_f3_step_through_the_hits(qtbot, window):
    count = open_first(qtbot, window, "integer")
    reader = window.reader
    first, second = reader.hits[0][0], reader.hits[1][0]
    assert reader.text.textCursor().position() == first
    qtbot.keyClick(window, Qt.Key.Key_F3)
    assert reader.text.textCursor().position() == second
    assert reader.counter.text() == f"2 / {count}"
    qtbot.keyClick(window, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert reader.text.textCursor().position() == first
    qtbot.keyClick(window, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert reader.counter.text() == f"{count} / {count}"
    qtbot.mouseClick(reader.next_button, Qt.MouseButton.LeftButton)
    assert reader.counter.text() == f"1 / {count}"


def test_ctrl_f_finds_text_in_the_document(qtbot, window):
    open_first(qtbot, window, "ashraf")
    reader = window.reader
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert reader.find_bar.isVisible() and reader.find_bar.field.hasFocus()
    qtbot.keyClicks(reader.find_bar.field, "CAMP")
    assert reader.find_bar.count_label.text() == "2 found"
    assert reader.counter.text() == "1 / 2"
    qtbot.keyClick(reader.find_bar.field, Qt.Key.Key_Return)
    assert reader.counter.text() == "2 / 2"
    qtbot.keyClick(reader.find_bar.field, Qt.Key.Key_Escape)
    assert not reader.find_bar.isVisible()
    assert reader.counter.text().endswith(f"/ {len(reader.hits)}")


def big_view(text: str) -> DocumentView:
    return DocumentView(key="k", path="/tmp/k.txt", title="Big", author="", source="",
                        date="", url="", lang="", format="txt", text=text, page_starts=[0])


def test_a_large_document_is_set_in_one_go(qtbot, window):
    text = ("An ordinary line about the refugee camp.\n" * 30_000)
    spans = [(i * 41 + 27, i * 41 + 33) for i in range(30_000)]
    with qtbot.waitSignal(window.reader.hits_highlighted) as shown:
        window.reader.show_document(big_view(text), spans)
    assert len(text) > 1_000_000
    assert shown.args[0] == 30_000
    assert window.reader.text.document().characterCount() == len(text) + 1


def test_right_to_left_text_is_laid_out_right_to_left(qtbot, window):
    text = "مرحبا بالعالم. هذه فقرة عربية.\n\nAn English paragraph."
    window.reader.show_document(big_view(text), [])
    first = window.reader.text.document().firstBlock()
    assert first.layout().textOption().textDirection() == Qt.LayoutDirection.RightToLeft \
        or first.textDirection() == Qt.LayoutDirection.RightToLeft
    assert first.next().next().textDirection() == Qt.LayoutDirection.LeftToRight


def test_astral_characters_shift_qt_offsets():
    assert utf16_spans("abc", [(1, 2)]) == [(1, 2)]
    assert utf16_spans("😀 camp", [(2, 6)]) == [(3, 7)]
