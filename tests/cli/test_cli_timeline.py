"""`archive-app timeline QUERY`: the text chart, the SVG and PNG files, on the bundled
corpus through real processes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from tests.cli.test_cli_contract import app
from tests.conftest import PROJECT_ROOT

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("timeline") / "home"
    app(home, "index", str(PROJECT_ROOT / "corpus"))
    return home


def test_the_text_chart_has_a_bar_per_dated_year_and_says_what_is_left_out(home):
    lines = app(home, "timeline", "the").stdout.splitlines()
    data = json.loads(app(home, "timeline", "the", "--json").stdout)
    assert lines[0] == (f"{data['total']} documents for 'the': "
                        f"{data['buckets'][0]['label']} – {data['buckets'][-1]['label']} by year")
    shown = {line.split()[0]: int(line.split()[-1]) for line in lines[1:]
             if "█" in line}
    assert shown == {b["label"]: b["count"] for b in data["buckets"] if b["count"]}
    assert any(line.endswith(": none") for line in lines)  # a run of empty years
    assert lines[-1] == f"Not on the bars: {data['undated']} undated"


def test_svg_is_valid_xml_with_a_bar_per_bucket_and_png_a_picture(home, tmp_path):
    svg, png = tmp_path / "t.svg", tmp_path / "t.png"
    result = app(home, "timeline", "the", "--svg", str(svg), "--png", str(png), "--json")
    data = json.loads(result.stdout)  # stdout stays one JSON object
    assert f"wrote the timeline to {svg}" in result.stderr
    root = ET.parse(svg).getroot()
    assert root.tag == f"{SVG}svg"
    bars = [rect for rect in root.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]
    assert len(bars) == len(data["buckets"])
    titles = [rect.find(f"{SVG}title").text for rect in bars]
    first = data["buckets"][0]
    assert titles[0] == f"{first['label']}: {first['count']} document" + (
        "s" if first["count"] != 1 else "")
    with Image.open(png) as picture:
        assert picture.format == "PNG" and picture.size == (1600, 560)


def test_an_existing_file_is_kept_without_force(home, tmp_path):
    target = tmp_path / "t.svg"
    target.write_text("mine", encoding="utf-8")
    result = app(home, "timeline", "the", "--svg", str(target), exit_code=1)
    assert "already exists" in result.stderr and result.stdout == ""
    assert target.read_text(encoding="utf-8") == "mine"
    app(home, "timeline", "the", "--svg", str(target), "--force")
    ET.parse(target)


def test_a_hostile_query_is_escaped_in_the_text_and_the_svg(home, tmp_path):
    query = 'the OR "<script>&\x1b]0;PWNED\x07\u202e"'
    svg = tmp_path / "t.svg"
    result = app(home, "timeline", query, "--svg", str(svg))
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "\\x1b" in result.stdout.splitlines()[0]
    text = svg.read_text(encoding="utf-8")
    assert "<script>" not in text and "\x1b" not in text and "\u202e" not in text
    title = ET.parse(svg).getroot().find(f"{SVG}title").text
    assert "<script>&" in title
