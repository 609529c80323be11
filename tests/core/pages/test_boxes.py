"""boxes.py on real pages: an fpdf2 PDF whose words lie at known places, Debian's own
manuals, and scans that Tesseract reads.

Offsets come from the importer (load_document), boxes from pdfium (read here as the
renderer reads them, box_fixtures.pdfium_page_text) or from Tesseract's word boxes.
"""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from archive_app.core.ingest import load_document, ocr, options
from archive_app.core.pages import boxes
from archive_app.core.pages.boxes import CharTable, Rect
from tests.core.ingest import ocr_fixtures as scans
from tests.core.pages import box_fixtures as placed

TOLERANCE = 2.0
"""Points: how far a box may lie from where the font's widths put the word."""
DEBIAN_PDFS = [Path("/usr/share/doc/libtasn1-doc/libtasn1.pdf"),
               Path("/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf")]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """The placed PDF as the importer reads it: (our text, its character table)."""
    path = placed.make_placed_pdf(tmp_path_factory.mktemp("placed") / "placed.pdf")
    document = load_document(path, "placed.pdf")
    assert document.page_starts == [0]
    return document.text, CharTable.from_page_text(document.text,
                                                   placed.pdfium_page_text(path, 0))


def rects_of(page, words: str) -> list[Rect]:
    text, table = page
    start = text.index(words)
    return boxes.span_rects(table, start, start + len(words))


def assert_on_line(rect: Rect, line: int) -> None:
    """The rect spans the font's height about the line's baseline."""
    baseline = placed.FIRST_BASELINE + line * placed.PITCH
    size = placed.FONT_SIZE
    assert baseline - size - TOLERANCE <= rect.top <= baseline - 0.72 * size  # cap height
    assert baseline <= rect.bottom <= baseline + 0.3 * size + TOLERANCE


# -- where words are ---------------------------------------------------------------------


def test_a_words_rect_lies_where_it_was_drawn(page):
    [rect] = rects_of(page, "harbour")
    left, right = placed.word_extent(0, "harbour")
    assert rect.left == pytest.approx(left, abs=TOLERANCE)
    assert rect.right == pytest.approx(right, abs=TOLERANCE)
    assert_on_line(rect, 0)
    [lone] = rects_of(page, placed.LONE_WORD)
    x, baseline = placed.LONE_AT
    assert lone.left == pytest.approx(x, abs=TOLERANCE)
    assert baseline - placed.FONT_SIZE - TOLERANCE <= lone.top < baseline <= lone.bottom


def test_a_hit_across_a_line_break_gives_a_rect_on_each_line(page):
    first, second = rects_of(page, "storms and the mooring")
    assert first.left == pytest.approx(placed.word_extent(1, "storms")[0], abs=TOLERANCE)
    assert first.right == pytest.approx(placed.word_extent(1, "and")[1], abs=TOLERANCE)
    assert_on_line(first, 1)
    assert second.left == pytest.approx(placed.LEFT, abs=TOLERANCE)
    assert second.right == pytest.approx(placed.word_extent(2, "mooring")[1], abs=TOLERANCE)
    assert_on_line(second, 2)


def test_a_word_the_importer_joined_at_a_hyphen_has_boxes_on_both_lines(page):
    text, _ = page
    assert "documentation" in text and "docu-" not in text
    first, second = rects_of(page, "documentation")
    assert first.left == pytest.approx(placed.word_extent(2, "docu-")[0], abs=TOLERANCE)
    assert_on_line(first, 2)
    assert second.left == pytest.approx(placed.LEFT, abs=TOLERANCE)
    assert second.right == pytest.approx(placed.word_extent(3, "mentation")[1], abs=TOLERANCE)
    assert_on_line(second, 3)


def test_a_span_without_boxed_characters_gives_no_rects(page):
    text, table = page
    space = text.index(" ")
    assert boxes.span_rects(table, space, space + 1) == []
    assert boxes.span_rects(table, len(text), len(text) + 5) == []


def test_the_character_under_a_words_centre_is_in_that_word(page):
    text, table = page
    for word in ("harbour", "Tuesday", "mentation", placed.LONE_WORD):
        [rect] = rects_of(page, word)
        x, y = (rect.left + rect.right) / 2, (rect.top + rect.bottom) / 2
        start = text.index(word)
        assert start <= boxes.offset_at(table, x, y) < start + len(word)
    start = text.index(placed.LONE_WORD)
    assert boxes.offset_at(table, placed.LONE_AT[0] + 1, placed.LONE_AT[1] - 4) == start
    assert boxes.offset_at(table, 500, 700) is None  # blank paper


def test_a_rectangle_dragged_over_words_gives_their_offsets(page):
    text, table = page
    [first] = rects_of(page, "authority")
    [last] = rects_of(page, "Tuesday")
    dragged = (last.right + 1, first.top + 3, first.left - 1, first.bottom - 3)  # any corners
    start = text.index("authority")
    assert boxes.offsets_in(table, dragged) == (start, text.index("Tuesday") + len("Tuesday"))
    assert boxes.offsets_in(table, (400, 600, 500, 700)) is None


def test_a_char_table_round_trips_through_bytes(page):
    text, table = page
    again = CharTable.from_bytes(table.to_bytes())
    np.testing.assert_array_equal(again.boxes, table.boxes)
    assert (again.page_width, again.page_height) == (table.page_width, table.page_height)
    assert again.fits(text) and not again.fits(text.replace("harbour", "Harbour"))
    data = table.to_bytes()
    for damaged in (data[:-4], data[:10], b"XXXX" + data[4:],
                    data[:4] + (boxes.FORMAT_VERSION + 1).to_bytes(2, "little") + data[6:]):
        with pytest.raises(ValueError):
            CharTable.from_bytes(damaged)


# -- the alignment ----------------------------------------------------------------------------


def test_align_skips_what_either_text_made_and_folds_what_differs():
    """Ligatures either way, pdfium's hyphen mark where the importer joined a word,
    spaces and line breaks, a control character."""
    ours = "Official document. \ufb01eld"
    theirs = "O\ufb03cial docu\x02\r\nment .\x01 \ufb01eld"
    partners = boxes.align(ours, theirs)
    assert [theirs[k] if k >= 0 else None for k in partners] == [
        "O", "\ufb03", "\ufb03", "\ufb03", "c", "i", "a", "l", None,
        "d", "o", "c", "u", "m", "e", "n", "t", ".", None, "\ufb01", "e", "l", "d"]


def test_align_puts_the_letters_of_a_reversed_lam_alef_back_on_their_boxes():
    """pdfium writes each lam-alef ligature's letters backwards ("اإلعالن"); the
    importer puts them back ("الإعلان")."""
    ours, theirs = "الإعلان العالمي", "اإلعالن العالمي"
    partners = boxes.align(ours, theirs)
    assert [theirs[k] for k in partners if k >= 0] == [c for c in ours if c != " "]
    assert (partners >= 0).sum() == len(ours) - 1


def test_one_odd_character_does_not_derail_the_rest():
    """A character pdfium has and we lack, one we have and it lacks, one read
    differently: each costs itself, and a 40,000-character page takes no time."""
    ours = " ".join(f"word{n} harbour quay" for n in range(2000))
    inserted, deleted, changed = (ours.index("quay", at) for at in (100, 5000, 9000))
    theirs = (ours[:inserted] + "#" + ours[inserted:deleted] + ours[deleted + 1:changed]
              + "%" + ours[changed + 1:])
    began = time.perf_counter()
    partners = boxes.align(ours, theirs)
    assert time.perf_counter() - began < 2.0  # about 0.1 s: linear
    letters = np.array([not char.isspace() for char in ours])
    expected = np.arange(len(ours)) + (np.arange(len(ours)) >= inserted)
    expected[deleted:] -= 1
    expected[deleted] = -1
    expected[~letters] = -1
    assert (partners == expected).all()
    assert theirs[partners[changed]] == "%"


@pytest.mark.parametrize("path", DEBIAN_PDFS, ids=lambda path: path.name)
def test_nearly_all_of_a_debian_manuals_characters_get_boxes(path: Path):
    if not path.exists():
        pytest.skip(f"{path} is not installed")
    document = load_document(path, path.name)
    ends = [*document.page_starts[1:], len(document.text)]
    visible = boxed = 0
    for number, (start, end) in enumerate(zip(document.page_starts, ends, strict=True)):
        ours = document.text[start:end]
        table = CharTable.from_page_text(ours, placed.pdfium_page_text(path, number))
        shown = np.array([not char.isspace() and unicodedata.category(char) != "Cf"
                          for char in ours], dtype=bool)
        visible += int(shown.sum())
        boxed += int((~np.isnan(table.boxes[shown, 0])).sum())
    assert boxed / visible >= 0.97  # measured: 100 % on both


# -- scans ------------------------------------------------------------------------------------


@pytest.mark.skipif(not ocr.available(), reason="Tesseract is not installed")
@pytest.mark.parametrize("turned", [False, True], ids=["upright", "on-its-side"])
def test_a_scanned_words_rect_lies_on_the_word_in_the_image(tmp_path: Path, turned: bool):
    """Tesseract's word boxes, through the OCR cache, on the image as it is (a page
    on its side is read turned, its boxes turned back)."""
    scans.require_shaping()
    picture = scans.page_image("eng")
    picture = picture.rotate(90, expand=True) if turned else picture
    path = tmp_path / "scan.png"
    picture.save(path, dpi=(scans.SCAN_DPI, scans.SCAN_DPI))
    cache = str(tmp_path / "ocr-cache")
    document = load_document(path, "scan.png", read_options=options.ReadOptions(
        ocr_cache_dir=cache))
    ocr_page = ocr.cached_page(path, 0, cache)
    assert ocr_page is not None and (ocr_page.page_width, ocr_page.page_height) == picture.size
    table = boxes.table_from_words(document.text, ocr_page)
    start = document.text.index("endowed")
    [rect] = boxes.span_rects(table, start, start + len("endowed"))
    ink = np.asarray(picture) < 128
    left, top, right, bottom = (round(value) for value in rect)
    along, across = (bottom - top, right - left) if turned else (right - left, bottom - top)
    font_px = 11 / 72 * scans.SCAN_DPI
    assert 3 * font_px < along < 6 * font_px and 0.5 * font_px < across < 1.5 * font_px
    assert ink[top:bottom, left:right].mean() > 0.1  # print inside
    if turned:  # the spaces before and after the word are blank paper
        before, after = ink[bottom + 2:bottom + 8, left:right], ink[top - 8:top - 2, left:right]
    else:
        before, after = ink[top:bottom, left - 8:left - 2], ink[top:bottom, right + 2:right + 8]
    assert before.mean() < 0.02 and after.mean() < 0.02
    assert boxes.offset_at(table, (left + right) / 2, (top + bottom) / 2) in range(
        start, start + len("endowed"))
