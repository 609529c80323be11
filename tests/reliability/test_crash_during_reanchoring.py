"""The app is killed while a re-index re-anchors annotations: none lost, none duplicated."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import time

from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from tests.conftest import PROJECT_ROOT, write_files

DOCUMENTS = 150
PER_DOCUMENT = 3
TRIALS = 10


def text_of(number: int, version: int) -> str:
    preface = "".join(f"Revision note {v} for report {number}.\n\n" for v in range(version))
    return (f"Report {number}\n\n{preface}The mission visited camp {number} on Monday. "
            f"Witness {number} described the attack at dawn. The council discussed "
            f"resolution {number} and asked for an investigation.")


def test_killed_reanchoring_loses_and_duplicates_nothing(tmp_path):
    corpus = write_files(tmp_path / "corpus", {f"r{n:03d}.txt": text_of(n, 0)
                                               for n in range(DOCUMENTS)})
    paths = AppPaths(tmp_path / "home")
    library = Library(paths)
    library.sync([corpus])
    quotes = ["described the attack at dawn", "asked for an investigation", "visited camp"]
    for number in range(DOCUMENTS):
        for quote in quotes[:PER_DOCUMENT]:
            library.annotate_quote(f"corpus/r{number:03d}.txt", quote, ["trial"])
    before = {(a.uuid, a.exact) for a in library.all_annotations()}
    library.close()
    assert len(before) == DOCUMENTS * PER_DOCUMENT

    rng = random.Random(11)
    for trial in range(1, TRIALS + 1):
        for number in range(DOCUMENTS):  # every file changes: every annotation re-anchors
            (corpus / f"r{number:03d}.txt").write_text(text_of(number, trial),
                                                        encoding="utf-8")
        child = subprocess.Popen([sys.executable, "-m", "archive_app", "--home",
                                  str(paths.home), "index"], cwd=PROJECT_ROOT,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 4.0))
        child.kill()
        child.wait()
        database = sqlite3.connect(paths.annotations_db)
        assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = database.execute("SELECT uuid, exact FROM annotations").fetchall()
        database.close()
        assert len(rows) == len(before)  # nothing lost, nothing duplicated
        assert {uuid for uuid, _ in rows} == {uuid for uuid, _ in before}

    finished = subprocess.run([sys.executable, "-m", "archive_app", "--home", str(paths.home),
                               "index"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    listed = json.loads(subprocess.run(
        [sys.executable, "-m", "archive_app", "--home", str(paths.home), "annotations",
         "--json"], cwd=PROJECT_ROOT, capture_output=True, text=True).stdout)
    assert len(listed) == len(before)
    assert {a["state"] for a in listed} == {"anchored"}
    library = Library(paths)
    try:
        for annotation in library.all_annotations():
            text = library.document(annotation.doc).text
            assert text[annotation.start:annotation.end] == annotation.exact
    finally:
        library.close()
