"""`archive-app browse`: a folder's subfolders, skipped files and documents, through real
processes on a real index of real files (nested folders, a zip, a mailbox)."""

from __future__ import annotations

import json

from tests.cli.test_cli import run
from tests.conftest import write_files
from tests.core.browse_fixtures import make_browse_corpus


def test_browse_lists_folders_with_counts_then_documents_sorted(tmp_path):
    home = tmp_path / "cli-home"
    corpus = make_browse_corpus(tmp_path)
    run(home, "index", str(corpus))
    top = json.loads(run(home, "browse", "--json").stdout)
    assert top["folder"] == "" and top["parent"] is None
    assert [(f["folder"], f["kind"], f["documents"], f["skipped"])
            for f in top["folders"]] == [("harbour", "root", 14, 1)]

    box = json.loads(run(home, "browse", "harbour/mail/desk.mbox", "--sort=-date",
                         "--json").stdout)
    assert box["kind"] == "mailbox" and box["total"] == 3 and box["descending"]
    assert [d["date"] for d in box["documents"]] == ["2015-02-04", "2015-02-03",
                                                     "2015-02-02"]
    assert set(box["documents"][0]) == {"doc", "title", "author", "source", "date",
                                        "format", "pages", "size", "annotations", "path",
                                        "lang", "place", "folder"}
    assert box["folders"][0]["kind"] == "message"

    year = json.loads(run(home, "browse", str(corpus / "notes" / "2014"), "--json").stdout)
    assert year["folder"] == "harbour/notes/2014"  # a folder on disk, by its path
    assert [(s["code"], s["path"]) for s in year["skipped"]] == [
        ("empty", str(corpus / "notes" / "2014" / "empty.txt"))]

    human = run(home, "browse", "harbour/leaks/bundle.zip//finance", "--sort", "size")
    lines = human.stdout.splitlines()
    assert lines[0] == "harbour/leaks/bundle.zip//finance: 2 documents, 0 skipped"
    assert "2013/  [harbour/leaks/bundle.zip//finance/2013]  1 document" in human.stdout
    assert "Quarter three figures [txt]" in human.stdout

    filtered = json.loads(run(home, "browse", "harbour", "--filter", "format:md",
                              "--json").stdout)
    assert filtered["filters"] == ["format:md"] and filtered["documents_under"] == 4

    paged = json.loads(run(home, "browse", "harbour/mail/desk.mbox", "--limit", "1",
                           "--offset", "1", "--json").stdout)
    assert paged["total"] == 3 and [d["title"] for d in paged["documents"]] == [
        "Lock repairs"]


def test_bad_folders_sorts_and_filters_get_messages_and_exit_codes(tmp_path):
    home = tmp_path / "cli-home"
    run(home, "index", str(make_browse_corpus(tmp_path)))
    missing = run(home, "browse", "harbour/nowhere", check_exit=1)
    assert "no folder 'harbour/nowhere'" in missing.stderr and not missing.stdout
    document = run(home, "browse", "harbour/notes/report.pdf", check_exit=1)
    assert "without members" in document.stderr
    outside = run(home, "browse", str(tmp_path), check_exit=1)
    assert "not inside a folder of this archive" in outside.stderr
    assert "use one of title, author" in run(home, "browse", "--sort", "colour",
                                            check_exit=2).stderr
    assert "bad query" in run(home, "browse", "harbour", "--filter", 'source:"open',
                              check_exit=2).stderr


def test_human_output_escapes_control_characters_in_names(tmp_path):
    home = tmp_path / "cli-home"
    folder = write_files(tmp_path / "odd", {"\x1b]0;PWNED\x07 \x1b[31mred.txt": "A note\n",
                                            "forged\nLINE.txt": "Another note\n"})
    run(home, "index", str(folder))
    out = run(home, "browse", "odd").stdout
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]0;PWNED\\x07 \\x1b[31mred.txt" in out
    assert "odd/forged\\nLINE.txt" in out
    assert not any(line.startswith("LINE") for line in out.splitlines())
