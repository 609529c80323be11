"""The timeline chart for reports: one layout, an SVG that is valid, escaped XML, and a
PNG drawn from the same bars."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from archive_app.core.export.model import ExportError
from archive_app.core.export.timeline_chart import (
    HEIGHT,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MAX_TICKS,
    WIDTH,
    chart_layout,
    timeline_png,
    timeline_svg,
    write_timeline_chart,
)
from archive_app.core.search.timeline import build_timeline

SVG = "{http://www.w3.org/2000/svg}"
TIMELINE = build_timeline({"1948-12-10": 2, "1994-01-06": 1, "2016-03-01": 3, "2022": 2,
                           "": 12})


def test_the_layout_puts_every_bar_inside_the_plot_taller_for_more_documents():
    layout = chart_layout(TIMELINE)
    assert len(layout.bars) == 2022 - 1948 + 1
    assert all(bar.x >= MARGIN_LEFT and bar.x + bar.width <= WIDTH - MARGIN_RIGHT + 0.01
               for bar in layout.bars)
    heights = {bar.label: bar.height for bar in layout.bars}
    assert heights["2016"] == layout.baseline - layout.top  # the peak fills the plot
    assert heights["1948"] == pytest.approx(heights["2016"] * 2 / 3)
    assert heights["1949"] == 0
    assert [label for _, label in layout.ticks] == [str(y) for y in range(1950, 2030, 10)]
    assert len(layout.ticks) <= MAX_TICKS
    assert layout.caption == "20 documents · 1948 – 2022 by year · 12 undated"
    assert layout.bar_at(layout.bars[46].x + 0.5) == 46  # 1994
    assert layout.bar_at(0) is None


def test_svg_is_valid_xml_with_each_bar_titled_by_its_count_and_text_escaped():
    text = timeline_svg(TIMELINE, title='harbour <b>&</b> "x"\x1b[31m\u202eevil\nline')
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{SVG}svg" and root.get("width") == str(WIDTH)
    title = root.find(f"{SVG}title").text
    assert title == 'harbour <b>&</b> "x" [31m evil line'
    bars = [rect for rect in root.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]
    assert [rect.find(f"{SVG}title").text for rect in bars][:2] == [
        "1948: 2 documents", "1949: 0 documents"]
    assert "<b>" not in text and "\x1b" not in text and "\u202e" not in text
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_png_is_the_same_chart_drawn_twice_the_size():
    with Image.open(io.BytesIO(timeline_png(TIMELINE, title="the"))) as picture:
        assert picture.format == "PNG" and picture.size == (WIDTH * 2, HEIGHT * 2)
        bar = chart_layout(TIMELINE).bars[-7]  # 2016, the tallest
        inside = (round((bar.x + bar.width / 2) * 2), round((bar.y + 4) * 2))
        assert picture.convert("RGB").getpixel(inside) == (0x3B, 0x6E, 0xA8)
    persian = timeline_png(TIMELINE, title="حقوق بشر")  # no glyphs in Pillow's font: left out
    assert Image.open(io.BytesIO(persian)).size == (WIDTH * 2, HEIGHT * 2)


def test_nothing_dated_still_makes_a_chart_that_says_so():
    empty = build_timeline({"": 3})
    root = ET.fromstring(timeline_svg(empty).encode("utf-8"))
    texts = [node.text for node in root.iter(f"{SVG}text")]
    assert "3 documents · 3 undated" in texts
    assert Image.open(io.BytesIO(timeline_png(empty))).format == "PNG"


def test_writing_picks_the_kind_by_suffix_and_keeps_an_existing_file(tmp_path):
    svg = write_timeline_chart(TIMELINE, tmp_path / "chart.svg", title="the")
    ET.parse(svg)
    png = write_timeline_chart(TIMELINE, tmp_path / "chart.PNG")
    assert png.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(ExportError, match="already exists"):
        write_timeline_chart(TIMELINE, svg)
    with pytest.raises(ExportError, match="SVG or PNG"):
        write_timeline_chart(TIMELINE, tmp_path / "chart.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chart.PNG", "chart.svg"]
