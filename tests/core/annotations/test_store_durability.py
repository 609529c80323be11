"""Real processes killed mid-write lose nothing that was saved, and two writers coexist."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import time

from archive_app.core.annotations.records import Annotations
from archive_app.core.annotations.store import UserStore
from tests.conftest import PROJECT_ROOT

WRITER = """
import sys
from pathlib import Path
from archive_app.core.annotations.anchoring import Anchor
from archive_app.core.annotations.records import Annotations
from archive_app.core.annotations.store import UserStore

home, label, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
store = UserStore(home / "annotations.sqlite3", home / "backups")
annotations = Annotations(store)
for number in range(count):
    anchor = Anchor(number, number + 5, f"quote {number}", "before ", " after")
    made = annotations.create(f"corpus/{label}.txt", "sha", anchor, [label, f"n{number % 7}"],
                              note=f"note {label} {number}")
    print(made.id, flush=True)
print("done", flush=True)
"""


def start_writer(home, label, count):
    return subprocess.Popen([sys.executable, "-c", WRITER, str(home), label, str(count)],
                            stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)


def test_killed_writers_lose_no_saved_annotation(tmp_path):
    rng = random.Random(20261126)
    confirmed: set[int] = set()
    for trial in range(20):
        child = start_writer(tmp_path, f"trial{trial}", 10_000)
        wanted = rng.randint(1, 60)
        for _ in range(wanted):
            line = child.stdout.readline().strip()
            confirmed.add(int(line))
        time.sleep(rng.random() * 0.05)  # kill at a random moment, often mid-transaction
        child.kill()
        child.wait()
        for line in child.stdout.read().split():  # ids printed before the kill landed
            if line.isdigit():
                confirmed.add(int(line))
    database = sqlite3.connect(tmp_path / "annotations.sqlite3")
    assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {row[0] for row in database.execute("SELECT id FROM annotations")}
    assert confirmed <= stored
    tagless = database.execute("SELECT count(*) FROM annotations WHERE id NOT IN "
                               "(SELECT annotation_id FROM annotation_tags)").fetchone()[0]
    assert tagless == 0  # an annotation and its tags are written together or not at all
    database.close()
    store = UserStore(tmp_path / "annotations.sqlite3", tmp_path / "backups")
    try:
        assert len(Annotations(store).all()) == len(stored)
    finally:
        store.close()


def test_two_instances_writing_at_once_both_succeed(tmp_path):
    UserStore(tmp_path / "annotations.sqlite3", tmp_path / "backups").close()
    writers = [start_writer(tmp_path, label, 60) for label in ("alpha", "beta")]
    outputs = [writer.communicate(timeout=120)[0].split() for writer in writers]
    assert all(writer.returncode == 0 for writer in writers)
    assert all(output[-1] == "done" and len(output) == 61 for output in outputs)
    store = UserStore(tmp_path / "annotations.sqlite3", tmp_path / "backups")
    try:
        annotations = Annotations(store)
        counts = {t.name: t.count for t in annotations.tags()}
        assert counts["alpha"] == counts["beta"] == 60
        assert set(counts) >= {"alpha", "beta", "n0", "n6"}
    finally:
        store.close()
