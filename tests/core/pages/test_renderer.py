"""The page renderer: real PDFs and images rendered in its child, hostile files shown
without a single request leaving, and a hanging, greedy or crashing child replaced."""

from __future__ import annotations

import math
import os
import struct
import time
from pathlib import Path

import pytest

from archive_app.core.pages.renderer import PageImage, PageProblem, PageRenderer
from tests.core.pages.conftest import (
    A4_POINTS,
    HEADING_AT,
    HEADING_SIZE,
    heading,
    hostile_pdf,
)
from tests.counting_server import CountingHandler


def dark_pixels(image: PageImage, left: int, top: int, right: int, bottom: int) -> int:
    """Pixels in the rectangle (in pixels) darker than mid-grey."""
    count = 0
    for y in range(top, bottom):
        row = image.data[y * image.stride + 3 * left: y * image.stride + 3 * right]
        count += sum(1 for x in range(0, len(row), 3) if sum(row[x:x + 3]) < 3 * 128)
    return count


def pixel(image: PageImage, x: int, y: int) -> tuple[int, int, int]:
    start = y * image.stride + 3 * x
    return tuple(image.data[start:start + 3])


def boxes(text) -> list[tuple[float, float, float, float]]:
    return list(struct.iter_unpack("<4f", text.boxes))


def test_a_pdf_page_renders_at_its_scale_with_its_text_drawn(renderer, three_page_pdf):
    assert renderer.page_count(three_page_pdf, "pdf") == 3
    width, height = renderer.page_size(three_page_pdf, "pdf", 1)
    assert (width, height) == pytest.approx(A4_POINTS, abs=0.01)

    image = renderer.render(three_page_pdf, "pdf", 1, 1.5)
    assert abs(image.width - 893) <= 1 and abs(image.height - 1263) <= 1
    assert image.stride >= image.width * 3 and len(image.data) == image.stride * image.height
    assert (image.page, image.page_width, image.page_height) == (1, width, height)
    x, baseline = (round(value * 1.5) for value in HEADING_AT)
    assert dark_pixels(image, x, baseline - 30, x + 200, baseline) > 500  # the heading
    assert dark_pixels(image, x, 20, x + 200, baseline - 40) == 0  # the paper above it
    assert pixel(image, 5, 5) == (255, 255, 255)


def test_a_pdf_page_text_has_its_words_where_fpdf2_drew_them(renderer, three_page_pdf):
    text = renderer.page_text(three_page_pdf, 2)
    assert text.page == 2 and (text.page_width, text.page_height) == pytest.approx(A4_POINTS)
    assert heading(2) in text.text and "pilots." in text.text
    found = boxes(text)
    assert len(found) == len(text.text)

    for character, box in zip(text.text, found, strict=True):
        if any(math.isnan(value) for value in box):
            assert character in "\r\n "  # only what pdfium generates has no box
        else:
            left, top, right, bottom = box
            assert 0 <= left <= right <= text.page_width
            assert 0 <= top <= bottom <= text.page_height
    assert any(math.isnan(box[0]) for box in found)  # the generated line breaks

    start = text.text.index(heading(2))
    left, top, _, bottom = found[start]
    x, baseline = HEADING_AT  # fpdf2's y counts from the top, as the boxes do
    assert left == pytest.approx(x, abs=2)
    assert top < baseline < bottom and baseline - top < HEADING_SIZE
    right = found[start + len(heading(2)) - 1][2]
    assert right > x + 100  # the whole heading, on one line
    paragraph = found[text.text.index("pilots")]
    assert paragraph[1] > baseline + 50  # the paragraph lies below the heading


def test_a_png_and_a_tiff_are_pages_of_their_own_pixels(renderer, png_image, two_frame_tiff):
    assert renderer.page_count(png_image, "image") == 1
    assert renderer.page_size(png_image, "image", 0) == (300, 200)
    image = renderer.render(png_image, "image", 0, 1.0)
    assert (image.width, image.height, image.stride) == (300, 200, 900)
    assert (image.page_width, image.page_height) == (300, 200)
    assert pixel(image, 10, 10) == (255, 255, 255)  # transparency on white paper
    assert pixel(image, 120, 70) == (0, 0, 0)
    half = renderer.render(png_image, "image", 0, 0.5)
    assert (half.width, half.height, half.page_width) == (150, 100, 300)

    assert renderer.page_count(two_frame_tiff, "image") == 2
    assert renderer.page_size(two_frame_tiff, "image", 0) == (400, 300)
    assert renderer.page_size(two_frame_tiff, "image", 1) == (200, 100)
    second = renderer.render(two_frame_tiff, "image", 1, 2.0)
    assert (second.page, second.width, second.height) == (1, 400, 200)
    assert pixel(second, 10, 10) == (0, 0, 255)


def test_an_image_is_shown_upright_as_its_exif_says(renderer, turned_jpeg):
    assert renderer.page_size(turned_jpeg, "image", 0) == (100, 400)
    image = renderer.render(turned_jpeg, "image", 0, 1.0)
    assert (image.width, image.height) == (100, 400)


def test_a_page_rendered_again_comes_from_the_cache(renderer, three_page_pdf):
    first = renderer.render(three_page_pdf, "pdf", 0, 1.0)
    asked = renderer.requests
    assert renderer.render(three_page_pdf, "pdf", 0, 1.0) is first
    assert renderer.requests == asked  # the child was not asked

    assert renderer.render(three_page_pdf, "pdf", 0, 1.25) is not first
    later = time.time() + 5
    os.utime(three_page_pdf, (later, later))  # the file changed on disk: read again
    assert renderer.render(three_page_pdf, "pdf", 0, 1.0) is not first
    assert renderer.requests == asked + 2


def test_the_cache_keeps_only_the_latest_pages(three_page_pdf):
    with PageRenderer(cache_pages=2) as renderer:
        first = renderer.render(three_page_pdf, "pdf", 0, 0.5)
        renderer.render(three_page_pdf, "pdf", 1, 0.5)
        renderer.render(three_page_pdf, "pdf", 2, 0.5)
        asked = renderer.requests
        assert renderer.render(three_page_pdf, "pdf", 0, 0.5) is not first
        assert renderer.requests == asked + 1


def test_a_hostile_pdf_is_shown_without_touching_the_network(renderer, tmp_path, server):
    path = hostile_pdf(tmp_path / "hostile.pdf", server)
    count = renderer.page_count(path, "pdf")
    assert count == 1
    for page in range(count):
        image = renderer.render(path, "pdf", page, 1.0)
        assert dark_pixels(image, 72, 792 - 730, 300, 792 - 690) > 100  # "Hostile page"
        assert "Hostile page" in renderer.page_text(path, page).text
    time.sleep(0.5)  # give any (wrongly) started request time to arrive
    assert CountingHandler.requests == []


def test_a_request_past_its_time_is_stopped_and_the_next_gets_a_fresh_child(three_page_pdf):
    with PageRenderer(time_limit=1.0, test_requests=True) as renderer:
        renderer.start()
        first_child = renderer._child.pid
        started = time.monotonic()
        with pytest.raises(PageProblem, match=r"took longer than 1 s; it was stopped"):
            renderer._request("sleep", 30)
        assert time.monotonic() - started < 5
        assert renderer.render(three_page_pdf, "pdf", 0, 0.5).width == 298
        assert renderer._child.pid != first_child


def test_a_request_wanting_too_much_memory_is_refused(three_page_pdf):
    with PageRenderer(memory_limit=1024 ** 3, test_requests=True) as renderer:
        with pytest.raises(PageProblem, match=r"more than the 1024 MB allowed"):
            renderer._request("hoard", 2 * 1024 ** 3)
        assert renderer.page_count(three_page_pdf, "pdf") == 3


def test_a_child_that_dies_is_reported_and_replaced(three_page_pdf):
    with PageRenderer(test_requests=True) as renderer:
        with pytest.raises(PageProblem, match=r"stopped the page renderer"):
            renderer._request("crash")
        assert renderer.page_count(three_page_pdf, "pdf") == 3


def test_test_requests_are_refused_by_a_normal_renderer(renderer):
    with pytest.raises(PageProblem, match="for tests only"):
        renderer._request("sleep", 30)


def test_a_damaged_pdf_is_a_clear_problem(renderer, tmp_path, three_page_pdf):
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"this is not a PDF at all\n" * 40)
    with pytest.raises(PageProblem, match=r"could not be opened: pdfium reports a data "
                                          r"format error"):
        renderer.page_count(garbage, "pdf")
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(three_page_pdf.read_bytes()[:300])
    with pytest.raises(PageProblem, match=r"could not be opened"):
        renderer.render(truncated, "pdf", 0, 1.0)
    not_an_image = tmp_path / "scan.png"
    not_an_image.write_bytes(b"not an image")
    with pytest.raises(PageProblem, match=r"not a readable image"):
        renderer.page_count(not_an_image, "image")


def test_a_page_that_does_not_exist_is_a_problem(renderer, three_page_pdf, png_image):
    with pytest.raises(PageProblem, match=r"there is no page 4: the file has 3 pages"):
        renderer.render(three_page_pdf, "pdf", 3, 1.0)
    with pytest.raises(PageProblem, match=r"there is no page 2: the file has 1 page$"):
        renderer.page_size(png_image, "image", 1)
    with pytest.raises(PageProblem, match="could not be opened"):
        renderer.page_text(png_image, 0)  # text is read from PDFs only


def test_only_regular_files_are_opened(renderer, tmp_path: Path):
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    with pytest.raises(PageProblem, match="not a regular file"):
        renderer.page_count(fifo, "pdf")
    with pytest.raises(PageProblem, match="could not be read"):
        renderer.page_count(tmp_path / "missing.pdf", "pdf")
    assert renderer.requests == 0
