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


def test_direction_is_per_paragraph_not_per_excerpt(excerpts):
    tags = parsed(page(excerpts)).tags
    assert tags[0] == ("html", {"lang": "und"})
    blocks = [attrs for tag, attrs in tags if attrs.get("class") == "excerpt"]
    assert len(blocks) == 8 and not any("dir" in attrs for attrs in blocks)
    assert ("blockquote", {"lang": "fa"}) in tags
    quote_paragraphs = [attrs for tag, attrs in tags if tag == "p" and "class" not in attrs]
    assert quote_paragraphs and all(attrs == {"dir": "auto"} for attrs in quote_paragraphs)
    lines = [attrs for tag, attrs in tags if attrs.get("class") in ("tags", "note", "citation")]
    assert lines and all(attrs["dir"] == "ltr" for attrs in lines)
    assert PERSIAN in page(excerpts)


def test_metadata_is_escaped_in_citations(excerpts):
    text = page(excerpts)
    assert "Costs &amp; Benefits: 50% of R_D {draft}" in text
    assert "&quot;Camp Ashraf attack.&quot;" in text


def test_context_is_marked_around_the_quote(excerpts):
    text = page(excerpts, context_chars=20)
    assert ('<span class="context">…Camp Ashraf killed </span><mark>52 residents</mark>'
            '<span class="context">. Witnesses…</span>') in text


def test_rtl_titles_and_tags_are_isolated_in_ltr_lines(interop_excerpts):
    text = page(interop_excerpts)
    assert ('<p class="citation" dir="ltr">— &quot;<bdi>گزارش اردوگاه</bdi>.&quot; '
            "Radio Farda, 2013-09-02.</p>") in text
    assert ('<p class="tags" dir="ltr"><span class="label">Tags:</span> <bdi>witness</bdi>'
            "</p>") in text
    assert '<blockquote lang="fa"><p dir="auto">' in text


def test_each_quote_paragraph_has_its_own_direction(excerpts):
    text = page(excerpts)
    assert ('<blockquote lang="en"><p dir="auto">Camp Liberty relocation</p>'
            '<p dir="auto">Residents were moved</p></blockquote>') in text


def test_notes_keep_their_line_breaks(interop_excerpts):
    text = page(interop_excerpts)
    assert '<bdi class="note-text">Note line one\nline two</bdi>' in text
    assert ".note-text { white-space: pre-wrap; }" in text


def test_an_rtl_author_and_source_are_isolated_too():
    from archive_app.core.export import Excerpt
    from archive_app.core.export.html import citation_html

    excerpt = Excerpt(doc="d", path="d", quote="q", start=0, end=1, title="Report",
                      author="رادیو فردا", source="سازمان ملل",
                      citation='رادیو فردا. "Report." سازمان ملل, 2013.')
    assert citation_html(excerpt) == ('<bdi>رادیو فردا</bdi>. &quot;Report.&quot; '
                                      "<bdi>سازمان ملل</bdi>, 2013.")
