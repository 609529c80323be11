"""The CLI as scripts use it: real processes, exit codes (the whole contract of docs/DESIGN.md
is in test_cli_contract.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, write_files
from tests.core.archive_fixtures import KEYS, make_corpus


def run(home: Path, *args: str, check_exit: int | None = 0) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "archive_app", "--home", str(home), *args],
                            capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300)
    assert "Traceback" not in result.stderr, result.stderr
    if check_exit is not None:
        assert result.returncode == check_exit, result.stderr
    return result


@pytest.fixture
def home(tmp_path):
    home = tmp_path / "cli-home"
    run(home, "index", str(make_corpus(tmp_path)))
    return home


def test_index_prints_a_summary_with_skip_reasons(tmp_path):
    corpus = write_files(tmp_path / "docs", {"a.txt": "alpha", "empty.txt": ""})
    first = run(tmp_path / "h", "index", str(corpus))
    assert "1 added, 0 updated, 0 removed, 0 unchanged, 1 skipped" in first.stdout
    assert "empty.txt: empty:" in first.stdout
    second = run(tmp_path / "h", "index")
    assert "0 added, 0 updated, 0 removed, 1 unchanged, 0 skipped" in second.stdout
    assert "1 unchanged files were skipped before" in second.stdout
    assert "empty.txt: empty:" in run(tmp_path / "h", "check").stdout


def test_search_json_has_the_contract_shape(home):
    result = run(home, "search", '"Camp Liberty"', "--json")
    data = json.loads(result.stdout)
    assert set(data) == {"query", "total", "hits"}
    assert data["query"] == '"Camp Liberty"' and data["total"] == 1
    hit = data["hits"][0]
    assert set(hit) == {"doc", "path", "title", "author", "source", "date", "score", "snippets"}
    assert hit["doc"] == KEYS["liberty"] and hit["source"] == "UNAMI"
    for snippet in hit["snippets"]:
        assert {snippet["text"][a:b] for a, b in snippet["highlights"]} == {"Camp Liberty"}


def test_human_output_marks_hits(home):
    result = run(home, "search", "massacre")
    assert "[massacre]" in result.stdout and "[massacres]" in result.stdout
    assert "2 documents for 'massacre'" in result.stdout


def test_sort_newest_and_limit(home):
    data = json.loads(run(home, "search", "camp OR massacres", "--sort", "newest", "--json",
                          "--limit", "2").stdout)
    assert [h["date"] for h in data["hits"]] == ["2014-12-30", "2013-09-01"]
    assert data["total"] == 3


def test_bad_query_exits_2_with_message(home):
    result = run(home, "search", "title:(", check_exit=2)
    assert "bad query" in result.stderr and "not closed" in result.stderr
    assert result.stdout == ""


def test_bad_usage_exits_2(home):
    run(home, "search", check_exit=2)
    run(home, "search", "x", "--limit", "0", check_exit=2)
    run(home, "frobnicate", check_exit=2)


def test_missing_folder_exits_1(tmp_path):
    result = run(tmp_path / "h", "index", str(tmp_path / "nowhere"), check_exit=1)
    assert "is not a folder" in result.stderr


def test_batch_runs_every_line_and_reports_errors_inline(home, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text('ashraf\n"camp liberty"\n\ntitle:(\nbaghdad\n', encoding="utf-8")
    result = run(home, "search", "--batch", str(names), "--json", check_exit=2)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["ashraf", '"camp liberty"', "title:(",
                                                  "baghdad"]
    assert all(line["elapsed_ms"] >= 0 for line in lines)
    assert "error" in lines[2] and "total" not in lines[2]
    assert [line["total"] for line in lines if "total" in line] == [1, 1, 1]


def test_check_reports_a_healthy_index(home):
    result = run(home, "check")
    assert "archive: healthy; 6 documents in the index" in result.stdout


def test_proximity_near_regex_and_within_from_the_command_line(home):
    def keys(*args):
        return [hit["doc"] for hit in json.loads(run(home, "search", *args, "--json").stdout)
                ["hits"]]

    assert keys('"attack ashraf"~3') == [KEYS["ashraf"]]  # "attack on Camp Ashraf"
    assert keys('"attack ashraf"~1') == []  # two words between them
    assert keys('"ashraf attack"~3') == [KEYS["ashraf"]]  # the title: "Camp Ashraf attack"
    assert keys("body:(ashraf NEAR/2 attack)") == [KEYS["ashraf"]]
    assert sorted(keys("/massacres?/")) == sorted([KEYS["ashraf"], KEYS["massacres"]])
    assert keys("camp", "--within", "massacre") == [KEYS["ashraf"]]
    unreadable = run(home, "search", "/(?=a)b/", check_exit=2)
    assert "not a regular expression" in unreadable.stderr


@pytest.mark.parametrize("query", ["said", "lord*", "lrod~", '"a b"', "a NEAR b",
                                   '"a b"~3', "/a.*/", "date:2013", "tag:x"])
def test_a_home_never_indexed_answers_every_query_with_nothing(tmp_path, query):
    """Whoosh gives an index with no segment an EmptyReader; reading its postings once
    raised AttributeError (a traceback for any word query before the first index)."""
    result = run(tmp_path / "never-indexed", "search", query, "--json")
    assert json.loads(result.stdout)["total"] == 0
