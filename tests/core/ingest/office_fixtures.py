"""Real Office and OpenDocument files for the issue-14 importers, written by the real
libraries (openpyxl, python-pptx) or as minimal valid OpenDocument packages."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"'
)
MIMETYPES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}


def write_odf(path: Path, kind: str, body: str, title: str = "", author: str = "",
              date: str = "") -> Path:
    """A minimal valid OpenDocument package: mimetype first and stored, manifest,
    content.xml holding `body` inside office:body, meta.xml."""
    mimetype = MIMETYPES[kind]
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
        'manifest:1.0" manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
        '</manifest:manifest>')
    content = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {ODF_NS} '
               f'office:version="1.2"><office:body>{body}</office:body>'
               '</office:document-content>')
    fields = "".join(f"<{tag}>{escape(value)}</{tag}>" for tag, value in
                     (("dc:title", title), ("meta:initial-creator", author),
                      ("meta:creation-date", date)) if value)
    meta = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta {ODF_NS} '
            f'office:version="1.2"><office:meta>{fields}</office:meta></office:document-meta>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        for name, data in (("META-INF/manifest.xml", manifest), ("content.xml", content),
                           ("meta.xml", meta)):
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def make_odt(path: Path) -> Path:
    body = (
        '<office:text><text:h text:outline-level="1">Dredging minutes</text:h>'
        '<text:p>The harbour board met on<text:s/>Tuesday.<text:tab/>Quorum held.</text:p>'
        '<text:list><text:list-item><text:p>Item one: the quagmire budget</text:p>'
        '</text:list-item></text:list>'
        '<table:table table:name="T"><table:table-row><table:table-cell><text:p>cellword'
        '</text:p></table:table-cell></table:table-row></table:table>'
        '</office:text>')
    return write_odf(path, "odt", body, title="Board minutes", author="Ann Quay",
                     date="2013-09-01T10:00:00")


def ods_body(sheets: dict[str, list[list[str]]]) -> str:
    tables = []
    for name, rows in sheets.items():
        xml_rows = "".join(
            "<table:table-row>" + "".join(
                f"<table:table-cell><text:p>{escape(cell)}</text:p></table:table-cell>"
                if cell else "<table:table-cell/>" for cell in row) + "</table:table-row>"
            for row in rows)
        tables.append(f'<table:table table:name="{escape(name)}">{xml_rows}</table:table>')
    return "<office:spreadsheet>" + "".join(tables) + "</office:spreadsheet>"


def make_ods(path: Path) -> Path:
    body = ods_body({"Q3 budget": [["Item", "Cost"], ["Buoys", "1200"]],
                     "Staff": [["Name", "", "Role"], ["Zebulon", "", "pilot"]]})
    # LibreOffice writes empty rows and columns as huge repeats; they must cost nothing
    body = body.replace("</table:table>", '<table:table-row table:number-rows-repeated='
                        '"1048000"><table:table-cell table:number-columns-repeated="1024"/>'
                        "</table:table-row></table:table>")
    return write_odf(path, "ods", body, title="Budget", author="Ben Dock")


def make_odp(path: Path) -> Path:
    slides = ["".join(f'<draw:frame><draw:text-box><text:p>{escape(line)}</text:p>'
                      '</draw:text-box></draw:frame>' for line in lines)
              for lines in (["Opening slide", "Harbour plans"], ["Second slide", "xylophone"],
                            ["Closing words"])]
    body = "<office:presentation>" + "".join(
        f'<draw:page draw:name="s{n}">{slide}<presentation:notes><draw:frame><draw:text-box>'
        f'<text:p>speaker secret {n}</text:p></draw:text-box></draw:frame>'
        '</presentation:notes></draw:page>'
        for n, slide in enumerate(slides, 1)) + "</office:presentation>"
    return write_odf(path, "odp", body, title="Harbour deck", author="Cy Pier")


def make_xlsx(path: Path, rows: int = 0) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Q3 budget"
    sheet.append(["Item", "Cost"])
    sheet.append(["Buoys", 1200])
    sheet["D5"] = "farflung"
    second = workbook.create_sheet("Staff")
    second.append(["Zebulon", None, "pilot"])
    second.append([True, 2.5, "=1+1"])
    for number in range(rows):
        second.append([f"row{number}", number, "filler words here"])
    workbook.properties.title = "Budget workbook"
    workbook.properties.creator = "Ben Dock"
    workbook.properties.created = datetime(2014, 5, 6, 7, 8, 9)
    workbook.save(path)
    return path


def make_pptx(path: Path) -> Path:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    for title, body in (("Opening slide", "Harbour plans"), ("Second slide", "xylophone"),
                        ("Closing words", "")):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        if body:
            slide.placeholders[1].text = body
    table = deck.slides[2].shapes.add_table(1, 2, Inches(1), Inches(4), Inches(4),
                                            Inches(1)).table
    table.cell(0, 0).text = "tablecell"
    table.cell(0, 1).text = "quokka"
    deck.core_properties.title = "Harbour deck"
    deck.core_properties.author = "Cy Pier"
    deck.core_properties.created = datetime(2015, 1, 2, 3, 4, 5)
    deck.save(path)
    return path


RTF = (rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times;}}{\colortbl;\red0\green0\blue0;}"
       rb"{\stylesheet{\s0 Normal;}}{\info{\title Minutes of the board}{\author Dee Wharf}"
       rb"{\creatim\yr2012\mo3\dy4}}{\*\generator Hand 1.0;}"
       rb"\f0 Caf\'e9 meeting\par Second line with \u8364? euro and {\b bold} words\par"
       rb"{\pict\pngblip 89504e47 hiddenpicturetext}{\*\fldinst HYPERLINK hiddenfield}"
       rb"Tab\tab end\par}")
