"""`archive-app saved ...` through real processes: add, list with what is new since each
was run, run as `search` prints, delete, export and import between two homes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import run
from tests.conftest import write_files
from tests.core.archive_fixtures import KEYS, make_corpus


@pytest.fixture
def home(tmp_path) -> Path:
    home = tmp_path / "cli-home"
    run(home, "index", str(make_corpus(tmp_path)))
    return home


def listed(home: Path) -> dict[str, dict]:
    return {item["name"]: item for item in json.loads(run(home, "saved", "list", "--json").stdout)}


def test_add_list_run_and_what_is_new_since_the_last_run(home, tmp_path):
    added = run(home, "saved", "add", "UN camps", "camp", "--filter", 'source:"UN News"',
                "--sort", "newest")
    assert added.stdout.strip() == ("saved search 'UN camps': 'camp' [source:\"UN News\"] "
                                    "sorted by newest")
    run(home, "saved", "add", "liberty", "liberty")
    items = listed(home)
    assert set(items) == {"UN camps", "liberty"}
    assert items["UN camps"]["filters"] == ['source:"UN News"']
    assert items["UN camps"]["sort"] == "newest" and items["UN camps"]["new"] == 0

    write_files(tmp_path / "corpus", {"new/liberty-again.txt": "Camp Liberty, once more.",
                                      "new/weather.txt": "Rain over the hills."})
    run(home, "index")
    assert {name: item["new"] for name, item in listed(home).items()} == {
        "UN camps": 0, "liberty": 1}
    human = run(home, "saved", "list").stdout
    assert "liberty  (1 new)  'liberty'  last run " in human

    data = json.loads(run(home, "saved", "run", "LIBERTY", "--json").stdout)
    assert set(data) == {"query", "total", "hits"} and data["total"] == 2
    assert {hit["doc"] for hit in data["hits"]} == {KEYS["liberty"],
                                                   "corpus/new/liberty-again.txt"}
    assert listed(home)["liberty"]["new"] == 0
    text = run(home, "saved", "run", "UN camps").stdout
    assert "1 documents for '(camp) source:\"UN News\"'" in text and "sorted by newest" in text


def test_a_taken_name_a_bad_query_and_an_unknown_name(home):
    run(home, "saved", "add", "camps", "camp")
    taken = run(home, "saved", "add", "Camps", "liberty", check_exit=1)
    assert "already a saved search named 'camps'" in taken.stderr
    run(home, "saved", "add", "Camps", "liberty", "--replace")
    assert listed(home)["Camps"]["query"] == "liberty"
    bad = run(home, "saved", "add", "broken", '"unclosed', check_exit=2)
    assert bad.stderr.startswith("archive-app: bad query:")
    empty = run(home, "saved", "add", "nothing", check_exit=1)
    assert "nothing to save" in empty.stderr
    missing = run(home, "saved", "run", "nope", check_exit=1)
    assert missing.stderr.strip() == "archive-app: there is no saved search named 'nope'"
    run(home, "saved", "delete", "camps")
    assert listed(home) == {}
    assert run(home, "saved", "list").stdout.startswith("no saved searches")


def test_export_and_import_between_two_homes(home, tmp_path):
    run(home, "saved", "add", "camps", "camp", "--filter", "format:txt")
    run(home, "saved", "add", "Persian", "lang:fa", "--sort", "oldest")
    shared = tmp_path / "team.json"
    assert run(home, "saved", "export", str(shared)).stdout.strip() == (
        f"exported 2 saved searches to {shared}")
    refused = run(home, "saved", "export", str(shared), check_exit=1)
    assert "already exists" in refused.stderr
    run(home, "saved", "export", str(shared), "--force")

    other = tmp_path / "other-home"
    run(other, "index", str(make_corpus(tmp_path / "other")))
    run(other, "saved", "add", "camps", "something else")
    result = run(other, "saved", "import", str(shared))
    assert result.stdout.splitlines() == [
        "imported 1 saved searches; 1 skipped (name already here); 0 invalid",
        "  skipped: 'camps': this archive has a saved search of that name; it is kept as it is"]
    items = listed(other)
    assert items["camps"]["query"] == "something else"
    assert (items["Persian"]["query"], items["Persian"]["sort"]) == ("lang:fa", "oldest")


def test_a_hostile_import_says_what_it_refused_and_exits_1(home, tmp_path):
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps([
        {"name": "fine", "query": "camp"},
        {"name": "\x1b]0;owned\x07", "query": "title:("},
        {"name": "sorted", "query": "camp", "sort": "\x1b[2J"},
        42,
    ]), encoding="utf-8")
    result = run(home, "saved", "import", str(hostile), check_exit=1)
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    lines = result.stdout.splitlines()
    assert lines[0] == "imported 1 saved searches; 0 skipped (name already here); 3 invalid"
    assert lines[1].startswith("  invalid: item 2 (']0;owned'): A bracket '(' is not closed")
    assert lines[2].startswith("  invalid: item 3 ('sorted'): '[2J' is not a sort")
    assert lines[3] == "  invalid: item 4: not an object with a name and a query"
    assert set(listed(home)) == {"fine"}
    (tmp_path / "deep.json").write_text("[" * 50_000, encoding="utf-8")
    deep = run(home, "saved", "import", str(tmp_path / "deep.json"), check_exit=1)
    assert deep.stderr.startswith("archive-app: cannot read ") and "JSON" in deep.stderr
