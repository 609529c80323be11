"""Indexing keeps its progress: Cancel commits what was read, steps commit as it goes,
a slow file does not hold back the files before it, and the file in hand when a process
died is skipped until it changes.

Real files, a real Whoosh index and catalog; the only stand-in is a reader that waits on
an Event for one file (the way a hostile file hangs an importer).
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from archive_app.core import ingest
from archive_app.core.indexing import index as archive_index
from archive_app.core.indexing.health import check_index
from archive_app.core.indexing.in_hand import STOPPED_CODE
from archive_app.core.indexing.model import IndexingCancelled
from archive_app.core.jobs import JobControl
from archive_app.core.library import Library
from tests.conftest import write_files
from tests.core.archive_fixtures import index_of


def notes(count: int) -> dict[str, str]:
    return {f"notes/n{n:04d}.txt": f"Note {n}\n\nThe ledger entry {n} of the mission."
            for n in range(count)}


def cancel_after(count: int) -> JobControl:
    """A control whose Cancel is pressed once `count` files are done."""
    event = threading.Event()

    def progress(done: int, total: int, message: str) -> None:
        if done >= count:
            event.set()

    return JobControl(progress=progress, cancel_event=event)


def skipped_files(library: Library) -> list:
    """Every skipped file of every folder, as File ▸ Folders… lists them."""
    return [skipped for folder in library.folders() for skipped in folder.skipped]


def searchable(library: Library) -> set[str]:
    return {hit.key for hit in library.search("ledger", limit=10_000).hits}


@pytest.fixture
def library(app_paths):
    library = Library(app_paths)
    yield library
    library.close()


def test_cancel_in_process_keeps_every_document_read(library, tmp_path):
    corpus = write_files(tmp_path / "corpus", notes(50))
    with pytest.raises(IndexingCancelled) as cancelled:
        library.sync([corpus], control=cancel_after(20))
    summary = cancelled.value.summary
    assert summary.cancelled and summary.indexed == 20 and summary.not_read == 30
    assert library.doc_count() == 20
    assert len(searchable(library)) == 20
    again = library.sync()
    assert again.added == 30 and again.unchanged == 20
    assert len(searchable(library)) == 50


def test_cancel_with_children_keeps_what_they_read(library, tmp_path, monkeypatch):
    monkeypatch.setattr(archive_index, "INDEXING_PROCESSES", 2)
    corpus = write_files(tmp_path / "corpus", notes(400))  # >= PARALLEL_MIN_DOCS
    with pytest.raises(IndexingCancelled) as cancelled:
        library.sync([corpus], control=cancel_after(120))
    summary = cancelled.value.summary
    assert summary.indexed >= 120 - 2  # each child stops after its file in hand
    assert summary.indexed + summary.not_read == 400
    assert library.doc_count() == summary.indexed
    assert len(searchable(library)) == summary.indexed
    report = check_index(library.paths)
    assert not report.damaged
    assert report.group("not-indexed").count == summary.not_read
    assert library.sync().added == summary.not_read
    assert len(searchable(library)) == 400


def test_cancelled_run_is_checked_as_not_indexed_yet_not_damage(library, tmp_path):
    corpus = write_files(tmp_path / "corpus", notes(40))
    with pytest.raises(IndexingCancelled):
        library.sync([corpus], control=cancel_after(15))
    report = check_index(library.paths)
    assert not report.damaged and report.group("damage").count == 0
    assert report.group("not-indexed").count == 25
    assert "not indexed yet" in report.describe()
    assert "damage" not in report.headline().lower()


@pytest.mark.parametrize("children", [False, True])
def test_steps_are_committed_while_indexing_goes_on(library, tmp_path, monkeypatch,
                                                    children):
    monkeypatch.setattr(archive_index, "COMMIT_EVERY_SECONDS", 0.2, raising=False)
    monkeypatch.setattr(archive_index, "INDEXING_PROCESSES", 2)
    if children:  # the slowed reader below is not the children's (they come from the
        # forkserver), so an idle machine reads their share within one 0.2 s step
        monkeypatch.setattr(archive_index, "COMMIT_EVERY_DOCS", 40)
    slow = ingest.load_document

    def load_document(*args, **kwargs):  # a few ms per file, so steps of 0.2 s are seen
        time.sleep(0.01)
        return slow(*args, **kwargs)

    monkeypatch.setattr(ingest, "load_document", load_document)
    count = 300 if children else 60
    corpus = write_files(tmp_path / "corpus", notes(count))
    seen = []

    def progress(done: int, total: int, message: str) -> None:
        if total and done:
            seen.append((done, index_of(library).engine.doc_count()))

    library.sync([corpus], control=JobControl(progress=progress))
    assert library.doc_count() == count
    committed_before_the_end = [docs for done, docs in seen if done < count and docs > 0]
    assert committed_before_the_end, "nothing was searchable before the run ended"


class HangingReader:
    """Makes the reader wait on one file until released (an importer that hangs)."""

    def __init__(self, monkeypatch, name: str):
        self.name = name
        self.started = threading.Event()
        self.release = threading.Event()
        original = ingest.load_document

        def load_document(path, key, catalog_metadata=None, read_options=None):
            if path.name == self.name:
                self.started.set()
                self.release.wait(60)
            return original(path, key, catalog_metadata, read_options)

        monkeypatch.setattr(ingest, "load_document", load_document)


def test_a_slow_file_does_not_hold_back_the_files_read_before_it(library, tmp_path,
                                                                 monkeypatch):
    files = notes(30)
    files["notes/zz-slow.txt"] = "Slow\n\nThe ledger of a file that takes its time."
    corpus = write_files(tmp_path / "corpus", files)
    hanging = HangingReader(monkeypatch, "zz-slow.txt")
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(summary=library.sync([corpus])))
    worker.start()
    try:
        assert hanging.started.wait(60)
        deadline = time.monotonic() + 60
        while index_of(library).engine.doc_count() < 30 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert index_of(library).engine.doc_count() == 30, "the files before the slow one wait"
    finally:
        hanging.release.set()
        worker.join(60)
    assert outcome["summary"].added == 31
    assert len(searchable(library)) == 31


def write_marker(library, path, slow: bool) -> None:
    """The marker a killed process leaves: its file in hand ('S': for a while already),
    and no lock on it."""
    key = "corpus/" + path.relative_to(library.roots()[0].path).as_posix()
    signature = archive_index.scan_root(library.roots()[0]).found[key][1]
    item = {"root": "corpus", "key": key, "path": str(path), "signature": signature}
    marker = library.paths.index_dir / "reading-999999-deadbeef.json"
    marker.write_bytes((b"S" if slow else b"R") + json.dumps(item).encode("ascii"))


def test_the_file_in_hand_when_a_process_died_is_skipped_until_it_changes(library,
                                                                          tmp_path):
    corpus = write_files(tmp_path / "corpus", notes(5))
    library.sync([corpus])
    hostile = corpus / "notes" / "hostile.txt"
    hostile.write_text("Hostile\n\nThe ledger that killed the reader.", encoding="utf-8")
    write_marker(library, hostile, slow=True)
    summary = library.sync()
    assert summary.added == 0 and summary.still_skipped == 1
    skipped = {s.path: s for s in skipped_files(library)}
    assert skipped[str(hostile)].code == STOPPED_CODE
    assert "stopped while reading" in skipped[str(hostile)].reason
    assert not list(library.paths.index_dir.glob("reading-*"))
    report = check_index(library.paths)
    assert not report.damaged
    assert [item.path for item in report.group("limits").items] == [str(hostile)]
    hostile.write_text("Hostile\n\nThe ledger, rewritten.", encoding="utf-8")
    assert library.sync().added == 1


def test_a_file_read_at_a_random_kill_is_read_again_unless_it_happens_twice(library,
                                                                            tmp_path):
    corpus = write_files(tmp_path / "corpus", notes(5))
    library.sync([corpus])
    suspect = corpus / "notes" / "n0003.txt"
    suspect.write_text("Note 3\n\nThe ledger, changed.", encoding="utf-8")
    write_marker(library, suspect, slow=False)  # a kill while it was read, at once
    summary = library.sync()
    assert summary.updated == 1 and not skipped_files(library)
    suspect.write_text("Note 3\n\nThe ledger, changed again.", encoding="utf-8")
    write_marker(library, suspect, slow=False)  # the changed file: a first death again
    assert library.sync().updated == 1
    write_marker(library, suspect, slow=False)  # the same file, unchanged: twice
    library.sync()
    assert [s.code for s in skipped_files(library)] == [STOPPED_CODE]


def test_a_live_readers_marker_is_left_alone(library, tmp_path):
    from archive_app.core.indexing.in_hand import InHand

    corpus = write_files(tmp_path / "corpus", notes(3))
    with InHand(library.paths.index_dir) as in_hand:
        in_hand.hold("corpus", "corpus/notes/n0000.txt", str(corpus / "notes/n0000.txt"),
                     "whatever")
        assert library.sync([corpus]).added == 3
        assert in_hand.path.exists()
    assert not list(library.paths.index_dir.glob("reading-*"))
