"""The CLI contract of docs/DESIGN.md, on the bundled corpus, through real processes.

Scripts depend on these shapes and exit codes: `search --json` and `--batch`, the error
object of a bad batch line, `annotations --json`, `tags --json`, `saved list --json` and
`saved run --json` (the search object), and exit codes 0 (done),
1 (failure) and 2 (bad usage or a query that cannot be parsed), never a traceback.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

SEARCH_KEYS = {"query", "total", "hits"}
HIT_KEYS = {"doc", "path", "title", "author", "source", "date", "score", "snippets"}
ERROR_KEYS = {"query", "error", "elapsed_ms"}
ANNOTATION_KEYS = {"id", "doc", "quote", "start", "end", "tags", "note", "state"}
TAG_KEYS = {"name", "count", "color"}
SAVED_KEYS = {"name", "query", "filters", "sort", "created", "last_run", "new"}
FORMATS = {"md", "html", "docx", "csv", "json", "qdpx", "csl", "bibtex"}
TIMELINE_KEYS = {"query", "filters", "total", "granularity", "undated", "coarse", "buckets"}
BUCKET_KEYS = {"start", "end", "label", "count"}


def app(home: Path, *args: str, exit_code: int | None = 0) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "archive_app", "--home", str(home), *args],
                            capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300)
    assert "Traceback" not in result.stderr, result.stderr
    if exit_code is not None:
        assert result.returncode == exit_code, (result.returncode, result.stderr)
    return result


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """A home with the bundled corpus indexed (read-only use: every test may share it)."""
    home = tmp_path_factory.mktemp("contract") / "home"
    app(home, "index", str(PROJECT_ROOT / "corpus"))
    return home


def search_json(home: Path, *args: str) -> dict:
    result = app(home, "search", *args, "--json")
    lines = result.stdout.splitlines()
    assert len(lines) == 1, "search --json prints exactly one JSON object"
    return json.loads(lines[0])


def assert_search_object(data: dict, query: str) -> None:
    assert set(data) == SEARCH_KEYS
    assert data["query"] == query
    assert isinstance(data["total"], int) and data["total"] >= len(data["hits"])
    for hit in data["hits"]:
        assert set(hit) == HIT_KEYS
        for key in ("doc", "path", "title", "author", "source", "date"):
            assert isinstance(hit[key], str), (key, hit[key])
        assert hit["doc"] and hit["path"]
        assert isinstance(hit["score"], int | float)
        assert isinstance(hit["snippets"], list)
        for snippet in hit["snippets"]:
            assert set(snippet) == {"text", "highlights"}
            assert isinstance(snippet["text"], str)
            for span in snippet["highlights"]:
                assert isinstance(span, list) and len(span) == 2
                start, end = span
                assert isinstance(start, int) and isinstance(end, int)
                assert 0 <= start < end <= len(snippet["text"])


def test_search_json_has_the_contract_shape_and_marks_the_hit_words(home):
    data = search_json(home, "Ashraf")
    assert_search_object(data, "Ashraf")
    assert data["total"] >= 1 and data["hits"]
    marked = [snippet["text"][a:b].lower() for hit in data["hits"]
              for snippet in hit["snippets"] for a, b in snippet["highlights"]]
    assert marked and all("ashraf" in word for word in marked), marked
    scores = [hit["score"] for hit in data["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_a_phrase_highlights_exactly_the_phrase(home):
    data = search_json(home, '"Camp Liberty"')
    assert_search_object(data, '"Camp Liberty"')
    assert data["total"] >= 1
    spans = {snippet["text"][a:b].lower() for hit in data["hits"]
             for snippet in hit["snippets"] for a, b in snippet["highlights"]}
    assert spans == {"camp liberty"}


def test_no_hits_is_an_empty_list_not_an_error(home):
    data = search_json(home, "zqxjkvwwordthatisnowhere")
    assert data == {"query": "zqxjkvwwordthatisnowhere", "total": 0, "hits": []}


def test_limit_offset_and_date_sorts(home):
    query = "Iraq OR Iran OR refugees OR camp"
    everything = search_json(home, query, "--limit", "50")
    assert_search_object(everything, query)
    assert everything["total"] >= 4
    assert len(search_json(home, query, "--limit", "2")["hits"]) == 2
    second = search_json(home, query, "--limit", "1", "--offset", "1")["hits"]
    assert [hit["doc"] for hit in second] == [everything["hits"][1]["doc"]]
    for sort, newest_first in (("newest", True), ("oldest", False)):
        hits = search_json(home, query, "--limit", "50", "--sort", sort)["hits"]
        assert {hit["doc"] for hit in hits} == {hit["doc"] for hit in everything["hits"]}
        dates = [hit["date"] for hit in hits]
        dated = [date for date in dates if date]
        assert dated == sorted(dated, reverse=newest_first)
        assert dates == dated + [""] * (len(dates) - len(dated)), "undated documents last"


def test_batch_prints_one_object_per_query_and_goes_on_after_a_bad_line(home, tmp_path):
    batch = tmp_path / "queries.txt"
    batch.write_text('Ashraf\n"Camp Liberty"\n\ntitle:(\nrefugees\n', encoding="utf-8")
    result = app(home, "search", "--batch", str(batch), "--json", exit_code=2)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["Ashraf", '"Camp Liberty"', "title:(",
                                                  "refugees"]
    for line in lines:
        assert isinstance(line["elapsed_ms"], int | float) and line["elapsed_ms"] >= 0
    error = lines[2]
    assert set(error) == ERROR_KEYS
    assert isinstance(error["error"], str) and error["error"]
    for line in (lines[0], lines[1], lines[3]):
        assert_search_object({k: v for k, v in line.items() if k != "elapsed_ms"},
                             line["query"])
        assert line["total"] >= 1
    # the same queries one by one give the same totals and hits
    alone = search_json(home, "Ashraf")
    assert (lines[0]["total"], [h["doc"] for h in lines[0]["hits"]]) == \
        (alone["total"], [h["doc"] for h in alone["hits"]])


def test_a_batch_of_good_queries_exits_0(home, tmp_path):
    batch = tmp_path / "good.txt"
    batch.write_text("Ashraf\nrefugees\n", encoding="utf-8")
    result = app(home, "search", "--batch", str(batch), "--json", "--limit", "1")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2 and all(len(line["hits"]) <= 1 for line in lines)
    assert all(set(line) == SEARCH_KEYS | {"elapsed_ms"} for line in lines)


def test_timeline_json_has_the_contract_shape_and_counts_the_search(home):
    result = app(home, "timeline", "the", "--json")
    lines = result.stdout.splitlines()
    assert len(lines) == 1, "timeline --json prints exactly one JSON object"
    data = json.loads(lines[0])
    assert set(data) == TIMELINE_KEYS
    assert (data["query"], data["filters"], data["granularity"]) == ("the", [], "year")
    every = search_json(home, "the", "--limit", "1000")
    assert data["total"] == every["total"]
    years = Counter(hit["date"][:4] for hit in every["hits"] if hit["date"])
    assert {b["start"][:4]: b["count"] for b in data["buckets"] if b["count"]} == years
    assert data["undated"] == sum(1 for hit in every["hits"] if not hit["date"])
    assert data["coarse"] == 0
    for bucket in data["buckets"]:
        assert set(bucket) == BUCKET_KEYS
        assert isinstance(bucket["count"], int) and bucket["start"] <= bucket["end"]
        assert all(isinstance(bucket[key], str) for key in ("start", "end", "label"))
    narrowed = json.loads(app(home, "timeline", "the", "--filter", "date:2016",
                              "--json").stdout)
    assert narrowed["filters"] == ["date:2016"] and narrowed["granularity"] == "day"
    assert narrowed["total"] == years["2016"]
    nothing = json.loads(app(home, "timeline", "nosuchwordanywhere", "--json").stdout)
    assert nothing == {"query": "nosuchwordanywhere", "filters": [], "total": 0,
                       "granularity": "", "undated": 0, "coarse": 0, "buckets": []}


@pytest.mark.parametrize("query", ["title:(", '"unclosed phrase', "date:[2013 TO", "(a OR"])
def test_a_query_that_cannot_be_parsed_exits_2_with_a_message(home, query):
    for verb in ("search", "timeline"):
        for extra in ((), ("--json",)):
            result = app(home, verb, query, *extra, exit_code=2)
            assert result.stdout == ""
            assert result.stderr.startswith("archive-app: bad query:"), result.stderr
            assert len(result.stderr.strip().splitlines()) <= 3


@pytest.mark.parametrize("args", [
    ("search",),                                       # neither a query nor --batch
    ("search", "x", "--batch", "queries.txt"),         # both
    ("search", "x", "--limit", "0"),
    ("search", "x", "--sort", "sideways"),
    ("export", "--format", "pdf", "-o", "out.pdf"),
    ("annotations", "--state", "lost"),
    ("saved",),                                        # no action
    ("saved", "add"),                                  # no name
    ("saved", "add", "x", "camp", "--sort", "sideways"),
    ("saved", "run", "x", "--limit", "0"),
    ("timeline",),                                     # no query
    ("frobnicate",),
], ids=lambda args: " ".join(args))
def test_bad_usage_exits_2(home, args):
    result = app(home, *args, exit_code=2)
    assert result.stderr.strip()
    assert result.stdout == ""


def test_failures_exit_1_with_a_message(home, tmp_path):
    cases = [
        ("index", str(tmp_path / "nowhere")),
        ("search", "--batch", str(tmp_path / "no-such-file.txt"), "--json"),
        ("annotate", "no/such/document.txt", "--quote", "Ashraf", "--tag", "t"),
        ("saved", "run", "no such search"),
        ("saved", "delete", "no such search"),
        ("saved", "import", str(tmp_path / "no-such-file.json")),
    ]
    for args in cases:
        result = app(home, *args, exit_code=1)
        assert result.stderr.startswith("archive-app: "), (args, result.stderr)


def test_a_damaged_index_exits_1_and_names_the_repair(home, tmp_path):
    damaged = tmp_path / "damaged"
    shutil.copytree(home, damaged)
    segments = list((damaged / "index").glob("*.seg")) + list((damaged / "index").glob("*.toc"))
    assert segments
    for path in segments:
        path.write_bytes(b"garbage")
    result = app(damaged, "search", "Ashraf", "--json", exit_code=1)
    assert result.stdout == ""
    assert "damaged" in result.stderr and "check --repair" in result.stderr


def test_annotations_and_tags_json_shapes(tmp_path):
    home = tmp_path / "home"
    app(home, "index", str(PROJECT_ROOT / "corpus"))
    doc = search_json(home, "Ashraf")["hits"][0]["doc"]
    app(home, "annotate", doc, "--quote", "Ashraf", "--tag", "people/witnesses",
        "--tag", "places", "--note", "a note")
    items = json.loads(app(home, "annotations", "--json").stdout)
    assert isinstance(items, list) and len(items) == 1
    item = items[0]
    assert set(item) >= ANNOTATION_KEYS  # more keys may come; these stay
    assert item["doc"] == doc and item["quote"] == "Ashraf" and item["note"] == "a note"
    assert isinstance(item["id"], int)
    assert isinstance(item["start"], int) and item["end"] - item["start"] == len("Ashraf")
    assert sorted(item["tags"]) == ["people/witnesses", "places"]
    assert item["state"] in {"anchored", "reanchored", "orphaned"}
    assert json.loads(app(home, "annotations", "--tag", "places", "--json").stdout) == items
    assert json.loads(app(home, "annotations", "--state", "orphaned", "--json").stdout) == []
    tags = json.loads(app(home, "tags", "--json").stdout)
    assert isinstance(tags, list) and tags
    for tag in tags:
        assert set(tag) >= TAG_KEYS
        assert isinstance(tag["name"], str) and isinstance(tag["count"], int)
        assert isinstance(tag["color"], str) and tag["color"].startswith("#")
    counts = {tag["name"]: tag["count"] for tag in tags}
    assert counts["people/witnesses"] == 1 and counts["places"] == 1


def test_an_empty_archive_lists_nothing(tmp_path):
    home = tmp_path / "empty"
    assert json.loads(app(home, "annotations", "--json").stdout) == []
    assert json.loads(app(home, "tags", "--json").stdout) == []


def test_export_offers_exactly_the_contract_formats(home, tmp_path):
    help_text = app(home, "export", "--help").stdout
    offered = help_text.split("--format {", 1)[1].split("}", 1)[0]
    assert set(offered.split(",")) == FORMATS
    out = tmp_path / "hits.md"
    app(home, "export", "--query", '"Camp Liberty"', "--format", "md", "-o", str(out))
    assert "Camp Liberty" in out.read_text(encoding="utf-8")


def test_saved_list_and_run_json_shapes(home, tmp_path):
    mine = tmp_path / "saved-home"
    shutil.copytree(home, mine)
    app(mine, "saved", "add", "Ashraf in text", "Ashraf", "--filter", "format:txt",
        "--sort", "newest")
    items = json.loads(app(mine, "saved", "list", "--json").stdout)
    assert isinstance(items, list) and len(items) == 1
    [item] = items
    assert set(item) == SAVED_KEYS
    assert (item["name"], item["query"], item["filters"], item["sort"]) == (
        "Ashraf in text", "Ashraf", ["format:txt"], "newest")
    assert isinstance(item["new"], int) and item["new"] == 0
    assert item["created"] <= item["last_run"]
    result = app(mine, "saved", "run", "Ashraf in text", "--json", "--limit", "3")
    lines = result.stdout.splitlines()
    assert len(lines) == 1, "saved run --json prints exactly one JSON object"
    data = json.loads(lines[0])
    assert_search_object(data, "(Ashraf) format:txt")
    same = search_json(mine, "(Ashraf) format:txt", "--sort", "newest", "--limit", "3")
    assert [hit["doc"] for hit in data["hits"]] == [hit["doc"] for hit in same["hits"]]
    assert json.loads(app(mine, "saved", "list", "--json").stdout)[0]["last_run"] > \
        item["last_run"]
    assert json.loads(app(tmp_path / "empty-home", "saved", "list", "--json").stdout) == []
