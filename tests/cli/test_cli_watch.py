"""`archive-app watch` (issue 19, part 6): a real process that indexes what changes in
the archive's folders, one line (or JSON object) per batch, until Ctrl+C (exit 0)."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.test_cli import run
from tests.conftest import PROJECT_ROOT, write_files
from tests.core.archive_fixtures import make_corpus

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="inotify is Linux's")
WAIT_SECONDS = 30.0


class Watching:
    """`archive-app watch` running, its stdout and stderr read line by line."""

    def __init__(self, home: Path, *args: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "archive_app", "--home", str(home), "watch", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=PROJECT_ROOT, bufsize=0)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.process.stdout, selectors.EVENT_READ, "out")
        self.selector.register(self.process.stderr, selectors.EVENT_READ, "err")
        self.out: list[str] = []
        self.err: list[str] = []
        self._partial = {"out": b"", "err": b""}

    def wait_for(self, stream: str, condition) -> str:
        lines = self.out if stream == "out" else self.err
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            for line in lines:
                if condition(line):
                    return line
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"nothing on std{stream}: {self.out} / {self.err}"
            for key, _ in self.selector.select(timeout=min(remaining, 0.5)):
                data = self._partial[key.data] + os.read(key.fileobj.fileno(), 65536)
                *complete, self._partial[key.data] = data.split(b"\n")
                (self.out if key.data == "out" else self.err).extend(
                    line.decode("utf-8", "replace") for line in complete)

    def interrupt(self) -> int:
        self.process.send_signal(signal.SIGINT)
        stdout, stderr = self.process.communicate(timeout=WAIT_SECONDS)
        self.out += (self._partial["out"] + stdout).decode("utf-8", "replace").splitlines()
        self.err += (self._partial["err"] + stderr).decode("utf-8", "replace").splitlines()
        return self.process.returncode

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


@pytest.fixture
def indexed(tmp_path):
    corpus = make_corpus(tmp_path)
    home = tmp_path / "cli-home"
    run(home, "index", str(corpus))
    return home, corpus


def test_watch_prints_each_batch_and_stops_on_ctrl_c(indexed):
    home, corpus = indexed
    watching = Watching(home)
    try:
        watching.wait_for("err", lambda line: "Watching 1 folder" in line)
        write_files(corpus, {"dropped.txt": "Dropped\n\nThe capybara arrived."})
        line = watching.wait_for("out", lambda line: "dropped.txt" in line)
        assert line.startswith("1 added, 0 updated, 0 removed, 0 skipped in ")
        assert line.endswith("; changed: corpus/dropped.txt")
        (corpus / "accents.txt").unlink()
        line = watching.wait_for("out", lambda line: "accents.txt" in line)
        assert line.endswith("; removed: corpus/accents.txt")
        assert watching.interrupt() == 0
        assert "archive-app: stopped watching" in watching.err
        assert not any("Traceback" in line for line in watching.err)
    finally:
        watching.kill()
    assert json.loads(run(home, "search", "capybara", "--json").stdout)["total"] == 1


def test_watch_json_names_keys_and_escapes_nothing_raw(indexed):
    home, corpus = indexed
    watching = Watching(home, "--json")
    try:
        watching.wait_for("err", lambda line: "Watching" in line)
        (corpus / "code").rename(corpus / "notes")
        name = "forged\x1b[31m.txt"
        write_files(corpus, {name: "Forged\n\nThe escape artist."})
        seen: dict = {"moved": [], "changed": []}

        def complete(line: str) -> bool:
            data = json.loads(line)
            seen["moved"] += data["moved"]
            seen["changed"] += data["changed"]
            return len(seen["moved"]) == 2 and f"corpus/{name}" in seen["changed"]

        watching.wait_for("out", lambda line: line.startswith("{") and complete(line))
        assert sorted(seen["moved"]) == [["corpus/code/integer.txt", "corpus/notes/integer.txt"],
                                         ["corpus/code/report.txt", "corpus/notes/report.txt"]]
        assert not any("\x1b" in line for line in watching.out)  # JSON escapes it
        assert watching.interrupt() == 0
    finally:
        watching.kill()


def test_watch_without_folders_says_what_to_do(tmp_path):
    result = run(tmp_path / "empty-home", "watch", check_exit=2)
    assert "run `archive-app index FOLDER`" in result.stderr


def test_watch_reports_a_folder_that_goes(indexed, tmp_path):
    home, corpus = indexed
    watching = Watching(home)
    try:
        watching.wait_for("err", lambda line: "Watching 1 folder" in line)
        os.rename(corpus, tmp_path / "unplugged")
        watching.wait_for("err", lambda line: "1 not found" in line)
        assert watching.interrupt() == 0
    finally:
        watching.kill()
    assert json.loads(run(home, "search", "ashraf", "--json").stdout)["total"] == 1
