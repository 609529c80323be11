"""Exported W3C JSON imported into a fresh home gives the same annotations back."""

from __future__ import annotations

import json
import shutil

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
