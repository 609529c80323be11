"""A read-only home and a full disk: clear errors, nothing lost, search keeps working.

Both use real file systems (a read-only bind mount, a 2 MB tmpfs), which needs root, as
CI has; elsewhere these tests are skipped with that reason.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT, write_files
from tests.core.archive_fixtures import KEYS, make_corpus

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting needs root (CI is root)")


def cli(home, *args):
    result = subprocess.run([sys.executable, "-m", "archive_app", "--home", str(home), *args],
                            capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def mount(*args):
    subprocess.run(["mount", *args], check=True, capture_output=True)


@pytest.fixture
def prepared_home(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    corpus = make_corpus(tmp_path)
    assert cli(home, "index", str(corpus)).returncode == 0
    assert cli(home, "annotate", KEYS["ashraf"], "--quote", "massacre", "--tag",
               "event").returncode == 0
    assert cli(home, "saved", "add", "massacres", "massacre").returncode == 0
    return home, corpus


def test_read_only_home_searches_and_refuses_changes_plainly(prepared_home):
    home, corpus = prepared_home
    mount("--bind", str(home), str(home))
    try:
        mount("-o", "remount,ro,bind", str(home))
        found = cli(home, "search", "massacre", "--json")
        assert found.returncode == 0 and json.loads(found.stdout)["total"] == 2
        listed = json.loads(cli(home, "annotations", "--json").stdout)
        assert [a["quote"] for a in listed] == ["massacre"]
        refused = cli(home, "annotate", KEYS["liberty"], "--quote", "Mortar", "--tag", "x")
        assert refused.returncode == 1 and "read-only" in refused.stderr
        saved = json.loads(cli(home, "saved", "list", "--json").stdout)
        assert [(item["name"], item["new"]) for item in saved] == [("massacres", 0)]
        ran = cli(home, "saved", "run", "massacres", "--json")  # runs; the time is not kept
        assert ran.returncode == 0 and json.loads(ran.stdout)["total"] == 2
        refused = cli(home, "saved", "add", "liberty", "liberty")
        assert refused.returncode == 1 and "read-only" in refused.stderr
        (corpus / "new.txt").write_text("fresh words", encoding="utf-8")
        reindex = cli(home, "index")
        assert reindex.returncode == 1 and "could not be written" in reindex.stderr
    finally:
        subprocess.run(["umount", str(home)], check=True)
    assert cli(home, "index").returncode == 0  # writable again: everything resumes
    assert json.loads(cli(home, "search", "fresh", "--json").stdout)["total"] == 1


def test_full_disk_keeps_the_previous_index_and_annotations(tmp_path):
    home = tmp_path / "small-disk"
    home.mkdir()
    mount("-t", "tmpfs", "-o", "size=2m", "tmpfs", str(home))
    try:
        corpus = make_corpus(tmp_path)
        assert cli(home, "index", str(corpus)).returncode == 0
        assert cli(home, "annotate", KEYS["ashraf"], "--quote", "massacre", "--tag",
                   "event").returncode == 0
        rng = random.Random(3)
        words = [f"w{n}x{rng.randrange(10**9)}" for n in range(200_000)]
        big = write_files(tmp_path / "big", {
            f"doc{n}.txt": " ".join(rng.choice(words) for _ in range(3000))
            for n in range(300)})
        failed = cli(home, "index", str(big))
        assert failed.returncode == 1
        assert "could not be written" in failed.stderr or "full" in failed.stderr.lower()
        still = json.loads(cli(home, "search", "massacre", "--json").stdout)
        assert still["total"] == 2
        tags = json.loads(cli(home, "tags", "--json").stdout)
        assert [(t["name"], t["count"]) for t in tags] == [("event", 1)]
        refused = cli(home, "annotate", KEYS["liberty"], "--quote", "Mortar", "--tag", "x")
        assert refused.returncode in (0, 1) and "Traceback" not in refused.stderr
    finally:
        subprocess.run(["umount", str(home)], check=True)
