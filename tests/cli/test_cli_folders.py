"""`archive-app folders`: the archive's folders with counts and skip reasons, and removal."""

from __future__ import annotations

import json

from tests.cli.test_cli import run
from tests.conftest import write_files
from tests.core.archive_fixtures import KEYS, make_corpus


def test_folders_lists_counts_and_skipped_files_and_remove_keeps_annotations(tmp_path):
    home = tmp_path / "cli-home"
    corpus = make_corpus(tmp_path)
    letters = write_files(tmp_path / "letters", {"basel.txt": "Basel camp letter",
                                                 "empty.txt": ""})
    run(home, "index", str(corpus), str(letters))
    run(home, "annotate", KEYS["ashraf"], "--quote", "massacre", "--tag", "event")
    data = json.loads(run(home, "folders", "--json").stdout)
    assert [(f["name"], f["documents"], len(f["skipped"])) for f in data["folders"]] == [
        ("corpus", 6, 0), ("letters", 1, 1)]
    assert data["folders"][1]["skipped"][0]["code"] == "empty"
    assert data["folders"][0]["path"] == str(corpus.resolve())
    human = run(home, "folders").stdout
    assert "corpus" in human and "6 documents" in human and "empty.txt: empty:" in human

    removed = run(home, "folders", "remove", str(corpus))
    assert "6 documents" in removed.stdout and "1 annotation" in removed.stdout
    assert json.loads(run(home, "search", "camp", "--json").stdout)["total"] == 1
    orphaned = json.loads(run(home, "annotations", "--state", "orphaned", "--json").stdout)
    assert len(orphaned) == 1
    folders = json.loads(run(home, "folders", "--json").stdout)["folders"]
    assert [f["name"] for f in folders] == ["letters"]
    unknown = run(home, "folders", "remove", str(tmp_path / "nowhere"), check_exit=1)
    assert "not a folder of this archive" in unknown.stderr


def test_a_folder_whose_name_is_not_utf8_is_listed_as_json_and_text(tmp_path):
    """`folders --json` wrote the name's raw byte (not UTF-8, so no JSON reader took it;
    under a strict UTF-8 locale it crashed); it is shown with U+FFFD, as everywhere."""
    import os
    import subprocess
    import sys

    from tests.cli.test_cli import PROJECT_ROOT

    folder = os.path.join(os.fsencode(tmp_path), b"r\xe9")
    os.mkdir(folder)
    with open(os.path.join(folder, b"a.txt"), "wb") as handle:
        handle.write(b"wombat text\n")
    home = tmp_path / "cli-home"
    run(home, "index", os.fsdecode(folder))
    environment = {**os.environ, "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": ""}
    for extra in (["--json"], []):
        result = subprocess.run(
            [sys.executable, "-m", "archive_app", "--home", str(home), "folders", *extra],
            capture_output=True, cwd=PROJECT_ROOT, env=environment, timeout=300)
        assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
        out = result.stdout.decode("utf-8")  # valid UTF-8
        if extra:
            assert json.loads(out)["folders"][0]["path"].endswith("r\ufffd")
        else:
            assert "r\ufffd" in out
