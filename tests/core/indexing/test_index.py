"""Incremental sync: unchanged files are only stat'ed, changes and deletions are followed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from archive_app.core import ingest
from archive_app.core.indexing.index import INDEX_NAME, ArchiveIndex
from archive_app.core.search.searcher import Searcher
from tests.conftest import PROJECT_ROOT, write_files
from tests.core.archive_fixtures import FILES, KEYS, make_corpus


@pytest.fixture
def corpus(tmp_path):
    return make_corpus(tmp_path)


@pytest.fixture
def load_calls(monkeypatch):
    """Record every file the indexer opens and parses."""
    calls: list[str] = []
    real = ingest.load_document

    def counting(path, key, catalog_metadata=None, read_options=None):
        calls.append(key)
        return real(path, key, catalog_metadata, read_options)

    monkeypatch.setattr(ingest, "load_document", counting)
    return calls


def keys_for(archive, query):
    return {hit.key for hit in Searcher(archive).search(query, limit=100).hits}


def bump(path, text):
    """Change a file so that its size or mtime surely differs."""
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))


def test_first_run_adds_every_document(archive, corpus):
    summary = archive.sync([corpus])
    assert summary.added == len(KEYS) and not summary.skipped
    assert archive.doc_count() == len(KEYS)


def test_unchanged_second_run_reads_no_file(archive, corpus, load_calls):
    archive.sync([corpus])
    load_calls.clear()
    summary = archive.sync([corpus])
    assert load_calls == []
    assert (summary.added, summary.updated, summary.removed) == (0, 0, 0)
    assert summary.unchanged == len(KEYS)


def test_known_folders_are_resynced_without_naming_them(archive, corpus, load_calls):
    archive.sync([corpus])
    bump(corpus / "accents.txt", "Café society\n\nNow meeting on Fridays in Basel.")
    load_calls.clear()
    summary = archive.sync()
    assert load_calls == [KEYS["accents"]] and summary.updated == 1


def test_changed_file_is_reread_and_searchable(archive, corpus, load_calls):
    archive.sync([corpus])
    load_calls.clear()
    bump(corpus / "liberty.txt", "Camp Liberty relocation\n\nThe camp closed in 2016.")
    summary = archive.sync([corpus])
    assert load_calls == [KEYS["liberty"]]
    assert summary.updated == 1 and summary.unchanged == len(KEYS) - 1
    assert keys_for(archive, "closed") == {KEYS["liberty"]}
    assert keys_for(archive, "mortar") == set()


def test_sidecar_change_rereads_its_document(archive, corpus, load_calls):
    archive.sync([corpus])
    load_calls.clear()
    bump(corpus / "liberty.txt.meta.json", json.dumps({"source": "UNHCR", "date": "2015"}))
    archive.sync([corpus])
    assert load_calls == [KEYS["liberty"]]
    assert keys_for(archive, "source:UNHCR") == {KEYS["liberty"]}
    assert archive.document(KEYS["liberty"]).date == "2015"


def test_deleted_file_leaves_the_index(archive, corpus):
    archive.sync([corpus])
    (corpus / "ashraf.txt").unlink()
    summary = archive.sync([corpus])
    assert summary.removed == 1
    assert keys_for(archive, "ashraf") == set()
    assert archive.document(KEYS["ashraf"]) is None


def test_moved_file_is_recognised_by_its_content(archive, corpus):
    archive.sync([corpus])
    (corpus / "archive").mkdir()
    (corpus / "ashraf.txt").rename(corpus / "archive" / "ashraf.txt")
    summary = archive.sync([corpus])
    assert summary.moved == [(KEYS["ashraf"], "corpus/archive/ashraf.txt")]
    assert keys_for(archive, "ashraf") == {"corpus/archive/ashraf.txt"}


def test_skipped_files_keep_their_reason_and_are_not_reread(archive, corpus, load_calls):
    write_files(corpus, {"empty.txt": "", "binary.txt": b"\x89PNG\r\n\x1a\n" + bytes(range(256))})
    summary = archive.sync([corpus])
    reasons = {os.path.basename(s.path): s.code for s in summary.skipped}
    assert reasons == {"empty.txt": "empty", "binary.txt": "binary"}
    load_calls.clear()
    archive.sync([corpus])
    assert load_calls == []
    assert {os.path.basename(s.path) for s in archive.skipped_files()} == set(reasons)


def test_rebuild_reads_everything_again(archive, corpus, load_calls):
    archive.sync([corpus])
    load_calls.clear()
    summary = archive.sync([corpus], rebuild=True)
    assert sorted(load_calls) == sorted(KEYS.values())
    assert summary.added == len(KEYS) and archive.doc_count() == len(KEYS)


def test_archiveignore_keeps_notes_out(archive, corpus):
    write_files(corpus, {".archiveignore": "# notes\nSOURCES.md\ncode/*\n",
                         "SOURCES.md": "Where the documents came from"})
    archive.sync([corpus])
    assert keys_for(archive, "documents") == set()
    assert keys_for(archive, "integer") == set()
    assert archive.doc_count() == len(KEYS) - 2


def test_two_folders_with_the_same_name_get_distinct_keys(archive, tmp_path):
    first = write_files(tmp_path / "a" / "docs", {"note.txt": "alpha report"})
    second = write_files(tmp_path / "b" / "docs", {"note.txt": "beta report"})
    archive.sync([first, second])
    assert keys_for(archive, "report") == {"docs/note.txt", "docs-2/note.txt"}


def test_index_reopens_with_its_documents(app_paths, corpus):
    first = ArchiveIndex(app_paths)
    first.sync([corpus])
    first.close()
    second = ArchiveIndex(app_paths)
    try:
        assert second.doc_count() == len(KEYS)
        assert keys_for(second, '"camp liberty"') == {KEYS["liberty"]}
    finally:
        second.close()


def test_lock_left_by_a_killed_writer_does_not_block(app_paths, corpus):
    """A process killed while holding the Whoosh write lock leaves no stale lock behind."""
    script = (
        "import sys, time\n"
        "from archive_app.core.indexing.index import ArchiveIndex\n"
        "from archive_app.core.paths import AppPaths\n"
        f"index = ArchiveIndex(AppPaths(__import__('pathlib').Path({str(app_paths.home)!r})))\n"
        "writer = index._writer()\n"
        "print('locked', flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                             cwd=PROJECT_ROOT, text=True)
    try:
        assert child.stdout.readline().strip() == "locked"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert (app_paths.index_dir / f"{INDEX_NAME}_WRITELOCK").exists()
    index = ArchiveIndex(app_paths)
    try:
        started = time.monotonic()
        summary = index.sync([corpus])
        assert summary.added == len(FILES) - 2  # two of FILES are sidecars
        assert time.monotonic() - started < 25  # did not wait out the 30 s lock timeout
    finally:
        index.close()


def test_symlink_loops_and_unreadable_entries_are_skipped_with_a_reason(archive, corpus):
    os.symlink(corpus / "loop-b.txt", corpus / "loop-a.txt")
    os.symlink(corpus / "loop-a.txt", corpus / "loop-b.txt")
    os.symlink(corpus, corpus / "self-folder")  # a folder link back up: not followed
    summary = archive.sync([corpus])
    reasons = {os.path.basename(s.path): (s.code, s.reason) for s in summary.skipped}
    assert set(reasons) == {"loop-a.txt", "loop-b.txt"}
    assert all(code == "unreadable" and "symbolic links" in reason
               for code, reason in reasons.values())
    assert summary.added == len(KEYS)
