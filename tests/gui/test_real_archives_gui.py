"""Real archives in the window (issue 14): a word seen only in a scanned page's image is
found and marked in the reader with an OCR note; a zip member says where it lies and
opens its container; a message shows its header, opens its attachment and its thread."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from archive_app.core.library import Library
from archive_app.gui.highlight import hit_format
from tests.core.indexing.test_members import leak_folder, mail_folder
from tests.gui.conftest import drain, open_window, search

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
LINES = ["Report of the harbour commission", "",
         "The inspectors found the quarantine ledger", "hidden behind the boathouse wall."]


def scanned_pdf(path: Path) -> Path:
    """An image-only PDF: its words exist only as pixels, for OCR to read."""
    page = Image.new("L", (1700, 900), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 44)
    for number, line in enumerate(LINES):
        draw.text((150, 150 + 70 * number), line, font=font, fill=0)
    page.rotate(0.5, fillcolor=255).save(path, resolution=200.0)
    return path


@pytest.fixture
def archive_window(qtbot, empty_library: Library, tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    scanned_pdf(corpus / "commission-scan.pdf")
    leak_folder(tmp_path)
    mail_folder(tmp_path)
    summary = empty_library.sync([corpus, tmp_path / "corpus", tmp_path / "mail"])
    assert not [skip for skip in summary.skipped if "scan" in skip.path]
    window = open_window(qtbot, empty_library)
    yield window
    drain()


def open_hit(qtbot, window, query: str):
    with qtbot.waitSignal(window.document_shown, timeout=20_000):
        search(qtbot, window, query)
    return window.reader


def test_a_word_only_in_the_scan_is_found_and_marked_with_an_ocr_note(qtbot, archive_window):
    window = archive_window
    reader = open_hit(qtbot, window, "quarantine")
    view = reader.document_view
    assert view.key.endswith("commission-scan.pdf") and view.ocr
    assert [view.text[a:b].lower() for a, b in reader.hits] == ["quarantine"]
    amber = hit_format().background()
    assert reader.mark_format_at(reader.hits[0][0]).background() == amber
    links = window.side_panel.source_tab.links
    assert links.ocr_note.isVisibleTo(window)
    assert "OCR" in links.ocr_note.text() and "confidence" in links.ocr_note.text()
    assert window.model.hit(0).snippets[0].page == 1


def test_a_member_says_where_it_lies_and_opens_its_container(qtbot, archive_window):
    window = archive_window
    open_hit(qtbot, window, "zanzibar")
    links = window.side_panel.source_tab.links
    assert links.place.text() == "Inside leak.zip \u203a finance/2013/q3.docx (changed 2013-09-01)"
    assert links.open_parent_button.isVisibleTo(window)
    with qtbot.waitSignal(window.document_shown, timeout=10_000):
        links.open_parent_button.click()
    assert window.reader.document_view.key == "corpus/leak.zip"
    members = [links.members.item(row).text() for row in range(links.members.count())]
    assert "finance/readme.txt — Readme" in members
    assert links.members_heading.text() == "Contents (3)"


def test_a_message_shows_its_header_attachment_and_thread(qtbot, archive_window):
    window = archive_window
    open_hit(qtbot, window, "from:ann@example.org")
    assert window.reader.document_view.key == "mail/first.eml"
    links = window.side_panel.source_tab.links
    assert links.header_values["from"].text() == "Ann Sender <ann@example.org>"
    assert links.header_values["cc"].text() == "Carol Cc <carol@example.org>"
    assert links.members_heading.text() == "Attachments (1)"
    assert links.thread.count() == 1  # the reply
    with qtbot.waitSignal(window.document_shown, timeout=10_000):
        links.thread.itemClicked.emit(links.thread.item(0))
    assert window.reader.document_view.key == "mail/reply.eml"
    open_hit(qtbot, window, "to:bob")  # a new query: a repeated one pops up its history
    assert window.reader.document_view.key == "mail/first.eml"
    with qtbot.waitSignal(window.document_shown, timeout=10_000):
        links.members.itemClicked.emit(links.members.item(0))
    child = window.reader.document_view
    assert child.parent == "mail/first.eml" and "marimba" in child.text
    assert links.place.text().startswith("Inside first.eml \u203a attachment 1")
