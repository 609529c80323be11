"""Fixtures that generate real documents of every supported format in a temporary folder."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

PDF_PAGES = [
    "Harbour authority annual report. Shipping volumes rose sharply this year.",
    "Second page: dredging of the northern channel began in spring.",
    "Third page: the lighthouse keeper retired after forty years.",
]

HTML_PAGE = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<title>Tide tables explained | Coastal Weekly</title>
<meta property="og:title" content="Tide tables explained">
<meta name="author" content="Mary Shore">
<meta property="article:published_time" content="2014-03-05T08:00:00Z">
<meta property="og:site_name" content="Coastal Weekly">
<link rel="canonical" href="https://example.org/tides">
<script>var tracking = "analytics";</script><style>body { color: red }</style>
</head><body class="has-sidebar">
<header>Coastal Weekly masthead</header>
<nav><a href="/">Home</a> <a href="/about">About us</a></nav>
<div class="cookie-banner">We use cookies</div>
<article><h1>Tide tables explained</h1>
<p>Spring tides follow the new moon.<br>Neap tides follow the quarter moon.</p>
<div class="share-buttons">Share on social media</div>
<p>Harbour pilots read the tables every morning.</p></article>
<aside>Related: sailing knots</aside>
<footer>Copyright footer text</footer>
<script>alert(1)</script>
</body></html>
"""

MARKDOWN = """---
title: Field notes on salt marshes
authors:
  - Ada Fenn
  - Ben Reed
date: 2012-06-30
lang: en
source: Marsh Society
---
# Salt marshes

Cordgrass traps sediment at high tide.
"""


def make_pdf(path: Path, pages: list[str] = PDF_PAGES, info: bool = True) -> Path:
    """A multi-page PDF written by fpdf2, one paragraph a page (so the importer records
    page starts); with `info`, a document info dictionary (title, author, date)."""
    pdf = FPDF()
    if info:
        pdf.set_title("Harbour Report 2013")
        pdf.set_author("Jane Roe")
        pdf.set_creation_date(datetime(2013, 9, 1, 12, 0, tzinfo=UTC))
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 10, text)
    pdf.output(str(path))
    return path


def make_image_only_pdf(path: Path) -> Path:
    """A PDF with drawings but no text layer, like a scan without OCR."""
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    pdf.output(str(path))
    return path


def make_docx(path: Path) -> Path:
    """A DOCX with a heading, paragraphs, a table and core properties."""
    document = docx.Document()
    document.core_properties.title = "Minutes of the lock committee"
    document.core_properties.author = "Tom Weir"
    document.core_properties.created = datetime(2011, 4, 2, 9, 30)
    document.add_heading("Lock committee", level=1)
    document.add_paragraph("The committee approved repairs to the upper gate.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Budget"
    table.rows[0].cells[1].text = "4000 pounds"
    document.add_paragraph("Next meeting in May.")
    document.save(str(path))
    return path


def make_epub(path: Path) -> Path:
    """A minimal valid EPUB 3: manifest lists chapter two first, the spine says otherwise."""
    opf = """<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:identifier id="id">urn:uuid:1234</dc:identifier>
<dc:title>The Canal Book</dc:title><dc:creator>Ruth Lock</dc:creator>
<dc:creator>Sam Barge</dc:creator><dc:date>2010-05-17</dc:date>
<dc:publisher>Towpath Press</dc:publisher><dc:language>en</dc:language></metadata>
<manifest><item id="c2" href="text/ch2.xhtml" media-type="application/xhtml+xml"/>
<item id="c1" href="text/ch1.xhtml" media-type="application/xhtml+xml"/></manifest>
<spine><itemref idref="c1"/><itemref idref="c2"/></spine></package>"""
    container = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/content.opf"
 media-type="application/oebps-package+xml"/></rootfiles></container>"""
    chapter = """<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>{0}</title></head>
<body><h1>{0}</h1><p>{1}</p></body></html>"""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/container.xml", container)
        archive.writestr("OEBPS/content.opf", opf)
        archive.writestr("OEBPS/text/ch1.xhtml", chapter.format("Locks", "Narrowboats rise."))
        archive.writestr("OEBPS/text/ch2.xhtml", chapter.format("Tunnels", "Legging it through."))
    return path


def make_eml(path: Path, html_only: bool = False) -> Path:
    """An e-mail with a plain (or HTML-only) body and a PDF attachment."""
    message = EmailMessage()
    message["Subject"] = "Flood gauge readings"
    message["From"] = "Jane Roe <jane@example.org>"
    message["To"] = "archive@example.org"
    message["Date"] = "Tue, 03 Feb 2015 10:00:00 +0000"
    if html_only:
        message.set_content(
            "<html><body><p>Gauge at <b>Weir Bridge</b></p>"
            "<script>alert(1)</script></body></html>",
            subtype="html",
        )
    else:
        message.set_content("The gauge at Weir Bridge read 2.4 metres.\n")
    message.add_attachment(
        b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="readings.pdf"
    )
    path.write_bytes(bytes(message))
    return path


@pytest.fixture
def pdf_pages() -> list[str]:
    return list(PDF_PAGES)


@pytest.fixture
def pdf_file(tmp_path: Path) -> Path:
    return make_pdf(tmp_path / "harbour.pdf")


@pytest.fixture
def docx_file(tmp_path: Path) -> Path:
    return make_docx(tmp_path / "minutes.docx")


@pytest.fixture
def epub_file(tmp_path: Path) -> Path:
    return make_epub(tmp_path / "canal.epub")


@pytest.fixture
def eml_file(tmp_path: Path) -> Path:
    return make_eml(tmp_path / "gauge.eml")


@pytest.fixture
def html_eml_file(tmp_path: Path) -> Path:
    return make_eml(tmp_path / "gauge-html.eml", html_only=True)


@pytest.fixture
def image_pdf_file(tmp_path: Path) -> Path:
    return make_image_only_pdf(tmp_path / "scan.pdf")


@pytest.fixture
def html_file(tmp_path: Path) -> Path:
    path = tmp_path / "tides.html"
    path.write_text(HTML_PAGE, encoding="utf-8")
    return path


@pytest.fixture
def md_file(tmp_path: Path) -> Path:
    path = tmp_path / "marsh.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    return path
