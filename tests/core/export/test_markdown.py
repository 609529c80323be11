"""Markdown: title, a heading per group, blockquotes, tags, note and citation lines."""

from __future__ import annotations

from archive_app.core.export import render
from tests.core.export.conftest import MULTILINE, PERSIAN, options


def markdown(excerpts, **changes) -> str:
    return render(excerpts, options(format="md", **changes)).decode("utf-8")


def test_headings_per_tag_with_untagged_last(excerpts):
    text = markdown(excerpts)
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == ["# Excerpts", "## camp", "## people/victims", "## security",
                        "## sources", "## witness", "## Untagged"]


def test_excerpt_block_has_quote_tags_note_and_citation(excerpts):
    text = markdown(excerpts)
    block = ("> 52 residents\n\nTags: witness, people/victims  \nNote: Busztin's count  \n"
             '— UN News Centre. "Camp Ashraf attack." UN News, 2013-09-01.\n')
    assert text.count(block) == 2
    assert f"> {PERSIAN}\n" in text


def test_every_line_of_a_multi_line_quote_is_quoted(excerpts):
    text = markdown(excerpts)
    first, _, second = MULTILINE.partition("\n\n")
    assert f"> {first}\n>\n> {second}\n" in text


def test_html_in_notes_is_escaped_and_notes_can_be_left_out(excerpts):
    text = markdown(excerpts)
    assert r"Note: \<script\>alert(1)\</script\>" in text
    without = markdown(excerpts, include_notes=False)
    assert "Note:" not in without and "script" not in without


def test_context_shows_the_quote_in_bold_between_its_surroundings(excerpts):
    text = markdown(excerpts, context_chars=20, grouping="none")
    assert "> …Camp Ashraf killed **52 residents**. Witnesses…\n" in text
    assert "##" not in text


def test_grouping_by_document_uses_titles(excerpts):
    text = markdown(excerpts, grouping="document")
    assert "## Camp Ashraf attack\n" in text and "## Café society\n" in text
    assert text.count("> 52 residents") == 1


def test_entity_like_text_stays_literal_in_every_field():
    from markdown_it import MarkdownIt

    from archive_app.core.export import Excerpt

    excerpt = Excerpt(doc="corpus/a.txt", path="corpus/a.txt", quote="R&amp;D and &#38; here",
                      start=0, end=5, title="T &copy; x", tags=["law &amp; order"],
                      note="see &lt;b&gt;", citation="A &amp; B. \"T &copy; x.\"")
    text = markdown([excerpt], grouping="tag")
    html = MarkdownIt("commonmark").render(text)
    for literal in ("R&amp;amp;D", "&amp;#38;", "law &amp;amp; order", "see &amp;lt;b&amp;gt;",
                    "A &amp;amp; B", "T &amp;copy; x"):
        assert literal in html, literal


def test_notes_keep_their_line_breaks_as_hard_breaks(interop_excerpts):
    from markdown_it import MarkdownIt

    text = markdown(interop_excerpts)
    assert "Note: Note line one  \nline two  \n" in text
    html = MarkdownIt("commonmark").render(text)
    assert "Note: Note line one<br />\nline two<br />" in html
