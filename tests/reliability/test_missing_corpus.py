"""An unplugged drive or a deleted folder marks documents missing; nothing is dropped."""

from __future__ import annotations

import json
import shutil

from tests.cli.test_cli import run
from tests.conftest import write_files
from tests.core.archive_fixtures import KEYS, make_corpus


def test_missing_folder_keeps_documents_and_annotations(tmp_path):
    home = tmp_path / "home"
    corpus = make_corpus(tmp_path)
    other = write_files(tmp_path / "other", {"note.txt": "Basel meeting minutes"})
    run(home, "index", str(corpus), str(other))
    run(home, "annotate", KEYS["ashraf"], "--quote", "massacre", "--tag", "event")
    unplugged = tmp_path / "unplugged"
    corpus.rename(unplugged)

    result = run(home, "index")
    assert "is missing or empty (unplugged drive?)" in result.stdout
    assert "0 removed" in result.stdout
    found = run(home, "search", "massacre")
    assert "[file missing: deleted or drive unplugged]" in found.stdout
    assert json.loads(run(home, "search", "massacre", "--json").stdout)["total"] == 2
    assert json.loads(run(home, "search", "basel", "--json").stdout)["total"] == 1
    annotations = json.loads(run(home, "annotations", "--json").stdout)
    assert [(a["quote"], a["state"]) for a in annotations] == [("massacre", "anchored")]
    check = run(home, "check", check_exit=1)
    assert "missing (unplugged drive?)" in check.stdout

    unplugged.rename(corpus)  # plugged in again
    again = run(home, "index")
    assert "0 added, 0 updated, 0 removed, 7 unchanged" in again.stdout
    assert "[file missing" not in run(home, "search", "massacre").stdout


def test_empty_mount_point_is_treated_as_missing(tmp_path):
    home = tmp_path / "home"
    corpus = make_corpus(tmp_path)
    run(home, "index", str(corpus))
    moved = tmp_path / "elsewhere"
    shutil.move(str(corpus), str(moved))
    corpus.mkdir()  # what an unmounted drive's mount point looks like
    result = run(home, "index")
    assert "is missing or empty" in result.stdout
    assert json.loads(run(home, "search", "camp", "--json").stdout)["total"] == 2
