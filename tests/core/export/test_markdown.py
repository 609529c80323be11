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
    assert "> …Camp Ashraf killed **52 residents**. Witnesses describe…\n" in text
    assert "##" not in text


def test_grouping_by_document_uses_titles(excerpts):
    text = markdown(excerpts, grouping="document")
    assert "## Camp Ashraf attack\n" in text and "## Café society\n" in text
    assert text.count("> 52 residents") == 1
