"""PDF importer: per-page text with pypdfium2, joined into paragraphs, and the document info.

The engine was chosen by measurement (issue 14): `bench/pdf_extractors.py` on 14 real
PDFs and one it writes, 870 pages, run as
`.venv/bin/python bench/pdf_extractors.py FOLDER --max-pages 1000` (Debian's
debian-reference, developers-reference, gri, libtasn1, shared-mime-info and docbook-xsl
manuals, three two-column TeX papers from texlive-publishers-doc, the Factbook's Iraq
page, the UDHR in Arabic and Persian as LibreOffice exports it with left-to-right and
right-to-left paragraphs, and a two-column page). The reference text is the source
text where known, else pdftotext's; "pdfium+" is this importer (pdfium's lines joined):

                      pages/s  median ms  p95 ms  glued/1000  split/1000  pairs %  seq %
    pdfminer.six         16.5       34.0   140.0         0.5         0.1     70.0   95.8
    pypdfium2 raw       760.3        1.1     3.1         0.7         1.9     94.6   97.3
    pdfium+ (this)      355.6        2.3     6.7         0.6         0.1     97.6   97.4

So this importer reads 21x the pages per second that pdfminer did (median page 15x,
p95 page 21x faster). Word spacing is as good: glued and split words per 1,000 are the
same within noise (pypdfium2's own "split" is its end-of-line hyphen, undone here).
Reading order: on the two-column page whose text is known pdfminer kept 87.7 % of the
word pairs and 95.0 % of the passages in order, pdfium 100 % and 100 %; on the TeX
papers the figures are alike, though pdfminer set column two's sections 4 and 5 in the
middle of column one on page 2 of sample-sigconf.pdf, where pdfium keeps the columns.
pdfminer gave Arabic and Persian in reversed, visual order (0 % of the word pairs);
pdfium gives them in reading order (98-99 % here, after `_unreverse_ligatures`). pdfium
also gives character boxes, which a page view can use. Its line breaks carry no
paragraph marks, so lines become paragraphs here from their positions (pdf_lines.py),
at extraction time: all offsets refer to the stored text.

pdfium is C and a hostile file may crash it: PDFs are read in an isolated child process
(ISOLATED_FORMATS in ingest/__init__.py), so a crash only skips the file.

Pages whose words only OCR can give are listed in `Extracted.ocr_pages` (`_is_scan`),
their thin text kept, for the loader to replace; a PDF of scans only is no error here.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass
from pathlib import Path

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import limits, pdf_lines
from archive_app.core.ingest.documents import Extracted
from archive_app.core.ingest.pdf_lines import Line

_INFO_FIELDS = {"Title": "title", "Author": "author", "CreationDate": "date"}
SCAN_MAX_CHARS = 20
"""A page with fewer non-space characters than this has no real text layer..."""
SCAN_MIN_COVER = 0.5
"""...and is a scan when images cover at least this share of it."""
_PASSWORD_ERRORS = {4, 6}
"""FPDF_ERR_PASSWORD, FPDF_ERR_SECURITY: encrypted and not readable without a password."""
_PDFIUM_HYPHEN = "\x02"
"""pdfium's mark for a hyphen that ends a line (U+FFFE in its text range); it leaves out
the line break after it, so the mark ends a line here."""
_LINE = re.compile("[^\r\n\ufffe]+\ufffe?|\ufffe")
_RTL_SPACED_STOP = re.compile(r" +([.,:;!?\u060c\u061b\u061f])(?=\s|$)")
"""A space before a right-to-left sentence's final stop or comma: pdfium moves the
space that came before the line's last word there ("همجية ." for "همجية.")."""


@dataclass
class _Page:
    """One page as read: its lines (joined later, against the whole document) and
    whether it is a scan."""

    lines: list[Line]
    scanned: bool


def extract(path: Path) -> Extracted:
    """Each page's text (page_texts), the scanned pages and Title/Author/CreationDate."""
    import pypdfium2 as pdfium

    document = _open(path)
    try:
        if len(document) > limits.MAX_PDF_PAGES:
            raise RejectedFile("too-large", f"PDF has more than {limits.MAX_PDF_PAGES} pages")
        meta = _metadata(document)
        pages = [_read_page(document, number) for number in range(len(document))]
    except pdfium.PdfiumError as error:
        raise RejectedFile("corrupt", f"PDF could not be parsed: {_short(error)}") from error
    finally:
        document.close()
    texts = page_texts([page.lines for page in pages])
    return Extracted(
        text="\n\n".join(texts), metadata=meta, page_texts=texts,
        ocr_pages=[number for number, page in enumerate(pages) if page.scanned],
    )


def page_texts(pages: list[list[Line]]) -> list[str]:
    """Each page's lines as paragraphs, judged against the whole document: its usual
    line width (a page of code has no full lines) and its hyphenated words (a compound
    written mid-line anywhere keeps its hyphen at a line end)."""
    every_line = [line for lines in pages for line in lines]
    compounds = pdf_lines.compounds_in(line.text for line in every_line)
    measure = pdf_lines.usual_width(every_line)
    return [pdf_lines.page_text(lines, compounds, measure) for lines in pages]


def _open(path: Path):
    """The pdfium document; encrypted files are refused, unparsable ones are corrupt.

    The file is opened once first so that a file that cannot be read raises the
    OSError the loader reports as unreadable (pdfium only says "file access error")."""
    import pypdfium2 as pdfium

    with open(path, "rb"):
        pass
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as error:
        if getattr(error, "err_code", None) in _PASSWORD_ERRORS:
            raise RejectedFile(
                "unsupported", "encrypted PDF (needs a password)") from error
        raise RejectedFile("corrupt", f"PDF could not be parsed: {_short(error)}") from error


def _metadata(document) -> dict[str, str]:
    """Title, author and date from the document info, which pdfium decodes already
    (UTF-16 with a BOM or PDFDocEncoding); the date stays in PDF form (D:2013...)."""
    info = document.get_metadata_dict(skip_empty=True)
    return {name: info[key] for key, name in _INFO_FIELDS.items() if info.get(key, "").strip()}


def _read_page(document, number: int) -> _Page:
    """One page's lines and scan check, its pdfium objects closed at once (a long PDF
    would otherwise hold every page until the document closes)."""
    page = document[number]
    try:
        textpage = page.get_textpage()
        try:
            lines = page_lines(textpage)
        finally:
            textpage.close()
        return _Page(lines, _is_scan(page, lines))
    finally:
        page.close()


def page_lines(textpage) -> list[Line]:
    """The page's lines in pdfium's order (the content stream's, which is the reading
    order for what word processors and TeX write), each with its extent and baseline."""
    import pypdfium2.raw as pdfium_c

    count = pdfium_c.FPDFText_CountChars(textpage.raw)
    text = textpage.get_text_range() if count > 0 else ""
    if len(text) != count:  # characters beyond 16 bits: one index, two UTF-16 units
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i) or 0xFFFD)
                       for i in range(count))
    lines = []
    for match in _LINE.finditer(text.replace(_PDFIUM_HYPHEN, "\ufffe")):
        piece = match.group().replace("\ufffe", "-")
        stripped = piece.strip()
        if stripped:
            first = match.start() + len(piece) - len(piece.lstrip())
            last = match.start() + len(piece.rstrip()) - 1
            lines.append(_line(textpage, piece, first, last, match.start()))
    return lines


def _line(textpage, text: str, first: int, last: int, start: int) -> Line:
    """A Line from its characters (`start` is the index of its first, `first` and `last`
    of its first and last visible ones): its extent from the first and last visible
    boxes, or from every box on a right-to-left line, whose order is not its layout's."""
    import pypdfium2.raw as pdfium_c

    x, y = ctypes.c_double(), ctypes.c_double()
    pdfium_c.FPDFText_GetCharOrigin(textpage.raw, first, x, y)
    size = max(pdfium_c.FPDFText_GetFontSize(textpage.raw, i) for i in (first, last))
    if pdf_lines.is_rtl(text):
        boxes = [textpage.get_charbox(start + offset) for offset in range(len(text))]
        text = _RTL_SPACED_STOP.sub(r"\1", _unreverse_ligatures(text, boxes))
    else:
        boxes = [textpage.get_charbox(first), textpage.get_charbox(last)]
    ends = [box for box in boxes if box[2] > box[0]] or boxes
    return Line(text, min(b[0] for b in ends), max(b[2] for b in ends), y.value, size)


def _unreverse_ligatures(text: str, boxes: list[tuple[float, ...]]) -> str:
    """A right-to-left line's text with each ligature's letters back in order.

    pdfium reverses a right-to-left line character by character, so a glyph that
    stands for several letters (Arabic lam-alef) comes out backwards ("ال" for "لا").
    Its letters share one box, which is how they are found."""
    chars = list(text)
    out: list[str] = []
    run = [chars[0]]
    for previous, box, char in zip(boxes, boxes[1:], chars[1:], strict=False):
        if box == previous and not char.isspace():
            run.append(char)
            continue
        out.extend(reversed(run))
        run = [char]
    out.extend(reversed(run))
    return "".join(out)


def _is_scan(page, lines: list[Line]) -> bool:
    """Whether the page's words can only be had by OCR: it is a scan.

    A text layer of fewer than SCAN_MAX_CHARS visible characters (a stamp, a page
    number) is not the page's text, so such a page is a scan when images cover
    SCAN_MIN_COVER of it. A page with no text at all is one when it draws anything
    (a smaller scan, text turned into outlines): OCR is the only way to its words,
    if it has any. A blank page is not: OCR would find nothing there."""
    visible = 0
    for line in lines:
        visible += len(line.text) - line.text.count(" ")
        if visible >= SCAN_MAX_CHARS:
            return False
    if visible == 0:
        return _draws_anything(page)
    return _image_cover(page) >= SCAN_MIN_COVER


def _draws_anything(page) -> bool:
    import pypdfium2.raw as pdfium_c

    return pdfium_c.FPDFPage_CountObjects(page.raw) > 0


def _image_cover(page) -> float:
    """The share of the page that its images cover (overlaps counted twice, at most 1)."""
    import pypdfium2.raw as pdfium_c

    page_left, page_bottom, page_right, page_top = page.get_bbox()
    area = (page_right - page_left) * (page_top - page_bottom)
    if area <= 0:
        return 0.0
    covered = 0.0
    for image in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)):
        left, bottom, right, top = image.get_bounds()
        covered += max(0.0, min(right, page_right) - max(left, page_left)) * max(
            0.0, min(top, page_top) - max(bottom, page_bottom))
    return min(1.0, covered / area)


def _short(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 160 else text[:157] + "..."
