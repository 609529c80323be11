"""A child indexing a corpus is SIGKILLed at random moments; nothing stays broken.

After each kill the index opens, `check` reports it healthy or repairs it, and the next
`index` run completes with exactly the result set of an uninterrupted run.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time

import pytest

from tests.conftest import PROJECT_ROOT, write_files

TRIALS = 10
DOCUMENTS = 2000
WORDS = ["camp", "liberty", "ashraf", "refugees", "witness", "report", "attack", "council",
         "resolution", "mission", "residents", "relocation", "security", "investigation",
         "statement"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    rng = random.Random(7)
    files = {}
    for number in range(DOCUMENTS):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 160)))
        files[f"part{number % 20:02d}/doc{number:05d}.txt"] = (
            f"Report {number}\n\n{words} marker{number}")
    return write_files(tmp_path_factory.mktemp("crash") / "corpus", files)


def cli(home, *args, timeout=600):
    return subprocess.run([sys.executable, "-m", "archive_app", "--home", str(home), *args],
                          capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=timeout)


def all_keys(home):
    result = cli(home, "search", "marker* OR report", "--json", "--limit", "100000")
    assert result.returncode == 0, result.stderr
    return {hit["doc"] for hit in json.loads(result.stdout)["hits"]}


@pytest.fixture(scope="module")
def expected(corpus, tmp_path_factory):
    home = tmp_path_factory.mktemp("reference-home")
    started = time.monotonic()
    assert cli(home, "index", str(corpus)).returncode == 0
    duration = time.monotonic() - started
    keys = all_keys(home)
    assert len(keys) == DOCUMENTS
    return keys, duration


def test_sigkill_at_random_moments_leaves_a_recoverable_index(corpus, expected, tmp_path):
    expected, duration = expected
    rng = random.Random(20261126)
    home = tmp_path / "home"
    kills = 0
    for trial in range(TRIALS):
        # each trial reads everything (a kill keeps what was read, so after the
        # first, `check --repair` finishes the run and an `index` would have no work)
        child = subprocess.Popen([sys.executable, "-m", "archive_app", "--home", str(home),
                                  "index", str(corpus)] + (["--rebuild"] if trial else []),
                                 cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 0.95) * duration)  # within an uninterrupted run
        if child.poll() is None:
            child.kill()
            kills += 1
        child.wait()
        report = cli(home, "check", "--repair")
        assert report.returncode == 0, report.stdout + report.stderr
        assert "Traceback" not in report.stderr
        assert cli(home, "search", "camp").returncode == 0
    assert kills >= TRIALS // 2  # most trials really were interrupted
    final = cli(home, "index", str(corpus))
    assert final.returncode == 0, final.stderr
    assert all_keys(home) == expected
    assert "healthy" in cli(home, "check").stdout
