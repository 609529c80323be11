"""A document's pages through the Library: which documents have pages, where a hit of
the stored text lies on the page, a rectangle dragged on the page back to the same
offsets, and the character tables cached in the derived index (rebuilt when gone)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from archive_app.core.ingest import ocr
from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from tests.core.ingest import ocr_fixtures as scans
from tests.core.pages.conftest import HEADING_AT, HEADING_SIZE, heading


@pytest.fixture
def library(tmp_path: Path, three_page_pdf: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(three_page_pdf, corpus / "report.pdf")
    (corpus / "note.txt").write_text("A note about the tide tables.\n", encoding="utf-8")
    with zipfile.ZipFile(corpus / "bundle.zip", "w") as bundle:
        bundle.write(three_page_pdf, "inner/report.pdf")
    library = Library(AppPaths(tmp_path / "home"))
    library.sync([corpus])
    yield library
    library.close()


def key_of(library: Library, suffix: str) -> str:
    return next(hit.key for hit in library.search("tide", limit=50, copies="separate").hits
                if hit.key.endswith(suffix))


def test_only_documents_with_pages_on_disk_have_a_page_view(library):
    assert library.pages(key_of(library, "corpus/report.pdf")) is not None
    assert library.pages(key_of(library, "note.txt")) is None
    member = key_of(library, "inner/report.pdf")
    assert library.pages(member) is None  # inside a zip: no file of its own to render


def test_a_word_of_the_stored_text_is_boxed_where_it_is_printed(library):
    key = key_of(library, "corpus/report.pdf")
    pages = library.pages(key)
    view = library.document(key)
    assert pages.page_count == 3
    word = heading(1)  # "Dredging channel 2", printed on the second page
    start = view.text.index(word)
    assert pages.page_of(start) == 1
    found = pages.boxes(1, [(start, start + len("Dredging"))])
    assert len(found) == 1
    left, top, right, bottom = found[0].rect
    x, baseline = HEADING_AT
    assert abs(left - x) < 3
    assert top < baseline < bottom + 3
    assert bottom - top < HEADING_SIZE * 2
    assert pages.boxes(0, [(start, start + 8)]) == []  # not on the first page


def test_a_rectangle_dragged_across_a_word_gives_its_offsets(library):
    key = key_of(library, "corpus/report.pdf")
    pages = library.pages(key)
    view = library.document(key)
    start = view.text.index("Dredging")
    [box] = pages.boxes(1, [(start, start + len("Dredging"))])
    left, top, right, bottom = box.rect
    middle = (top + bottom) / 2
    found = pages.offsets_in(1, (left + 1, middle - 2, right - 1, middle + 2))
    assert found is not None
    assert view.text[found[0]:found[1]] == "Dredging"
    assert pages.offsets_in(1, (500, 780, 560, 800)) is None  # a blank corner


def test_character_tables_are_cached_in_the_index_and_rebuilt_when_gone(library):
    key = key_of(library, "corpus/report.pdf")
    pages = library.pages(key)
    assert pages.table(2) is not None
    cache = library.paths.index_dir / "pages"
    files = list(cache.rglob("*.table"))
    assert len(files) == 1
    renderer = pages.renderer
    asked = renderer.requests
    again = library.pages(key)  # a new view of the document reads the cached table
    assert again.table(2) is not None and renderer.requests == asked
    shutil.rmtree(cache)
    rebuilt = library.pages(key)
    assert rebuilt.table(2) is not None and renderer.requests > asked


@pytest.mark.skipif(not ocr.available(), reason="Tesseract is not installed")
def test_a_scans_hit_is_boxed_from_tesseracts_word_boxes(tmp_path: Path):
    """A scan indexed by OCR: the page view boxes its hit on the word's ink, from the
    word boxes kept in the OCR cache (never running Tesseract again to draw)."""
    scans.require_shaping()
    corpus = tmp_path / "scans"
    corpus.mkdir()
    picture = scans.page_image("eng")
    picture.save(corpus / "letter.png", dpi=(scans.SCAN_DPI, scans.SCAN_DPI))
    library = Library(AppPaths(tmp_path / "home"))
    try:
        library.sync([corpus])
        [hit] = library.search("endowed").hits
        view = library.document(hit.key)
        pages = library.pages(hit.key)
        assert pages is not None and pages.page_size(0) == picture.size
        runs = ocr.tesseract_runs
        start = view.text.index("endowed")
        [box] = pages.boxes(0, [(start, start + len("endowed"))])
        assert ocr.tesseract_runs == runs  # drawn from the cache
        left, top, right, bottom = (round(value) for value in box.rect)
        ink = np.asarray(picture.convert("L")) < 128
        assert ink[top:bottom, left:right].mean() > 0.1
        assert ink[top:bottom, left - 8:left - 2].mean() < 0.02
        assert ink[top:bottom, right + 2:right + 8].mean() < 0.02
    finally:
        library.close()
