"""Region annotations: a rectangle of a page with no text (a stamp, a photograph), tagged,
found by its tag, moved with its page on re-indexing, exported as a W3C FragmentSelector
`xywh=` (checked against the W3C's own assertions), as a picture in HTML and DOCX, as a
caption in Markdown and CSV, and imported back into another archive."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import shutil
import sqlite3
from pathlib import Path

import docx
import pytest
from PIL import Image

from archive_app.core.annotations import store as store_module
from archive_app.core.annotations.importing import import_annotations
from archive_app.core.annotations.records import AnnotationError
from archive_app.core.annotations.regions import Region
from archive_app.core.annotations.store import UserStore
from archive_app.core.export import excerpts_from_annotations, export_excerpts
from archive_app.core.export.model import ExportOptions
from archive_app.core.ingest import ocr
from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from tests.core.export.interop import w3c_failures
from tests.core.ingest import ocr_fixtures as scans

needs_ocr = pytest.mark.skipif(not ocr.available(), reason="Tesseract is not installed")


def export_annotations(library: Library, name: str, target: Path, options: ExportOptions):
    """Every annotation through the export pipeline both faces use."""
    options.format = name
    export_excerpts(library, lambda: excerpts_from_annotations(
        library, library.all_annotations()), options, target)

STAMP = (300.0, 500.0, 150.0, 120.0)
"""Where the red stamp is drawn on page 2 of the report: left, top, width, height (pt)."""


def _report_pdf(path: Path) -> None:
    """Three text pages; on the second a red square stamp with no text in it."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    for number in range(3):
        pdf.add_page()
        pdf.set_font("Helvetica", size=14)
        pdf.text(72, 100, f"Harbour report page {number + 1}: dredging and tides.")
        if number == 1:
            pdf.set_fill_color(220, 30, 30)
            pdf.rect(*STAMP, style="F")
    pdf.output(str(path))


@pytest.fixture
def archive(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _report_pdf(corpus / "report.pdf")
    if ocr.available():  # a scanned letter: an image document needs text to be indexed
        scans.require_shaping()
        scans.page_image("eng").save(corpus / "photo.png")
    library = Library(AppPaths(tmp_path / "home"))
    library.sync([corpus])
    yield library, corpus
    library.close()


def _key(library: Library, name: str) -> str:
    return next(hit.key for hit in library.search("format:pdf OR format:image", limit=50).hits
                if hit.key.endswith(name))


def test_a_region_is_tagged_found_by_its_tag_and_listed_with_its_page(archive):
    library, _ = archive
    key = _key(library, "report.pdf")
    made = library.annotate_region(key, 1, Region(*STAMP), ["evidence/stamp"], "red stamp")
    assert (made.page, made.region.as_tuple(), made.exact) == (1, STAMP, "")
    view = library.document(key)
    assert made.start == made.end == view.page_starts[1]  # sorted at its page
    assert [hit.key for hit in library.search("tag:evidence").hits] == [key]
    [listed] = library.all_annotations()
    assert listed.is_region and listed.note == "red stamp"
    library.undo()
    assert library.all_annotations() == []
    library.redo()
    assert library.all_annotations()[0].region == Region(*STAMP)


def test_a_region_is_clipped_to_its_page_and_one_off_every_page_is_refused(archive):
    library, _ = archive
    key = _key(library, "report.pdf")
    clipped = library.annotate_region(key, 0, Region(500, 800, 400, 400), ["edge"])
    assert clipped.region.width == pytest.approx(595.28 - 500, abs=0.01)
    with pytest.raises(AnnotationError, match="not on the page"):
        library.annotate_region(key, 0, Region(900, 900, 10, 10), ["off"])
    with pytest.raises(AnnotationError, match="has 3 pages; there is no page 4"):
        library.annotate_region(key, 3, Region(1, 1, 10, 10), ["nowhere"])
    with pytest.raises(AnnotationError, match="at least one tag or a note"):
        library.annotate_region(key, 0, Region(1, 1, 10, 10), [])
    with pytest.raises(ValueError, match="is not a region"):
        Region.parse("1,2,3")


def test_a_region_keeps_its_page_when_the_text_is_read_again(archive):
    """Re-anchoring moves a region with its page's start; it seeks no words."""
    library, corpus = archive
    key = _key(library, "report.pdf")
    made = library.annotate_region(key, 2, Region(10, 10, 50, 50), ["margin"])
    with sqlite3.connect(library.paths.annotations_db) as db:  # as if an older text
        db.execute("UPDATE annotations SET doc_sha256 = 'older', start = 3, end = 3")
    library.sync([corpus])
    [again] = library.all_annotations()
    view = library.document(key)
    assert again.state == "anchored" and again.id == made.id
    assert again.start == view.page_starts[2] and again.region == made.region


@needs_ocr
def test_w3c_export_carries_the_page_and_rectangle_and_imports_back(archive, tmp_path):
    library, corpus = archive
    key = _key(library, "report.pdf")
    photo = _key(library, "photo.png")
    library.annotate_region(key, 1, Region(*STAMP), ["stamp"], "red stamp")
    library.annotate_region(photo, 0, Region(100, 50, 200, 200), ["face"])
    target = tmp_path / "out.json"
    export_annotations(library, "json", target, ExportOptions(title="Regions"))
    data = json.loads(target.read_text(encoding="utf-8"))
    items = data["first"]["items"]
    by_tag = {item["body"][-1]["value"]: item for item in items}
    pdf_selector = by_tag["stamp"]["target"]["selector"]
    assert pdf_selector["type"] == "FragmentSelector" and pdf_selector["value"] == "page=2"
    assert pdf_selector["conformsTo"] == "http://tools.ietf.org/rfc/rfc3778"
    assert pdf_selector["refinedBy"] == {
        "type": "FragmentSelector", "conformsTo": "http://www.w3.org/TR/media-frags/",
        "value": "xywh=pixel:300,500,150,120"}
    assert by_tag["face"]["target"]["selector"] == {
        "type": "FragmentSelector", "conformsTo": "http://www.w3.org/TR/media-frags/",
        "value": "xywh=pixel:100,50,200,200"}
    for item in items:
        assert w3c_failures("annotation", item) == []
        assert w3c_failures("selectors", item) == []

    other = Library(AppPaths(tmp_path / "other-home"))  # a colleague's copy of the folder
    try:
        copy = tmp_path / "copy" / "corpus"
        shutil.copytree(corpus, copy)
        other.sync([copy])
        report = import_annotations(other, data)
        assert report.created == 2, report.describe()
        regions = {a.tags[0]: a for a in other.all_annotations()}
        assert regions["stamp"].page == 1 and regions["stamp"].region == Region(*STAMP)
        assert regions["face"].page == 0 and regions["face"].region.as_tuple() == (
            100, 50, 200, 200)
        assert import_annotations(other, data).duplicates == 2
    finally:
        other.close()


@needs_ocr
def test_an_imported_percent_rectangle_and_bad_ones_get_clear_reasons(archive):
    library, _ = archive
    photo = _key(library, "photo.png")
    source = f"urn:archive-app:{photo}"

    def item(value: str, ident: str) -> dict:
        return {"id": f"urn:x:{ident}", "type": "Annotation",
                "body": {"type": "TextualBody", "purpose": "tagging", "value": "spot"},
                "target": {"source": source, "selector": {
                    "type": "FragmentSelector", "value": value}}}

    past_the_end = item("page=4", "d")
    past_the_end["target"] = {
        "source": f"urn:archive-app:{_key(library, 'report.pdf')}",
        "selector": {"type": "FragmentSelector", "value": "page=4", "refinedBy": {
            "type": "FragmentSelector", "value": "xywh=1,1,5,5"}}}
    report = import_annotations(library, [
        item("xywh=percent:25,50,50,25", "a"), item("xywh=pixel:99999,99999,10,10", "b"),
        item("xywh=pixel:1,1,0,5", "c"),
        past_the_end])
    assert report.created == 1
    [made] = library.all_annotations()
    width, height = Image.open(library.document(photo).path).size
    assert made.region.as_tuple() == pytest.approx(
        (width / 4, height / 2, width / 2, height / 4), abs=0.01)
    text = report.describe()
    assert "item 2" in text and "not on the page" in text
    assert "item 3" in text and "no area" in text
    assert "item 4" in text and "page 4" in text and "has 3" in text


def test_html_and_docx_show_the_regions_picture_markdown_and_csv_its_caption(archive, tmp_path):
    library, _ = archive
    key = _key(library, "report.pdf")
    library.annotate_region(key, 1, Region(*STAMP), ["stamp"], "red stamp")
    html = tmp_path / "out.html"
    export_annotations(library, "html", html, ExportOptions(title="Regions"))
    page = html.read_text(encoding="utf-8")
    [data] = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    picture = Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")
    assert abs(picture.width - 150 * 4) <= 2  # a small region: at most 4x (288 dpi)
    assert abs(picture.width / picture.height - 150 / 120) < 0.02
    red, green, blue = picture.getpixel((picture.width // 2, picture.height // 2))
    assert red > 180 and green < 80 and blue < 80  # the stamp itself
    assert "Region on page 2" in page and "p. 2" in page

    word = tmp_path / "out.docx"
    export_annotations(library, "docx", word, ExportOptions(title="Regions"))
    document = docx.Document(str(word))
    assert len(document.inline_shapes) == 1
    assert any("Region on page 2" in paragraph.text for paragraph in document.paragraphs)

    markdown = tmp_path / "out.md"
    export_annotations(library, "md", markdown, ExportOptions(title="Regions"))
    assert "Region on page 2: 150 × 120 pt at 300, 500" in markdown.read_text(encoding="utf-8")
    table = tmp_path / "out.csv"
    export_annotations(library, "csv", table, ExportOptions(title="Regions"))
    [row] = list(csv.DictReader(io.StringIO(table.read_text(encoding="utf-8-sig"))))
    assert row["quote"].startswith("[Region on page 2") and row["tags"] == "stamp"


def test_a_version_3_store_gains_regions_and_keeps_its_passages(tmp_path: Path):
    paths = AppPaths(tmp_path / "home")
    paths.home.mkdir(parents=True)
    db = sqlite3.connect(paths.annotations_db)
    for step in store_module.MIGRATIONS[:3]:
        step(db)
    db.execute("INSERT INTO annotations(uuid, doc, doc_sha256, start, end, exact, created, "
               "modified) VALUES ('u1', 'c/a.txt', 'x', 0, 4, 'tide', 't', 't')")
    db.execute("PRAGMA user_version = 3")
    db.commit()
    db.close()
    store = UserStore(paths.annotations_db, paths.backups_dir)
    try:
        assert store.version == store_module.SCHEMA_VERSION >= 4
        from archive_app.core.annotations.records import Annotations

        [old] = Annotations(store).all()
        assert (old.exact, old.page, old.region, old.is_region) == ("tide", None, None, False)
    finally:
        store.close()
