"""Other tools' annotation files (issue 17, defects 6-8) placed in a real archive.

The fixtures in tests/data/imports/ are written from the formats' public documentation
(see its README): the Hypothesis client's "Export annotations" file, an h API search
response, and the W3C Web Annotation model's sample forms over our test corpus.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from archive_app.core.annotations.importing import import_annotations, import_file
from archive_app.core.annotations.records import Annotations
from archive_app.core.annotations.store import MIGRATIONS, SCHEMA_VERSION, UserStore
from archive_app.core.export import export_to_file
from archive_app.core.export.gather import excerpts_from_annotations, excerpts_from_search
from archive_app.core.export.model import ExportOptions
from tests.core.archive_fixtures import KEYS
from tests.core.export.interop import w3c_failures

IMPORTS = Path(__file__).resolve().parents[2] / "data" / "imports"


def placed(library) -> dict[str, tuple]:
    """Each imported annotation as a user sees it: document, quote, tags, note."""
    return {a.uuid: (a.doc, a.exact, tuple(a.tags), a.note)
            for a in library.all_annotations()}


def test_hypothesis_client_export_file_imports_all_five(library):
    report = import_file(library, IMPORTS / "hypothesis-client-export.json")
    assert report.lines()[0] == ("imported 5 annotations; 0 already present; 0 not placed; "
                                 "0 invalid")
    found = placed(library)
    assert found["hyp1AbCdEfGhIjK"] == (KEYS["liberty"], "Mortar attacks struck the camp",
                                        ("verify",), "Check the dates")
    assert found["hyp3AbCdEfGhIjK"][:3] == (KEYS["ashraf"], "killed 52 residents",
                                            ("count", "people/victims"))
    assert found["hyp5AbCdEfGhIjK"][:2] == (KEYS["report"], "Returns the integer value")


def test_hypothesis_keeps_created_updated_and_the_user(library):
    import_file(library, IMPORTS / "hypothesis-client-export.json")
    first = next(a for a in library.all_annotations() if a.uuid == "hyp1AbCdEfGhIjK")
    assert (first.created, first.modified) == ("2023-03-01T10:15:30+00:00",
                                               "2023-03-02T08:00:00+00:00")
    assert first.creator == "A. Researcher"


@pytest.mark.parametrize("shape", ["search", "list"])
def test_api_search_response_and_bare_list_still_import(library, shape):
    rows = json.loads((IMPORTS / "h-api-search.json").read_text())
    report = import_annotations(library, rows if shape == "search" else rows["rows"])
    assert report.created == 2 and not report.not_found and not report.invalid


def test_iri_body_becomes_the_note(library):
    report = import_file(library, IMPORTS / "w3c-iri-body.json")
    assert report.created == 1, report.describe()
    assert placed(library)["http://example.org/anno-iri"] == (
        KEYS["liberty"], "near Baghdad", (), "http://example.org/post1")


def test_body_value_is_the_note(library):
    report = import_file(library, IMPORTS / "w3c-body-value.json")
    assert report.created == 1, report.describe()
    assert placed(library)["http://example.org/anno-bv"] == (
        KEYS["ashraf"], "an attack on Camp Ashraf", (), "Comment text")


def test_refined_by_quote_and_character_fragment_are_placed(library):
    report = import_file(library, IMPORTS / "w3c-refined-by.json")
    found = placed(library)
    assert found["http://example.org/anno-ref-quote"] == (
        KEYS["ashraf"], "1 September 2013", (), "The year")
    assert found["http://example.org/anno-ref-pos"] == (KEYS["liberty"], "in 2013",
                                                         ("dates",), "")
    assert report.created == 2
    assert report.not_found == [
        "item 3 (http://example.org/anno-ref-unknown): its text position is inside the "
        "fragment 'para5', which this archive cannot locate in a plain text"]


def test_position_alone_is_placed_on_the_named_document(library):
    report = import_file(library, IMPORTS / "w3c-position-only.json")
    assert placed(library)["http://example.org/anno-pos"] == (
        KEYS["ashraf"], "Camp Ashraf killed", (), "By position")
    assert report.created == 1
    length = len(library.document(KEYS["ashraf"]).text)
    assert report.not_found == [
        f"item 2 (http://example.org/anno-pos-far): position 4000-4010 is outside the text "
        f"of '{KEYS['ashraf']}' ({length} characters)",
        "item 3 (http://example.org/anno-pos-web): it has only a text position, and its "
        "source 'http://example.com/page1' is not a document of this archive"]


def test_whole_document_targets_become_document_notes(library):
    report = import_file(library, IMPORTS / "w3c-whole-document.json")
    notes = {a.uuid: a for a in library.all_annotations()}
    on_report = notes["http://example.org/anno-doc-iri"]
    assert (on_report.doc, on_report.start, on_report.end, on_report.exact) == (
        KEYS["ashraf"], 0, 0, "")
    assert on_report.note == "Read this whole report first"
    assert (on_report.created, on_report.creator) == ("2015-01-28T12:00:00+00:00", "Pat")
    assert notes["http://example.org/anno-doc-source"].tags == ["background"]
    assert report.created == 2
    assert report.not_found == [
        "item 3 (http://example.org/anno-doc-web): a note on the whole document "
        "'http://example.com/page1', which is not a document of this archive",
        "item 4 (http://example.org/anno-xpath): its only selector (XPathSelector) points "
        "into a page's structure, which this archive does not keep; there is no quote or "
        "text position to place it by"]


def test_document_note_exports_as_a_whole_document_target(library, tmp_path):
    import_file(library, IMPORTS / "w3c-whole-document.json")
    out = tmp_path / "notes.json"
    export_to_file(excerpts_from_annotations(library, library.all_annotations()),
                   ExportOptions(format="json"), out)
    items = {i["id"]: i for i in json.loads(out.read_text())["first"]["items"]}
    target = items["http://example.org/anno-doc-iri"]["target"]
    assert "selector" not in target and target["source"].endswith("ashraf.txt")


def test_search_highlight_export_reimports_as_highlight_tagged(library, tmp_path):
    out = tmp_path / "hits.json"
    export_to_file(excerpts_from_search(library, "Mortar"), ExportOptions(format="json"), out)
    items = json.loads(out.read_text())["first"]["items"]
    assert items and all(i["motivation"] == "highlighting" and "body" not in i for i in items)
    report = import_file(library, out)
    assert report.created == len(items), report.describe()
    made = library.all_annotations()
    assert [a.tags for a in made] == [["highlight"]] * len(items)
    assert all("Mortar" in a.exact for a in made)


def test_document_note_stays_a_document_note_when_its_text_changes(library):
    import_file(library, IMPORTS / "w3c-whole-document.json")
    path = library.corpus / "ashraf.txt"
    path.write_text("Preface added later.\n\n" + path.read_text(encoding="utf-8"),
                    encoding="utf-8")
    library.sync([library.corpus])
    note = next(a for a in library.all_annotations()
                if a.uuid == "http://example.org/anno-doc-iri")
    assert (note.start, note.end, note.exact, note.state) == (0, 0, "", "anchored")


@pytest.mark.parametrize("name", sorted(p.name for p in IMPORTS.glob("w3c-*.json")))
def test_w3c_fixtures_pass_the_official_must_assertions(name):
    for item in json.loads((IMPORTS / name).read_text())["items"]:
        assert w3c_failures("annotation", item) == [], item["id"]


def test_reexport_of_imported_notes_passes_the_official_must_assertions(library, tmp_path):
    for name in ("hypothesis-client-export.json", "w3c-whole-document.json"):
        import_file(library, IMPORTS / name)
    out = tmp_path / "again.json"
    export_to_file(excerpts_from_annotations(library, library.all_annotations()),
                   ExportOptions(format="json"), out)
    items = json.loads(out.read_text())["first"]["items"]
    assert len(items) == 7
    assert {"type": "Person", "name": "A. Researcher"} in [i.get("creator") for i in items]
    for item in items:
        assert w3c_failures("annotation", item) == [], item["id"]


def test_new_forms_stay_bounded_and_explained(library):
    deep: dict = {"type": "TextQuoteSelector", "exact": "near Baghdad"}
    for _ in range(12):
        deep = {"type": "FragmentSelector", "value": "p", "refinedBy": deep}
    many = [{"type": "CssSelector", "value": f"#n{i}"} for i in range(20_000)]
    items = [{"id": "deep", "bodyValue": "x", "target": {"source": "s", "selector": deep}},
             {"id": "wide", "bodyValue": "x", "target": {"source": "s", "selector": many}},
             {"id": "bad", "bodyValue": "x", "target": {"source": "s", "selector": {
                 "type": "FragmentSelector", "value": "char=5,2"}}},
             {"id": "nothing", "target": "urn:archive-app:corpus/ashraf.txt"}]
    report = import_annotations(library, items)
    assert report.invalid == [
        "item 1: selectors are refined more than 8 levels deep",
        "item 3: the fragment char=5,2 is not a range of characters",
        "item 4: a note on a whole document with nothing to record (no tag and no note)"]
    assert report.not_found == [
        "item 2 (wide): its only selector (CssSelector) points into a page's structure, "
        "which this archive does not keep; there is no quote or text position to place it by"]


def test_a_version_2_store_gains_the_creator_and_keeps_its_annotations(app_paths):
    """The creator column is migration 3: an older store is backed up, then upgraded."""
    app_paths.ensure()
    with sqlite3.connect(app_paths.annotations_db) as old:
        for step in MIGRATIONS[:2]:
            step(old)
        old.execute("INSERT INTO annotations(uuid, doc, doc_sha256, start, end, exact, "
                    "created, modified) VALUES ('u1', 'c/a.txt', '', 0, 4, 'Camp', "
                    "'2020-01-01T00:00:00+00:00', '2020-01-02T00:00:00+00:00')")
        old.execute("PRAGMA user_version = 2")
    old.close()
    store = UserStore(app_paths.annotations_db, app_paths.backups_dir)
    try:
        (kept,) = Annotations(store).all()
        assert (kept.exact, kept.created, kept.modified, kept.creator) == (
            "Camp", "2020-01-01T00:00:00+00:00", "2020-01-02T00:00:00+00:00", "")
        assert store.version == SCHEMA_VERSION  # each later migration ran too
        assert list(app_paths.backups_dir.glob(f"*before-migration-2-to-{SCHEMA_VERSION}*"))
    finally:
        store.close()


def test_an_unusable_tag_is_left_out_and_named_the_rest_is_imported(library):
    """One tag past the limits (too deep, a comma) no longer costs the whole annotation:
    it is imported with its other tags, and the report names the tag it left out."""
    deep = "/".join(["level"] * 12)
    data = [{"uri": "file:///corpus/liberty.txt", "text": "",
             "tags": ["places/camps", deep, "a,b"],
             "target": [{"selector": [{"type": "TextQuoteSelector",
                                       "exact": "near Baghdad"}]}]}]
    report = import_annotations(library, data)
    assert report.created == 1, report.describe()
    (annotation,) = library.all_annotations()
    assert annotation.tags == ["places/camps"]
    lines = report.describe()
    assert "tag left out" in lines and "12 levels" in lines and "comma" in lines


def test_an_annotation_whose_only_tag_is_unusable_says_why(library):
    data = [{"uri": "file:///corpus/liberty.txt", "text": "",
             "tags": ["/".join(["level"] * 12)],
             "target": [{"selector": [{"type": "TextQuoteSelector",
                                       "exact": "near Baghdad"}]}]}]
    report = import_annotations(library, data)
    assert report.created == 0
    assert "12 levels" in report.describe()
