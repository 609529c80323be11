"""A Persian document in the reader: right-to-left paragraphs, highlights on the right words."""

from __future__ import annotations

from archive_app.core.text.analysis import words
from tests.conftest import write_files
from tests.gui.conftest import open_window
from tests.languages.test_languages import PERSIAN

MIXED = "Camp Ashraf report\n\nکمپ اشرف در عراق\n\nThe camp called اشرف was in Iraq."


def paste_and_search(qtbot, window, text: str) -> None:
    """Paste a query and press Enter (QTest cannot type Persian keys one by one)."""
    window.search_bar.field.clear()
    window.search_bar.field.insert(text)
    qtbot.keyClick(window.search_bar.field, "\r")


def line_offset(reader, block_number: int) -> float:
    block = reader.text.document().findBlockByNumber(block_number)
    return block.layout().lineAt(0).naturalTextRect().x()


def test_persian_document_reads_right_to_left_with_exact_highlights(qtbot, library, tmp_path):
    folder = write_files(tmp_path / "fa", {"udhr-fa.txt": PERSIAN, "mixed.txt": MIXED})
    library.sync([folder])
    window = open_window(qtbot, library)
    with qtbot.waitSignal(window.document_shown, timeout=10_000) as shown:
        paste_and_search(qtbot, window, "حقوق بشر lang:fa")
    reader = window.reader
    text = reader.document_view.text
    assert shown.args[0] == len(reader.hits) >= 2
    for start, end in reader.hits:
        start, end = reader.offsets.from_utf16(start), reader.offsets.from_utf16(end)
        assert words(text[start:end])[0] in {"حقوق", "بشر"}

    with qtbot.waitSignal(window.document_shown, timeout=10_000):
        paste_and_search(qtbot, window, "اشرف")
    assert reader.document_view.key.endswith("mixed.txt")
    assert line_offset(reader, 0) < 5                   # "Camp Ashraf report": left
    assert line_offset(reader, 2) > 100                 # "کمپ اشرف در عراق": right
    assert line_offset(reader, 4) < 5                   # English line with a Persian word
