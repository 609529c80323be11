"""`archive-app watchlist` as scripts use it: import, list --json, export, cooccur."""

from __future__ import annotations

import json

from tests.cli.test_cli import run
from tests.conftest import write_files


def test_watchlist_verbs_from_import_to_cooccurrence(tmp_path):
    corpus = write_files(tmp_path / "c", {
        "a.txt": "Nouri al-Málikí met György Busztin in Baghdad.",
        "b.txt": "نوری مالکی در بغداد بود.",
        "c.txt": "Busztin wrote to ann@example.org alone.",
    })
    home = tmp_path / "home"
    run(home, "index", str(corpus))
    (tmp_path / "people.csv").write_text("Nouri al-Maliki,Maliki,مالکی\nGyörgy Busztin,Busztin\n"
                                         "\x1b[2J,\n", encoding="utf-8")
    imported = run(home, "watchlist", "import", str(tmp_path / "people.csv"), "--name", "People")
    assert "3 entities" in imported.stdout and "\x1b" not in imported.stdout
    listed = json.loads(run(home, "watchlist", "list", "--json").stdout)
    assert [(w["name"], [e["name"] for e in w["entities"]]) for w in listed] == [
        ("People", ["Nouri al-Maliki", "György Busztin", "[2J"])]  # the escape is gone
    found = json.loads(run(home, "search", 'entity:"Nouri al-Maliki"', "--json").stdout)
    assert sorted(hit["doc"] for hit in found["hits"]) == ["c/a.txt", "c/b.txt"]
    table = json.loads(run(home, "watchlist", "cooccur", "busztin OR maliki OR بغداد",
                           "--json", "--csv", str(tmp_path / "table.csv")).stdout)
    assert {e["entity"]: e["docs"] for e in table["entities"]} == {
        "Nouri al-Maliki": 2, "György Busztin": 2}
    assert table["pairs"] == [{"a": "György Busztin", "b": "Nouri al-Maliki", "docs": 1}]
    assert (tmp_path / "table.csv").read_text("utf-8").splitlines()[0].startswith(",")
    run(home, "watchlist", "export", "People", "-o", str(tmp_path / "out.csv"))
    assert "مالکی" in (tmp_path / "out.csv").read_text("utf-8")
    again = run(home, "watchlist", "export", "People", "-o", str(tmp_path / "out.csv"),
                check_exit=1)
    assert "already exists" in again.stderr
    run(home, "watchlist", "delete", "People")
    assert json.loads(run(home, "search", 'entity:"Nouri al-Maliki"', "--json").stdout
                      )["total"] == 0
    missing = run(home, "watchlist", "delete", "People", check_exit=1)
    assert "no watch-list" in missing.stderr
