"""HTML: one standalone page, everything escaped, direction left to each excerpt's text."""

from __future__ import annotations

from html.parser import HTMLParser

from archive_app.core.export import render
from tests.core.export.conftest import PERSIAN, SCRIPT_NOTE, options


def page(excerpts, **changes) -> str:
    return render(excerpts, options(format="html", **changes)).decode("utf-8")


class Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parsed(text: str) -> Collector:
    collector = Collector()
    collector.feed(text)
    return collector


def test_script_in_a_note_stays_text(excerpts):
    text = page(excerpts)
    assert "<script" not in text.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert SCRIPT_NOTE in "".join(parsed(text).text)


def test_standalone_without_external_resources(excerpts):
    text = page(excerpts)
    assert text.startswith("<!DOCTYPE html>") and "<style>" in text
    names = {tag for tag, _ in parsed(text).tags}
    assert not names & {"script", "link", "img", "iframe", "object"}
    assert "http://" not in text.split("<body>")[0] and "@media print" in text


def test_each_excerpt_block_has_dir_auto_and_its_language(excerpts):
    tags = parsed(page(excerpts)).tags
    assert tags[0] == ("html", {"lang": "und"})
    blocks = [attrs for tag, attrs in tags if attrs.get("class") == "excerpt"]
    assert len(blocks) == 8 and all(attrs["dir"] == "auto" for attrs in blocks)
    assert {"class": "excerpt", "dir": "auto", "lang": "fa"} in blocks
    assert PERSIAN in page(excerpts)


def test_metadata_is_escaped_in_citations(excerpts):
    text = page(excerpts)
    assert "Costs &amp; Benefits: 50% of R_D {draft}" in text
    assert "&quot;Camp Ashraf attack.&quot;" in text


def test_context_is_marked_around_the_quote(excerpts):
    text = page(excerpts, context_chars=20)
    assert ('<span class="context">…Camp Ashraf killed </span><mark>52 residents</mark>'
            '<span class="context">. Witnesses describe…</span>') in text
