"""Each importer on a real generated file: the words a user searches for and the metadata."""

from __future__ import annotations

from pathlib import Path

from archive_app.core.ingest import load_document
from archive_app.core.ingest.documents import content_hash


def test_pdf_text_metadata_and_page_offsets(pdf_file: Path, pdf_pages: list[str]) -> None:
    doc = load_document(pdf_file, "harbour.pdf")
    assert doc.format == "pdf"
    assert "Shipping volumes rose sharply" in doc.text
    assert (doc.title, doc.author, doc.date) == ("Harbour Report 2013", "Jane Roe", "2013-09-01")
    assert len(doc.page_starts) == len(pdf_pages)
    for start, page in zip(doc.page_starts, pdf_pages, strict=True):
        assert doc.text[start:].startswith(" ".join(page.split()[:3]))
    assert doc.sha256 == content_hash(doc.text)
    assert doc.path == str(pdf_file)


def test_pdf_keeps_spaces_between_words(pdf_file: Path) -> None:
    doc = load_document(pdf_file, "harbour.pdf")
    assert "lighthouse keeper retired" in doc.text
    assert "lighthousekeeper" not in doc.text


def test_docx_paragraphs_table_and_core_properties(docx_file: Path) -> None:
    doc = load_document(docx_file, "minutes.docx")
    assert doc.format == "docx"
    lines = doc.text.split("\n\n")
    assert lines[0] == "Lock committee"
    assert "The committee approved repairs to the upper gate." in lines
    assert "Budget\t4000 pounds" in lines
    assert doc.text.index("Budget") < doc.text.index("Next meeting in May.")
    assert (doc.title, doc.author, doc.date) == ("Minutes of the lock committee", "Tom Weir",
                                                  "2011-04-02")


def test_epub_chapters_in_spine_order_and_dublin_core(epub_file: Path) -> None:
    doc = load_document(epub_file, "canal.epub")
    assert doc.format == "epub"
    assert doc.text.index("Narrowboats rise.") < doc.text.index("Legging it through.")
    assert doc.title == "The Canal Book"
    assert doc.author == "Ruth Lock; Sam Barge"
    assert (doc.date, doc.source, doc.lang) == ("2010-05-17", "Towpath Press", "en")


def test_eml_headers_body_and_attachments(eml_file: Path) -> None:
    doc = load_document(eml_file, "gauge.eml")
    assert doc.format == "eml"
    assert "Weir Bridge read 2.4 metres" in doc.text
    assert doc.title == "Flood gauge readings"
    assert doc.author == "Jane Roe <jane@example.org>"
    assert doc.date == "2015-02-03"
    assert doc.attachments == ["readings.pdf"]
    assert doc.text.endswith("Attachments: readings.pdf")
    assert "%PDF" not in doc.text


def test_eml_html_only_body_is_converted_without_script(html_eml_file: Path) -> None:
    doc = load_document(html_eml_file, "gauge-html.eml")
    assert "Gauge at Weir Bridge" in doc.text
    assert "alert" not in doc.text and "<b>" not in doc.text


def test_html_main_text_without_boilerplate(html_file: Path) -> None:
    doc = load_document(html_file, "tides.html")
    assert doc.format == "html"
    assert "Spring tides follow the new moon.\nNeap tides follow the quarter moon." in doc.text
    assert "Harbour pilots read the tables every morning." in doc.text
    for junk in ("masthead", "About us", "cookies", "Share on", "sailing knots",
                 "Copyright", "alert", "analytics", "color: red"):
        assert junk not in doc.text, junk


def test_html_metadata(html_file: Path) -> None:
    doc = load_document(html_file, "tides.html")
    assert doc.title == "Tide tables explained"
    assert doc.author == "Mary Shore"
    assert doc.date == "2014-03-05"
    assert doc.source == "Coastal Weekly"
    assert doc.url == "https://example.org/tides"
    assert doc.lang == "en-gb"


def test_html_without_article_keeps_body_and_uses_title_tag(tmp_path: Path) -> None:
    path = tmp_path / "plain.htm"
    path.write_text("<html><head><title>Old page</title></head><body><p>Alpha</p>"
                    "<ul class='menu'><li>Skip me</li></ul><p>Beta</p></body></html>")
    doc = load_document(path, "plain.htm")
    assert doc.text == "Alpha\n\nBeta"
    assert doc.title == "Old page"


def test_html_declared_charset_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "latin.html"
    body = '<html><head><meta charset="iso-8859-1"></head><body><p>Crème brûlée à Noël</p>'
    path.write_bytes(body.encode("latin-1"))
    assert "Crème brûlée à Noël" in load_document(path, "latin.html").text


def test_markdown_front_matter_and_body(md_file: Path) -> None:
    doc = load_document(md_file, "marsh.md")
    assert doc.format == "md"
    assert doc.text.startswith("# Salt marshes")
    assert "Cordgrass traps sediment" in doc.text
    assert "authors:" not in doc.text
    assert doc.title == "Field notes on salt marshes"
    assert doc.author == "Ada Fenn; Ben Reed"
    assert (doc.date, doc.lang, doc.source) == ("2012-06-30", "en", "Marsh Society")


def test_markdown_heading_is_title_without_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "notes.markdown"
    path.write_text("# Eel migration\n\nElvers arrive in March.\n")
    doc = load_document(path, "notes.markdown")
    assert (doc.format, doc.title) == ("md", "Eel migration")


def test_markdown_bad_yaml_keeps_the_whole_text(tmp_path: Path) -> None:
    path = tmp_path / "broken.md"
    path.write_text("---\ntitle: [unclosed\n---\nThe body survives.\n")
    doc = load_document(path, "broken.md")
    assert "The body survives." in doc.text
    assert doc.title == "broken"


def test_txt_utf8_with_short_first_line_as_title(tmp_path: Path) -> None:
    path = tmp_path / "letter.txt"
    path.write_text("Letter from Zürich\r\n\r\nDear Anna, the café is open.\r\n", encoding="utf-8")
    doc = load_document(path, "letter.txt")
    assert doc.format == "txt"
    assert doc.title == "Letter from Zürich"
    assert doc.text == "Letter from Zürich\n\nDear Anna, the café is open."


def test_txt_single_long_line_falls_back_to_file_name(tmp_path: Path) -> None:
    path = tmp_path / "one-liner.txt"
    path.write_text("word " * 40)
    assert load_document(path, "one-liner.txt").title == "one-liner"


def test_txt_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "french.txt"
    text = ("Le café de la gare ouvre à sept heures. Les élèves préfèrent le thé. "
            "Noël approche et la forêt est enneigée. ") * 5
    path.write_bytes(text.encode("cp1252"))
    doc = load_document(path, "french.txt")
    assert "Le café de la gare ouvre à sept heures." in doc.text
    assert "forêt est enneigée" in doc.text


def test_txt_utf16_with_and_without_bom(tmp_path: Path) -> None:
    with_bom = tmp_path / "bom.txt"
    with_bom.write_text("Tidal range in Bristol\nis very large.", encoding="utf-16")
    without_bom = tmp_path / "nobom.txt"
    without_bom.write_bytes("Tidal range in Bristol\nis very large.".encode("utf-16-le"))
    for path in (with_bom, without_bom):
        doc = load_document(path, path.name)
        assert doc.text == "Tidal range in Bristol\nis very large."


def test_html_article_header_keeps_headline_and_byline(tmp_path):
    page = tmp_path / "story.html"
    page.write_text(
        "<html><body><header>Site banner</header><article><header><h1>Dam report</h1>"
        "<p class='byline'>By A. Writer</p></header><p>The dam held.</p></article>"
        "</body></html>", encoding="utf-8")
    document = load_document(page, "k/story.html")
    assert "Dam report" in document.text and "By A. Writer" in document.text
    assert "Site banner" not in document.text
