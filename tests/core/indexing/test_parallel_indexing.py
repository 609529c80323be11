"""Indexing in child processes finds, skips and keeps exactly what indexing in-process does.

Batches smaller than PARALLEL_MIN_DOCS stay in-process; here the threshold is lowered so
the small known corpus goes through the children, and the two archives are compared
query by query, with a hostile file among the documents, the user's tags carried into
the children, a cancellation half-way and a move of the whole folder.
"""

from __future__ import annotations

import threading

import pytest

from archive_app.core.errors import Cancelled
from archive_app.core.indexing import index as archive_index
from archive_app.core.jobs import JobControl
from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from tests.conftest import write_files
from tests.core.archive_fixtures import FILES, KEYS, index_of
from tests.core.conftest import keys

QUERIES = ["camp", "\"returns the integer\"", "massacre*", "cafe", "date:[2013 TO 2014]",
           "source:\"UN News\"", "tag:event", "lang:en", "integr~", "-camp residents"]
EXTRA_FILES = {f"bulk/note{n:03d}.txt": f"Note {n}\n\nThe camp ledger entry {n} of the "
               f"mission, witness w{n % 7}." for n in range(60)}
EXTRA_FILES["bulk/broken.txt"] = b"\x00\x01\x02binary\xff\xfe" * 200


@pytest.fixture
def parallel(monkeypatch):
    monkeypatch.setattr(archive_index, "PARALLEL_MIN_DOCS", 2)
    monkeypatch.setattr(archive_index, "INDEXING_PROCESSES", 2)


def indexed_library(tmp_path, name: str) -> Library:
    corpus = write_files(tmp_path / name / "corpus", {**FILES, **EXTRA_FILES})
    library = Library(AppPaths(tmp_path / name / "home"))
    library.corpus = corpus
    return library


def answers(library: Library) -> dict[str, list[tuple[str, list]]]:
    found = {}
    for query in QUERIES:
        results = library.search(query, limit=100)
        found[query] = sorted((hit.key, [s.text for s in hit.snippets]) for hit in results.hits)
    return found


def test_children_index_exactly_what_this_process_does(tmp_path, monkeypatch):
    alone = indexed_library(tmp_path, "alone")
    monkeypatch.setattr(archive_index, "PARALLEL_MIN_DOCS", 10**9)
    alone_summary = alone.sync([alone.corpus])
    monkeypatch.setattr(archive_index, "PARALLEL_MIN_DOCS", 2)
    together = indexed_library(tmp_path, "together")
    together_summary = together.sync([together.corpus])
    try:
        assert together_summary.added == alone_summary.added == 66
        assert [(s.code, s.path.rsplit("/", 1)[1]) for s in together_summary.skipped] == [
            (s.code, s.path.rsplit("/", 1)[1]) for s in alone_summary.skipped]
        assert together_summary.skipped[0].code == "binary"
        assert answers(together) == answers(alone)
        assert keys(together, "\"returns the integer\"") == {KEYS["report"]}
        assert together.document(KEYS["accents"]).text == alone.document(KEYS["accents"]).text
        assert index_of(together).engine.segment_count() == 2  # one segment per child
        assert together.sync().unchanged == 66  # signatures were recorded
    finally:
        alone.close()
        together.close()


def test_tags_reach_the_children_when_they_re_read_a_file(tmp_path, parallel):
    library = indexed_library(tmp_path, "tags")
    try:
        library.sync([library.corpus])
        library.annotate_quote(KEYS["ashraf"], "massacre", ["event"], note="seen twice")
        (library.corpus / "ashraf.txt").write_text(FILES["ashraf.txt"] + " Updated.",
                                                   encoding="utf-8")
        for name in list(EXTRA_FILES)[:5]:  # enough changed files for the children
            (library.corpus / name).write_text("changed text of the ledger", encoding="utf-8")
        summary = library.sync()
        assert summary.updated == 6
        assert keys(library, "tag:event") == {KEYS["ashraf"]}
        assert keys(library, "note:twice") == {KEYS["ashraf"]}
        assert keys(library, "updated") == {KEYS["ashraf"]}
    finally:
        library.close()


def test_a_cancelled_batch_keeps_what_was_read_and_leaves_no_stray_files(tmp_path, parallel):
    library = indexed_library(tmp_path, "cancel")
    cancel = threading.Event()
    control = JobControl(progress=lambda done, total, message: done and cancel.set(),
                         cancel_event=cancel)
    try:
        with pytest.raises(Cancelled) as cancelled:
            index_of(library).sync([library.corpus], control=control)
        kept = cancelled.value.summary.indexed
        assert library.doc_count() == kept
        index = index_of(library)
        referenced = index.engine.segment_files()
        leftovers = [path.name for path in library.paths.index_dir.iterdir()
                     if path.suffix in (".seg", ".pst", ".trm", ".col")
                     and path.name not in referenced]
        assert leftovers == []
        assert library.sync([library.corpus]).added == 66 - kept
        found = {hit.key for hit in library.search("ledger", limit=100).hits}
        assert found == {f"corpus/bulk/note{n:03d}.txt" for n in range(60)}
    finally:
        library.close()


def test_a_moved_folder_is_recognised_by_content(tmp_path, parallel):
    library = indexed_library(tmp_path, "move")
    try:
        library.sync([library.corpus])
        library.annotate_quote(KEYS["liberty"], "Mortar", ["shelling"])
        (library.corpus / "bulk").rename(library.corpus / "archive-2013")
        summary = library.sync()
        assert len(summary.moved) == 61 - 1  # the binary file was never a document
        assert summary.removed == 60
        assert keys(library, "tag:shelling") == {KEYS["liberty"]}
    finally:
        library.close()
