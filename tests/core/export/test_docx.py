"""DOCX read back with python-docx: headings, Quote style, right-to-left Persian, citations."""

from __future__ import annotations

import io

import docx
from docx.oxml.ns import qn

from archive_app.core.export import render
from tests.core.export.conftest import PERSIAN, SCRIPT_NOTE, options


def document(excerpts, **changes):
    return docx.Document(io.BytesIO(render(excerpts, options(format="docx", **changes))))


def test_headings_quotes_and_citations(excerpts):
    doc = document(excerpts, title="Camp reports")
    paragraphs = doc.paragraphs
    assert paragraphs[0].text == "Camp reports" and paragraphs[0].style.name == "Title"
    headings = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    assert headings == ["camp", "people/victims", "security", "sources", "witness",
                        "Untagged"]
    quotes = [p.text for p in paragraphs if p.style.name == "Quote"]
    assert len(quotes) == 8 and "52 residents" in quotes
    texts = [p.text for p in paragraphs]
    assert '— UN News Centre. "Camp Ashraf attack." UN News, 2013-09-01.' in texts
    assert f"Note: {SCRIPT_NOTE}" in texts and "Tags: witness, people/victims" in texts


def test_persian_quote_is_a_right_to_left_paragraph(excerpts):
    paragraphs = document(excerpts).paragraphs
    persian = next(p for p in paragraphs if p.text == PERSIAN)
    assert persian._p.pPr.find(qn("w:bidi")) is not None
    english = next(p for p in paragraphs if p.text == "52 residents")
    assert english._p.pPr.find(qn("w:bidi")) is None


def test_core_properties_title_and_no_author(excerpts):
    properties = document(excerpts, title="Camp reports").core_properties
    assert properties.title == "Camp reports"
    assert properties.author == "" and properties.last_modified_by == ""


def test_context_runs_surround_a_bold_quote(excerpts):
    doc = document(excerpts, context_chars=20)
    paragraph = next(p for p in doc.paragraphs if "52 residents" in p.text
                     and p.style.name == "Quote")
    assert [run.text for run in paragraph.runs] == ["…Camp Ashraf killed ", "52 residents",
                                                    ". Witnesses…"]
    assert paragraph.runs[1].bold
