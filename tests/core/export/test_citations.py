"""Citation lines: PDF pages, web access dates, readable names, styles, whole-word context."""

from __future__ import annotations

import re

import pytest

from archive_app.core.export import ExportError, render
from archive_app.core.export.citation import STYLES, format_citation
from archive_app.core.export.common import shown_context
from tests.core.export.conftest import INTEROP, options

UDHR = {"author": "United Nations General Assembly", "title": "Universal Declaration of "
        "Human Rights", "source": "United Nations", "date": "1948-12-10", "pages": "12–13"}
WEB = {"author": "Jane Doe and John Smith", "title": "Camp history",
       "source": "Camp Archive Online", "date": "2020-05-04",
       "url": "https://example.org/camp-history", "accessed": "2024-01-02"}


def of(excerpts, name: str):
    return [e for e in excerpts if e.doc == INTEROP[name]]


def test_pdf_excerpts_cite_their_pages(interop_excerpts):
    one, across = of(interop_excerpts, "report")
    assert one.pages == (2, 2) and across.pages == (2, 3)
    assert one.citation.endswith("Debian, 2013-09-01, p. 2.")
    assert across.citation.endswith("Debian, 2013-09-01, pp. 2–3.")
    assert all(e.pages is None for e in interop_excerpts if e.format != "pdf")


def test_web_pages_have_an_access_date(interop_excerpts):
    page = of(interop_excerpts, "page")[0]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", page.accessed)
    assert page.citation.endswith(f"https://example.org/camp-history. Accessed {page.accessed}.")


def test_a_hash_named_file_is_cited_by_its_first_words(interop_excerpts):
    untitled = of(interop_excerpts, "0a1b2c3d4e5f6a7b")[0]
    assert untitled.citation == '"Seven years after the attack the residents are still waiting…"'
    assert "0a1b2c3d4e5f6a7b" not in untitled.citation


def test_short_style_is_the_default_and_unchanged_without_pages():
    assert format_citation({k: v for k, v in UDHR.items() if k != "pages"}) == (
        'United Nations General Assembly. "Universal Declaration of Human Rights." '
        "United Nations, 1948-12-10.")
    assert set(STYLES) >= {"short", "apa", "chicago", "harvard"}


@pytest.mark.parametrize(("style", "expected"), [
    ("short", 'United Nations General Assembly. "Universal Declaration of Human Rights." '
              "United Nations, 1948-12-10, pp. 12–13."),
    ("apa", "United Nations General Assembly. (1948, December 10). Universal Declaration of "
            "Human Rights. United Nations. pp. 12–13."),
    ("chicago", "United Nations General Assembly. 1948. \u201cUniversal Declaration of Human "
                "Rights.\u201d United Nations. pp. 12–13."),
    ("harvard", "United Nations General Assembly (1948) Universal Declaration of Human Rights. "
                "United Nations, pp. 12–13."),
])
def test_each_style_of_a_declaration_with_pages(style, expected):
    assert format_citation(UDHR, style=style) == expected


@pytest.mark.parametrize(("style", "expected"), [
    ("apa", "Doe, J., & Smith, J. (2020, May 4). Camp history. Camp Archive Online. "
            "Retrieved January 2, 2024, from https://example.org/camp-history"),
    ("chicago", "Doe, Jane, and John Smith. 2020. \u201cCamp history.\u201d Camp Archive "
                "Online. Accessed January 2, 2024. https://example.org/camp-history."),
    ("harvard", "Doe, J. and Smith, J. (2020) Camp history. Camp Archive Online. Available "
                "at: https://example.org/camp-history (Accessed: 2 January 2024)."),
])
def test_each_style_of_a_web_page_by_two_people(style, expected):
    assert format_citation(WEB, style=style) == expected


def test_the_chosen_style_reaches_every_format(interop_excerpts):
    text = render(interop_excerpts, options(format="md", style="apa")).decode()
    assert "— Debian Project. (2013, September 1). report. Debian. p. 2." in text
    assert "ExportError" not in text
    with pytest.raises(ExportError, match="citation style"):
        render(interop_excerpts, options(format="md", style="mla"))


@pytest.mark.parametrize("limit", [5, 12, 20, 30])
def test_context_is_whole_words(interop_library, interop_excerpts, limit):
    for excerpt in interop_excerpts:
        text = interop_library.document(excerpt.doc).text
        before, after = shown_context(excerpt, options(context_chars=limit))
        before, after = before.removeprefix("…"), after.removesuffix("…")
        assert len(before) <= limit and len(after) <= limit
        ahead = re.sub(r"\s+", " ", text[:excerpt.start])
        assert ahead.endswith(before)
        cut = len(ahead) - len(before)
        assert not before or cut == 0 or ahead[cut - 1] == " ", (limit, before)
        behind = re.sub(r"\s+", " ", text[excerpt.end:])
        assert behind.startswith(after)
        assert not after or behind[len(after):][:1] in ("", " "), (limit, after)
