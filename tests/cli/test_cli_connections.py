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
