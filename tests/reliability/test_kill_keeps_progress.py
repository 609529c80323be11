"""A kill while a file hangs the reader costs that file only, and a killed repair costs
nothing.

`archive-app index` runs as a real subprocess in which one file hangs its reader
(tests/reliability/hanging_cli.py), in-process (a few files) and in the indexing
children (PARALLEL_MIN_DOCS or more). It is SIGKILLed while it hangs. Then the files read
before are searchable, the next run does not hang on that file again (it is recorded as
stopped and listed by `check` under its limits), and a `check --repair` killed while it
rebuilds leaves the working index in place.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import PROJECT_ROOT, write_files
from tests.reliability.hanging_cli import HANG_MARK

WAIT_SECONDS = 120


def notes(count: int) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {
        f"notes/n{n:04d}.txt": f"Note {n}\n\nThe ledger entry {n} of the mission."
        for n in range(count)}
    files["notes/zz-hang.txt"] = HANG_MARK + b"\n\nA ledger that never ends."
    return files


def cli(home, *args, timeout=WAIT_SECONDS, module="archive_app"):
    return subprocess.run([sys.executable, "-m", module, "--home", str(home), *args],
                          capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=timeout)


def hanging(home, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.reliability.hanging_cli",
                             "--home", str(home), *args], cwd=PROJECT_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def searchable(home) -> set[str]:
    result = cli(home, "search", "ledger", "--json", "--limit", "100000")
    if result.returncode != 0:
        return set()
    return {hit["doc"] for hit in json.loads(result.stdout)["hits"]}


def wait_for(predicate, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not predicate():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.5)


def in_hand(index_dir) -> list[str]:
    """The files the markers name (what the running indexer is reading)."""
    return [marker.read_bytes().decode("ascii", "replace")
            for marker in index_dir.glob("reading-*.json")]


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(30)


@pytest.mark.parametrize("count", [40, 300], ids=["in-process", "children"])
def test_a_kill_while_a_file_hangs_keeps_the_files_read_before(tmp_path, count):
    corpus = write_files(tmp_path / "corpus", notes(count))
    home = tmp_path / "home"
    benign = {f"corpus/notes/n{n:04d}.txt" for n in range(count)}
    process = hanging(home, "index", str(corpus))
    try:
        wait_for(lambda: any(text.startswith("S") and "zz-hang" in text
                             for text in in_hand(home / "index")),
                 "the reader to hang on the hanging file")
        wait_for(lambda: searchable(home) == benign,
                 "the files read before the hanging one to be searchable")
    finally:
        kill(process)
    assert searchable(home) == benign
    again = cli(home, "index", str(corpus), module="tests.reliability.hanging_cli")
    assert again.returncode == 0, again.stderr  # it did not hang on the file again
    assert searchable(home) == benign
    report = cli(home, "check", "--json")
    assert report.returncode == 0, report.stdout + report.stderr
    groups = {group["name"]: group for group in json.loads(report.stdout)["groups"]}
    assert [(item["code"], item["path"].rsplit("/", 1)[1])
            for item in groups["limits"]["items"]] == [("stopped", "zz-hang.txt")]
    assert groups["damage"]["count"] == 0 and groups["not-indexed"]["count"] == 0
    assert "stopped while reading" in cli(home, "check").stdout


def test_a_killed_repair_keeps_the_working_index(tmp_path):
    files = notes(40)
    del files["notes/zz-hang.txt"]
    corpus = write_files(tmp_path / "corpus", files)
    home = tmp_path / "home"
    assert cli(home, "index", str(corpus)).returncode == 0
    expected = searchable(home)
    assert len(expected) == 40
    (corpus / "notes" / "zz-hang.txt").write_bytes(HANG_MARK + b"\n\nNew and hostile.")
    with sqlite3.connect(home / "index" / "catalog.sqlite3") as catalog:  # damage
        catalog.execute("DELETE FROM files WHERE key = 'corpus/notes/n0001.txt'")
    assert cli(home, "check").returncode == 1
    process = hanging(home, "check", "--repair")
    try:
        wait_for(lambda: any(text.startswith("S") and "zz-hang" in text
                             for text in in_hand(home / "index.new")),
                 "the rebuild to hang on the hanging file")
    finally:
        kill(process)
    assert searchable(home) == expected, "the working index was deleted before its rebuild"
    repaired = cli(home, "check", "--repair", module="tests.reliability.hanging_cli")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert searchable(home) == expected
    assert not (home / "index.new").exists() and not (home / "index.old").exists()
