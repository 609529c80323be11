"""CSL-JSON against csl-data.json, formatted by citeproc-py in APA, Chicago and Harvard."""

from __future__ import annotations

import copy
import json

import pytest

from archive_app.core.export import render
from tests.core.export.conftest import options
from tests.core.export.interop import CSL_STYLES, csl_bibliography, csl_citation, csl_errors


@pytest.fixture(scope="module")
def items(interop_excerpts, excerpts) -> list[dict]:
    return json.loads(render(interop_excerpts + excerpts, options(format="csl")))


def by_title(items: list[dict], start: str) -> dict:
    return next(item for item in items if item["title"].startswith(start))


def test_every_item_is_valid_csl_data(items):
    assert csl_errors(items) == []


def test_the_schema_catches_a_wrong_type():
    assert csl_errors([{"id": "x", "type": "preprint"}])


def test_types_follow_what_the_document_is(items):
    kinds = {item["title"]: item["type"] for item in items}
    assert kinds["report"] == "report"  # a PDF by the Debian Project
    assert kinds["Camp history"] == "webpage"
    assert kinds["Camp visit notes"] == "personal_communication"
    assert kinds["Camp closes"] == "article-newspaper"
    assert kinds["Universal Declaration of Human Rights"] == "document"
    assert "article" not in kinds.values()


def test_publisher_and_container_are_different_fields(items):
    udhr = by_title(items, "Universal Declaration")
    assert udhr["publisher"] == "United Nations" and "container-title" not in udhr
    news = by_title(items, "Camp closes")
    assert news["container-title"] == "The Baghdad Times" and "publisher" not in news
    assert by_title(items, "Camp history")["container-title"] == "Camp Archive Online"


def test_organisations_stay_literal_and_several_authors_are_several_names(items):
    assert by_title(items, "report")["author"] == [{"literal": "Debian Project"}]
    assert by_title(items, "Annual briefing")["author"] == [{"literal": "Amnesty International"}]
    assert by_title(items, "Universal Declaration")["author"] == [
        {"literal": "United Nations General Assembly"}]
    assert by_title(items, "Camp studies")["author"] == [
        {"family": "Doe", "given": "Jane"}, {"family": "Smith", "given": "John"}]
    assert by_title(items, "Camp closes")["author"] == [
        {"family": "Doe", "given": "Jane"}, {"family": "Roe", "given": "Richard"}]
    assert by_title(items, "Camp visit notes")["author"] == [
        {"family": "Shore", "given": "Mary"}]
    assert by_title(items, "Camp studies")["id"].startswith("doe2015")


def test_pdf_pages_and_web_access_date(items):
    assert by_title(items, "report")["page"] == "2–3"
    accessed = by_title(items, "Camp history")["accessed"]["date-parts"][0]
    assert len(accessed) == 3 and accessed[0] >= 2020
    assert "page" not in by_title(items, "Camp closes")


def test_an_untitled_hash_named_file_has_a_readable_title(items):
    titles = [item["title"] for item in items]
    assert "Seven years after the attack the residents are still waiting…" in titles
    assert not any("0a1b2c3d4e5f6a7b" in title for title in titles)


@pytest.mark.parametrize("style", list(CSL_STYLES))
def test_what_a_reader_sees_in_each_style(items, style):
    entries = csl_bibliography(copy.deepcopy(items), CSL_STYLES[style])
    text = "\n".join(entries)
    assert len(entries) >= len(items) - 1  # APA and Chicago leave e-mails out, as they should
    assert "[Preprint]" not in text and "Preprint" not in text
    assert "In United Nations" not in text and "In UN News" not in text
    for organisation in ("Debian Project", "Amnesty International",
                         "United Nations General Assembly"):
        assert organisation in text, organisation
    assert "Project, D." not in text and "International, A." not in text
    assert "Doe, J." in text and ("Smith, J." in text or "J. Smith" in text)
    report = next(entry for entry in entries if entry.startswith("Debian Project"))
    if style != "chicago":  # Chicago's reference list gives no pages for a report
        assert "2–3" in report
    cited = csl_citation(copy.deepcopy(items), by_title(items, "report")["id"],
                         CSL_STYLES[style], page=by_title(items, "report")["page"])
    assert "Debian Project" in cited and "2–3" in cited and "2013" in cited


def test_the_user_corrects_the_type_in_edit_metadata(interop_library):
    from archive_app.core.export import excerpts_from_annotations

    key = "corpus/udhr.txt"
    interop_library.edit_metadata(key, {"type": "legislation"})
    try:
        chosen = [a for a in interop_library.all_annotations() if a.doc == key]
        found = json.loads(render(excerpts_from_annotations(interop_library, chosen),
                                  options(format="csl")))
        assert [item["type"] for item in found] == ["legislation"]
        assert csl_errors(found) == []
    finally:
        interop_library.edit_metadata(key, {"type": ""})
