"""Exported W3C JSON imported into a fresh home gives the same annotations back."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.test_cli import run
from tests.core.archive_fixtures import KEYS, make_corpus


def annotations_of(home):
    items = json.loads(run(home, "annotations", "--json").stdout)
    return sorted((a["doc"], a["quote"], a["start"], a["end"], tuple(a["tags"]), a["note"])
                  for a in items)


def test_round_trip_through_w3c_json_into_a_fresh_home(tmp_path):
    first = tmp_path / "first-home"
    corpus = make_corpus(tmp_path)
    run(first, "index", str(corpus))
    run(first, "annotate", KEYS["ashraf"], "--quote", "52 residents", "--tag", "count",
        "--tag", "people/victims", "--note", "As reported that week")
    run(first, "annotate", KEYS["report"], "--quote", "integer", "--occurrence", "2",
        "--tag", "code")
    exported = tmp_path / "annotations.json"
    run(first, "export", "--format", "json", "-o", str(exported))

    moved = tmp_path / "elsewhere" / "corpus"  # another machine: same files, other path
    shutil.copytree(corpus, moved)
    second = tmp_path / "second-home"
    run(second, "index", str(moved))
    result = run(second, "import-annotations", str(exported))
    assert "imported 2 annotations; 0 already present; 0 not placed" in result.stdout
    assert annotations_of(second) == annotations_of(first)
    again = run(second, "import-annotations", str(exported))
    assert "imported 0 annotations; 2 already present" in again.stdout
    assert len(annotations_of(second)) == 2


def test_hypothesis_style_annotation_and_unplaceable_quotes(tmp_path):
    home = tmp_path / "home"
    run(home, "index", str(make_corpus(tmp_path)))
    data = {"rows": [
        {"id": "hyp-1", "uri": "https://example.org/report", "text": "Check this",
         "tags": ["verify"], "target": [{"source": "https://example.org/report", "selector": [
             {"type": "TextQuoteSelector", "exact": "Mortar attacks struck the camp",
              "prefix": "near Baghdad. ", "suffix": " in 2013"}]}]},
        {"id": "hyp-2", "text": "Gone", "tags": ["x"], "target": [{"selector": [
            {"type": "TextQuoteSelector", "exact": "words that appear nowhere at all"}]}]},
    ]}
    source = tmp_path / "hypothesis.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    result = run(home, "import-annotations", str(source), check_exit=1)
    assert "imported 1 annotations" in result.stdout and "1 not placed" in result.stdout
    assert annotations_of(home)[0][:2] == (KEYS["liberty"], "Mortar attacks struck the camp")
    assert annotations_of(home)[0][4:] == (("verify",), "Check this")


IMPORTS = Path(__file__).resolve().parents[1] / "data" / "imports"


@pytest.fixture
def indexed(tmp_path):
    """A home with the known corpus indexed."""
    home = tmp_path / "cli-home"
    run(home, "index", str(make_corpus(tmp_path)))
    return home


def test_hypothesis_client_export_file_imports_every_annotation(indexed):
    result = run(indexed, "import-annotations", str(IMPORTS / "hypothesis-client-export.json"))
    assert "imported 5 annotations; 0 already present; 0 not placed; 0 invalid" in result.stdout


def test_w3c_sample_forms_are_placed_or_refused_each_with_its_reason(indexed):
    home = indexed
    result = run(home, "import-annotations", str(IMPORTS / "w3c-position-only.json"),
                 check_exit=1)
    assert "imported 1 annotations; 0 already present; 2 not placed" in result.stdout
    assert "position 4000-4010 is outside the text of 'corpus/ashraf.txt'" in result.stdout
    assert ("source 'http://example.com/page1' is not a document of this archive"
            in result.stdout)
    for form in ("iri-body", "body-value"):
        assert "imported 1 annotations" in run(
            home, "import-annotations", str(IMPORTS / f"w3c-{form}.json")).stdout
    notes = run(home, "import-annotations", str(IMPORTS / "w3c-whole-document.json"),
                check_exit=1).stdout
    assert "imported 2 annotations" in notes and "(XPathSelector)" in notes


def exported_items(path: Path) -> dict[str, tuple]:
    """Each exported annotation as another tool reads it: quote, tags, note, times, author."""
    items = json.loads(path.read_text(encoding="utf-8"))["first"]["items"]

    def selector(item):
        found = item["target"].get("selector", [])
        return next((s["exact"] for s in found if s["type"] == "TextQuoteSelector"), None)

    def bodies(item, purpose):
        return tuple(b["value"] for b in item.get("body", []) if (b["purpose"] == purpose))

    return {item["id"]: (selector(item), bodies(item, "tagging"), bodies(item, "commenting"),
                         item.get("created"), item.get("modified"), item.get("creator"))
            for item in items}


def test_round_trip_keeps_times_creator_document_notes_and_highlights(tmp_path):
    first = tmp_path / "first-home"
    corpus = make_corpus(tmp_path)
    run(first, "index", str(corpus))
    run(first, "annotate", KEYS["ashraf"], "--quote", "52 residents", "--tag", "count",
        "--note", "As reported")
    run(first, "import-annotations", str(IMPORTS / "hypothesis-client-export.json"))
    run(first, "import-annotations", str(IMPORTS / "w3c-whole-document.json"), check_exit=1)
    exported, hits = tmp_path / "annotations.json", tmp_path / "hits.json"
    run(first, "export", "--format", "json", "-o", str(exported))
    run(first, "export", "--format", "json", "--query", "Mortar", "-o", str(hits))

    moved = tmp_path / "elsewhere" / "corpus"
    shutil.copytree(corpus, moved)
    second = tmp_path / "second-home"
    run(second, "index", str(moved))
    assert "imported 8 annotations; 0 already present; 0 not placed" in run(
        second, "import-annotations", str(exported)).stdout
    assert "imported 1 annotations" in run(second, "import-annotations", str(hits)).stdout
    again = tmp_path / "again.json"
    run(second, "export", "--format", "json", "-o", str(again))

    before, after = exported_items(exported), exported_items(again)
    assert {key: after[key] for key in before} == before
    hypothesis = before["urn:archive-app:annotation:hyp1AbCdEfGhIjK"]
    assert hypothesis[3:] == ("2023-03-01T10:15:30+00:00", "2023-03-02T08:00:00+00:00",
                              {"type": "Person", "name": "A. Researcher"})
    (hit_id, hit), = exported_items(hits).items()
    assert after[hit_id][:2] == (hit[0], ("highlight",))
