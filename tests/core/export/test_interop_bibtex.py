"""BibTeX entries parsed and formatted by pybtex's `plain` style, as BibTeX would."""

from __future__ import annotations

import re

import pytest
from pybtex.database import parse_string
from pybtex.plugin import find_plugin

from archive_app.core.export import render
from tests.core.export.conftest import options

ENTRY = re.compile(r"^@(\w+)\{([^,]+),$", re.MULTILINE)


@pytest.fixture(scope="module")
def bib(interop_excerpts, excerpts) -> str:
    return render(interop_excerpts + excerpts, options(format="bibtex")).decode("utf-8")


def formatted(text: str) -> dict[str, str]:
    """Key -> the entry as the plain style prints it; raises what pybtex raises."""
    data = parse_string(text, "bibtex")
    style = find_plugin("pybtex.style.formatting", "plain")()
    return {entry.key: entry.text.render_as("text")
            for entry in style.format_bibliography(data).entries}


def test_every_entry_formats_in_the_plain_style(bib):
    shown = formatted(bib)
    assert len(shown) == len(ENTRY.findall(bib)) == 14
    assert all(text.strip() for text in shown.values())


def test_types_have_their_required_fields(bib):
    entries = parse_string(bib, "bibtex").entries
    kinds = {entry.fields["title"].strip("{}"): entry.type for entry in entries.values()}
    assert kinds["report"] == "techreport"
    assert entries["debian2013report"].fields["institution"] == "Debian"
    assert kinds["Camp closes"] == "article"
    assert entries["doe2016camp"].fields["journal"] == "The Baghdad Times"
    assert kinds["Annual briefing"] == "misc"  # undated: no @article without year
    assert kinds["Universal Declaration of Human Rights"] == "misc"
    for entry in entries.values():
        if entry.type == "article":
            assert entry.fields.get("journal") and entry.fields.get("year")
        assert "journal" not in entry.fields or entry.type == "article"


def test_full_dates_pages_and_access_dates(bib):
    entries = parse_string(bib, "bibtex").entries
    report = entries["debian2013report"].fields
    assert (report["date"], report["year"], report["month"]) == ("2013-09-01", "2013", "September")
    assert report["pages"] == "2--3"
    page = next(e for e in entries.values() if e.fields["title"] == "{Camp history}").fields
    assert page["url"] == "https://example.org/camp-history"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", page["urldate"])


def test_names_and_keys(bib):
    entries = parse_string(bib, "bibtex").entries
    journal = entries["doe2015camp"]
    assert [str(p) for p in journal.persons["author"]] == ["Doe, Jane", "Smith, John"]
    assert [str(p) for p in entries["doe2016camp"].persons["author"]] == [
        "Doe, Jane", "Roe, Richard"]
    assert "author = {{Debian Project}}" in bib and "author = {{Amnesty International}}" in bib


def test_what_a_reader_sees(bib):
    shown = formatted(bib)
    assert shown["debian2013report"] == ("Debian Project. report. Technical Report, Debian, "
                                         "September 2013.")
    assert shown["doe2016camp"].startswith("Jane Doe and Richard Roe. Camp closes. "
                                           "The Baghdad Times")
    assert "Project, D" not in " ".join(shown.values())
