"""Real files for the page renderer: PDFs written by fpdf2 or by hand, images by Pillow,
a hostile PDF that asks for the network, and the renderer itself (closed after)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image

from archive_app.core.pages.renderer import PageRenderer
from tests.counting_server import counting_server

A4_POINTS = (595.28, 841.89)
"""fpdf2's A4 in points: pdfium renders it ceil(595.28 * s) x ceil(841.89 * s) pixels."""
HEADING_AT = (72.0, 120.0)
"""Where each page's heading starts: x and the baseline's y from the page's top, points."""
HEADING_SIZE = 24
PAGE_HEADINGS = ["Harbour report", "Dredging channel", "Lighthouse keeper"]


def heading(page: int) -> str:
    return f"{PAGE_HEADINGS[page]} {page + 1}"


@pytest.fixture
def renderer() -> Iterator[PageRenderer]:
    with PageRenderer() as renderer:
        yield renderer


@pytest.fixture
def three_page_pdf(tmp_path: Path) -> Path:
    """An A4 PDF of three pages, each a heading at HEADING_AT and a paragraph below."""
    pdf = FPDF(unit="pt", format="A4")
    for page in range(3):
        pdf.add_page()
        pdf.set_font("Helvetica", size=HEADING_SIZE)
        pdf.text(*HEADING_AT, heading(page))
        pdf.set_font("Helvetica", size=12)
        pdf.set_xy(72, 200)
        pdf.multi_cell(300, 16, "The tide tables were printed on page "
                                f"{page + 1} and read every morning by the pilots.")
    path = tmp_path / "report.pdf"
    pdf.output(str(path))
    return path


@pytest.fixture
def png_image(tmp_path: Path) -> Path:
    """300 x 200, transparent, with an opaque black square at (100, 50)-(150, 100)."""
    image = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    image.paste((0, 0, 0, 255), (100, 50, 150, 100))
    path = tmp_path / "scan.png"
    image.save(path)
    return path


@pytest.fixture
def turned_jpeg(tmp_path: Path) -> Path:
    """400 x 100 as stored, EXIF orientation 6: shown 100 wide and 400 high."""
    image = Image.new("RGB", (400, 100), "white")
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "photo.jpg"
    image.save(path, exif=exif)
    return path


@pytest.fixture
def two_frame_tiff(tmp_path: Path) -> Path:
    """A TIFF of two pages: 400 x 300 and 200 x 100."""
    first = Image.new("L", (400, 300), 255)
    second = Image.new("RGB", (200, 100), (0, 0, 255))
    path = tmp_path / "fax.tiff"
    first.save(path, save_all=True, append_images=[second])
    return path


def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF of `objects` (object n is objects[n - 1], object 1 the catalog) with a
    correct cross-reference table, so pdfium reads it as written, without repair."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, table)
    return bytes(out)


def stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(data), data)


def hostile_pdf(path: Path, port: int) -> Path:
    """A page with visible text and everything that could reach 127.0.0.1:`port`: open
    and page actions in JavaScript (app.launchURL, this.submitForm), a document-level
    script, a form field with a script, a URI link, a Launch action, and an image whose
    data is a remote file (/F with a URL file specification)."""
    base = b"http://127.0.0.1:%d" % port
    script = (b"app.launchURL('" + base + b"/launch-url', true); "
              b"this.submitForm('" + base + b"/submit'); "
              b"app.openDoc('" + base + b"/doc.pdf');")
    content = b"BT /F1 24 Tf 72 700 Td (Hostile page) Tj ET q 100 0 0 100 72 500 cm /Im1 Do Q"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R /AcroForm << /Fields [8 0 R] >>"
        b" /Names << /JavaScript << /Names [(init) 5 0 R] >> >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 9 0 R >> /XObject << /Im1 10 0 R >> >>"
        b" /Annots [6 0 R 7 0 R 8 0 R] /AA << /O 5 0 R >> >>",
        stream(b"", content),
        b"<< /Type /Action /S /JavaScript /JS (" + script + b") >>",
        b"<< /Type /Annot /Subtype /Link /Rect [72 650 300 680] /Border [0 0 0]"
        b" /A << /S /URI /URI (" + base + b"/uri) >> >>",
        b"<< /Type /Annot /Subtype /Link /Rect [72 600 300 630] /Border [0 0 0]"
        b" /A << /S /Launch /F << /Type /Filespec /FS /URL /F (" + base + b"/launch) >>"
        b" >> >>",
        b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /V (x) /Rect [72 400 300 430]"
        b" /P 3 0 R /AA << /F 5 0 R /K 5 0 R /Fo 5 0 R >> >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        stream(b"/Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceRGB"
               b" /BitsPerComponent 8 /F << /Type /Filespec /FS /URL /F (" + base
               + b"/image.raw) >>", b""),
    ]
    path.write_bytes(raw_pdf(objects))
    return path


@pytest.fixture
def server() -> Iterator[int]:
    """An HTTP server on 127.0.0.1 counting requests (tests/counting_server.py)."""
    with counting_server() as port:
        yield port
