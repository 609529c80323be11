"""A long sync keeps its segments few as it goes, and leaves no merged-away files.

Every query pays a fixed cost per segment, and a sync's child processes cut a segment
every step. A million-document sync once left 678 segments for its last step to merge
in one go (6.2 GB, unfinished after 16 minutes). Each step now makes at most one tiered
merge of at most MERGE_FACTOR segments, and deletes the files of what it merged away.
Real files, real child processes, a real index; the tiers are made small so that a few
hundred files climb several of them.
"""

from __future__ import annotations

import os

from archive_app.core.engine import merge
from archive_app.core.indexing import index as archive_index
from archive_app.core.jobs import JobControl
from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from tests.conftest import write_files
from tests.core.archive_fixtures import index_of


class Counted:
    """A segment as the merge policy sees it: its number of documents."""

    def __init__(self, docs: int):
        self.docs = docs

    def doc_count(self) -> int:
        return self.docs


def test_a_merge_joins_at_most_merge_factor_segments():
    """678 small segments are merged eight at a time, smallest first, not all at once."""
    segments = [Counted(1_400 + n % 200) for n in range(678)]
    chosen = merge.choose_merge(segments)
    assert len(chosen) == merge.MERGE_FACTOR
    assert max(s.docs for s in chosen) <= min(s.docs for s in segments if s not in chosen)
    assert merge.choose_merge(segments[:merge.MERGE_FACTOR - 1]) == []


def test_a_long_sync_merges_as_it_goes_and_keeps_no_merged_away_files(
        tmp_path, monkeypatch):
    monkeypatch.setattr(archive_index, "PARALLEL_MIN_DOCS", 2)
    monkeypatch.setattr(archive_index, "INDEXING_PROCESSES", 2)
    monkeypatch.setattr(archive_index, "COMMIT_EVERY_DOCS", 8)  # a segment per 8 files
    monkeypatch.setattr(merge, "TIER_BASE_DOCS", 4)
    monkeypatch.setattr(merge, "MERGE_FACTOR", 3)
    count = 480
    corpus = write_files(tmp_path / "corpus", {
        f"notes/n{n:04d}.txt": f"Note {n}\n\nThe ledger entry {n} of the mission."
        for n in range(count)})
    library = Library(AppPaths(tmp_path / "home"))
    seen: list[int] = []  # the number of segments at each progress report

    def progress(done: int, total: int, message: str) -> None:
        if total and done:
            seen.append(index_of(library).engine.segment_count())

    try:
        library.sync([corpus], control=JobControl(progress=progress))
        check(library, seen)
    finally:
        library.close()


def check(library: Library, seen: list[int]) -> None:
    engine = index_of(library).engine
    assert library.doc_count() == 480
    assert len(library.search("ledger", limit=1000).hits) == 480
    # at least 60 segments were written; merging only at the end would have let them
    # pile up (the count seen would near 60), merging a tier a step keeps a handful
    assert seen and max(seen) <= 16, seen
    assert engine.segment_count() <= 6
    index_dir = index_of(library).paths.index_dir
    segment_files = {name for name in os.listdir(index_dir) if name.endswith(".seg")}
    assert segment_files == {name for name in engine.segment_files()
                             if name.endswith(".seg")}
