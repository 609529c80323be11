"""`search --copies`, `copies DOC`: exact copies on the command line, names escaped."""

from __future__ import annotations

import json

from tests.cli.test_cli import run
from tests.conftest import write_files

ARTICLE = "Camp Ashraf was attacked on 1 September 2013; residents counted casualties.\n"


def test_copies_are_one_result_and_the_copies_verb_lists_them(tmp_path):
    corpus = write_files(tmp_path / "c", {"a.txt": ARTICLE, "b/a-reprint.txt": ARTICLE,
                                          "x\x1b[2Jname.txt": ARTICLE, "other.txt": "Ashraf."})
    home = tmp_path / "home"
    run(home, "index", str(corpus))
    found = json.loads(run(home, "search", "ashraf", "--json").stdout)
    assert found["total"] == 2
    separate = json.loads(run(home, "search", "ashraf", "--json", "--copies", "separate").stdout)
    assert separate["total"] == 4
    text = run(home, "search", "casualties").stdout
    assert "3 copies, also at:" in text and "\x1b" not in text
    copy = found["hits"][0]["doc"] if found["hits"][0]["doc"] != "c/other.txt" \
        else found["hits"][1]["doc"]
    listed = json.loads(run(home, "copies", copy, "--json").stdout)
    assert listed[0]["doc"] == copy
    assert sorted(item["doc"] for item in listed) == sorted(
        ["c/a.txt", "c/b/a-reprint.txt", "c/x\x1b[2Jname.txt"])
    plain = run(home, "copies", "c/other.txt").stdout
    assert plain.splitlines()[0] == "1 copy of this text"
    assert "\x1b" not in run(home, "copies", copy).stdout
    missing = run(home, "copies", "c/nothing.txt", check_exit=1)
    assert "no document 'c/nothing.txt'" in missing.stderr


PARAGRAPH = ("The witnesses said the convoy left the northern gate before dawn, crossed "
             "the river at the old bridge and reached the camp an hour later, where the "
             "officers ordered every resident into the square and read out a list of names "
             "that nobody had seen before that morning")


def test_similar_and_reuse_as_scripts_read_them(tmp_path):
    base = ("A long report about the harbour, its cranes, the night shift and the ships "
            "that wait outside for a berth while the pilots sleep. ") * 6
    corpus = write_files(tmp_path / "c", {
        "report.txt": base + PARAGRAPH + ".",
        "report-edited.txt": base.replace("cranes", "gantries", 2) + PARAGRAPH + ".",
        "=cmd|' /C calc'!A0.txt": "An unrelated note. " + PARAGRAPH.replace("convoy", "column")
        + ". Then nothing else happened for a week in the town by the sea.",
        "other.txt": "Nothing in common with the rest at all, a short note on apples.",
    })
    (corpus / "report.txt.meta.json").write_text('{"date": "2013-09-01"}', encoding="utf-8")
    (corpus / "=cmd|' /C calc'!A0.txt.meta.json").write_text(
        '{"title": "=HYPERLINK(\\"http://example.org\\")"}', encoding="utf-8")
    home = tmp_path / "home"
    run(home, "index", str(corpus))
    similar = json.loads(run(home, "similar", "c/report.txt", "--json").stdout)
    assert [item["doc"] for item in similar] == ["c/report-edited.txt"]
    assert set(similar[0]) == {"doc", "similarity"} and 0.5 <= similar[0]["similarity"] < 1
    reuse = json.loads(run(home, "reuse", "--json", "--csv", str(tmp_path / "r.csv"),
                           "--html", str(tmp_path / "r.html")).stdout)
    cluster = next(c for c in reuse if len(c["docs"]) == 3)
    assert set(cluster) == {"passage", "docs"}
    assert cluster["docs"][0]["doc"] == "c/report.txt"  # the earliest dated leads
    assert {d["doc"] for d in cluster["docs"]} == {
        "c/report.txt", "c/report-edited.txt", "c/=cmd|' /C calc'!A0.txt"}
    for doc in cluster["docs"]:
        assert set(doc) == {"doc", "start", "end"} and doc["end"] - doc["start"] > 200
    assert "old bridge" in cluster["passage"]
    table = (tmp_path / "r.csv").read_text(encoding="utf-8")
    assert table.splitlines()[0] == "cluster,documents,order,doc,title,date,start,end,passage"
    assert "'=HYPERLINK" in table and ",=HYPERLINK" not in table  # not run as a formula
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script" not in page and "2013-09-01" in page and "old bridge" in page
    text = run(home, "reuse", "--min-words", "30").stdout
    assert "earliest c/report.txt (2013-09-01)" in text
    assert json.loads(run(home, "reuse", "--json", "--min-words", "200").stdout) == []
    assert json.loads(run(home, "similar", "c/other.txt", "--json").stdout) == []
    assert "no document" in run(home, "similar", "c/nothing.txt", check_exit=1).stderr
