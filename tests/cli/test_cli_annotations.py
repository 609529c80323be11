"""annotate / annotations / tags from the command line, in the shapes DESIGN.md fixes."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli import run
from tests.core.archive_fixtures import KEYS, make_corpus


@pytest.fixture
def home(tmp_path):
    home = tmp_path / "cli-home"
    run(home, "index", str(make_corpus(tmp_path)))
    return home


def test_annotate_then_list_as_json(home):
    result = run(home, "annotate", KEYS["ashraf"], "--quote", "52 residents", "--tag",
                 "witness", "--tag", "people/victims", "--note", "Busztin's count")
    assert result.stdout.startswith("annotation 1 on corpus/ashraf.txt")
    items = json.loads(run(home, "annotations", "--json").stdout)
    assert items == [{"id": 1, "doc": KEYS["ashraf"], "quote": "52 residents",
                      "start": items[0]["start"], "end": items[0]["start"] + 12,
                      "tags": ["witness", "people/victims"], "note": "Busztin's count",
                      "state": "anchored"}]
    tags = json.loads(run(home, "tags", "--json").stdout)
    assert [(t["name"], t["count"]) for t in tags] == [("people/victims", 1), ("witness", 1)]
    assert all(t["color"].startswith("#") for t in tags)
    found = json.loads(run(home, "search", "tag:witness", "--json").stdout)
    assert [hit["doc"] for hit in found["hits"]] == [KEYS["ashraf"]]


def test_occurrence_picks_the_second_quote(home):
    run(home, "annotate", KEYS["report"], "--quote", "integer", "--occurrence", "2",
        "--tag", "x")
    item = json.loads(run(home, "annotations", "--json").stdout)[0]
    assert item["start"] > 30


def test_filter_by_tag(home):
    run(home, "annotate", KEYS["ashraf"], "--quote", "massacre", "--tag", "event")
    run(home, "annotate", KEYS["liberty"], "--quote", "Mortar", "--tag", "weapon")
    items = json.loads(run(home, "annotations", "--tag", "weapon", "--json").stdout)
    assert [i["quote"] for i in items] == ["Mortar"]


def test_missing_quote_fails_with_a_message(home):
    result = run(home, "annotate", KEYS["ashraf"], "--quote", "not there", "--tag", "x",
                 check_exit=1)
    assert "is not in" in result.stderr
