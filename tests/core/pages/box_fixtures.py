"""Test pages for boxes.py: pdfium's text and boxes read here as the renderer gives
them, and a PDF whose words lie at known places.

The renderer (pages/renderer.py) is not what these tests are about, so the page's text
and character boxes are read with pypdfium2 directly, in the renderer's `PageText`
shape: one character per char index, float32 boxes, origin top-left.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from fpdf import FPDF

FONT_SIZE = 12.0
LEFT = 72.0
FIRST_BASELINE = 100.0
PITCH = 15.0
PARAGRAPH = [
    "The harbour authority met on Tuesday to discuss the state of the old",
    "northern quay, where the stones have shifted after the winter storms and",
    "the mooring rings no longer hold the larger boats. Engineers asked for docu-",
    "mentation of every stone and a survey of the sea floor before the spring.",
]
"""Four full lines of one paragraph, the importer joins them (and "docu-mentation")."""
LONE_WORD = "Lighthouse"
LONE_AT = (300.0, 400.0)
"""A word drawn on its own: (left, baseline) in points from the top-left corner."""


@dataclass(frozen=True)
class PageText:
    """The renderer's PageText: pdfium's text of a page and a box per character."""

    page: int
    text: str
    boxes: bytes
    page_width: float
    page_height: float


def pdfium_page_text(path: Path, number: int) -> PageText:
    """A page's text and boxes straight from pdfium, as the renderer reads them: loose
    character boxes (the font's full height) turned to a top-left origin, none for the
    spaces and line breaks pdfium generates."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    document = pdfium.PdfDocument(str(path))
    try:
        page = document[number]
        width, height = page.get_size()
        textpage = page.get_textpage()
        count = textpage.count_chars()
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i) or 0xFFFD)
                       for i in range(count))
        boxes = np.full((count, 4), np.nan, dtype="<f4")
        for index in range(count):
            if not pdfium_c.FPDFText_IsGenerated(textpage.raw, index):
                left, bottom, right, top = textpage.get_charbox(index, loose=True)
                boxes[index] = (left, height - top, right, height - bottom)
        return PageText(number, text, boxes.tobytes(), width, height)
    finally:
        document.close()


def make_placed_pdf(path: Path) -> Path:
    """One page in points: PARAGRAPH's lines from (LEFT, FIRST_BASELINE) PITCH apart,
    and LONE_WORD at LONE_AT, in Helvetica at FONT_SIZE."""
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=FONT_SIZE)
    for number, line in enumerate(PARAGRAPH):
        pdf.text(LEFT, FIRST_BASELINE + number * PITCH, line)
    pdf.text(*LONE_AT, LONE_WORD)
    pdf.output(str(path))
    return path


def word_extent(line: int, word: str) -> tuple[float, float]:
    """Where `word` (its first occurrence in PARAGRAPH's line `line`) was drawn: its
    left and right in points, from the font's advance widths."""
    pdf = FPDF(unit="pt")
    pdf.set_font("Helvetica", size=FONT_SIZE)
    text = PARAGRAPH[line]
    left = LEFT + pdf.get_string_width(text[:text.index(word)])
    return left, left + pdf.get_string_width(word)
