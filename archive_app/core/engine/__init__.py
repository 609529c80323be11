"""The search engine: the only package that imports Whoosh.

Whoosh 2.7.4 keeps the index on disk (table of contents, segments, term table, stored
fields, columns); codec.py writes its postings as arrays numpy reads in place, and
evaluate.py answers queries with array operations over them. The rest of the app talks
to this package through a narrow interface:

- `Engine`: one index on disk: open or create it, a writer (one at a time, Whoosh's
  lock), a segment builder for child processes, stored fields by key, counts;
- `Engine.runner()`: this thread's `QueryRunner` (Whoosh: one searcher per thread), which
  compiles our query tree (compile.py) and ranks it to (total, ranked, matched), with
  facets, or through Whoosh's own collectors (`reference=True`, for tests).
"""

from __future__ import annotations

import threading

import whoosh
from whoosh import index as whoosh_index

from archive_app.core.engine.codec import ArrayCodec
from archive_app.core.engine.merge import choose_merge
from archive_app.core.engine.schema import build_schema, word_positions
from archive_app.core.engine.searching import FACETS, QueryRunner, shared_segments
from archive_app.core.engine.writer import (
    ArchiveWriter,
    SegmentBuilder,
    open_writer,
    segment_keys,
    segment_keys_known,
)
from archive_app.core.errors import IndexProblem

WHOOSH_VERSION = (2, 7, 4)
if tuple(whoosh.__version__[:3]) != WHOOSH_VERSION:  # codec.py reaches into its internals
    raise ImportError(f"Archive App needs Whoosh {'.'.join(map(str, WHOOSH_VERSION))}, "
                      f"found {whoosh.versionstring()}")

__all__ = ["FACETS", "ArchiveWriter", "ArrayCodec", "Engine", "QueryRunner",
           "SegmentBuilder", "build_schema", "word_positions"]


class Engine:
    """One index on disk (a directory and an index name)."""

    def __init__(self, ix):
        self._ix = ix
        self._local = threading.local()

    @staticmethod
    def exists(directory: str, name: str) -> bool:
        return whoosh_index.exists_in(directory, indexname=name)

    @classmethod
    def create(cls, directory: str, name: str) -> Engine:
        return cls(whoosh_index.create_in(directory, build_schema(), indexname=name))

    @classmethod
    def open(cls, directory: str, name: str, check: bool = True) -> Engine:
        """Open an index; with `check`, read its term table of every segment once, so a
        damaged index is found here (IndexProblem), not by the first search."""
        try:
            ix = whoosh_index.open_dir(directory, indexname=name)
            if check:
                with ix.searcher() as searcher:
                    searcher.doc_count()
                    searcher.document(key="")
        except Exception as error:  # Whoosh raises many types for a damaged index
            raise IndexProblem(f"the search index in {directory} is damaged ({error}); "
                               "repair it with `archive-app check --repair`") from error
        return cls(ix)

    # -- reading -----------------------------------------------------------------------
    def _searcher(self):
        """This thread's Whoosh searcher, refreshed when a commit made it stale."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._ix.searcher()
        elif not searcher.up_to_date():
            searcher = searcher.refresh()
        self._local.searcher = searcher
        return searcher

    def reference_searcher(self):
        """This thread's plain Whoosh searcher: the reference path, for tests that
        compare the engine with Whoosh's own queries, matchers and collectors."""
        return self._searcher()

    def runner(self) -> QueryRunner:
        """This thread's query runner over the index as last committed."""
        searcher = self._searcher()
        runner = getattr(self._local, "runner", None)
        if runner is None or runner.searcher is not searcher:
            runner = self._local.runner = QueryRunner(searcher, shared_segments(self))
        return runner

    def shared_segment_data(self) -> dict:
        """Segment id -> what searches keep about it (shared by every thread)."""
        return shared_segments(self)

    def doc_count(self) -> int:
        return self._searcher().doc_count()

    def stored_fields(self, key: str) -> dict | None:
        return self._searcher().document(key=key)

    def documents(self, **terms) -> list[dict]:
        """The stored fields of every document holding these field terms."""
        return list(self._searcher().documents(**terms))

    def all_stored_fields(self):
        return self._searcher().all_stored_fields()

    def generation(self) -> int:
        return self._ix.latest_generation()

    def segment_count(self) -> int:
        return len(self._ix._segments())

    def prepare_deletions(self) -> int:
        """Build what a writer needs to delete a key (each segment's sorted key hashes,
        writer.segment_keys) now, so the first small change after opening does not pay
        for reading every key of the index (1.2 s at 100,000 documents). Call it under
        the index's write lock; returns how many segments were read."""
        built = 0
        for segment in self._ix._segments():
            if not segment_keys_known(self._ix.storage, segment):
                segment_keys(self._ix.storage, self._ix.schema, segment)
                built += 1
        return built

    def deleted_count(self) -> int:
        """Deleted documents still held in their segments (until a merge drops them)."""
        return sum(segment.deleted_count() for segment in self._ix._segments())

    def tidy(self) -> int:
        """Commit the merges the tiered policy wants (merge.py), one a commit, until
        no tier overflows; returns how many were made."""
        made = 0
        while choose_merge(self._ix._segments()):
            writer = self.writer()
            writer.commit()
            made += 1
        return made

    def segment_files(self) -> set[str]:
        """The names of the files the current segments are made of."""
        return {name for segment in self._ix._segments()
                for name in segment.list_files(self._ix.storage)}

    def segment_codecs(self) -> list[str]:
        """Each segment's codec class (a test checks the fast path is the one used)."""
        return [type(segment.codec()).__name__ for segment in self._ix._segments()]

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
        self._local = threading.local()

    # -- writing -----------------------------------------------------------------------
    def writer(self) -> ArchiveWriter:
        """The one writer of this index (waits up to 30 s for Whoosh's write lock)."""
        return open_writer(self._ix)

    def builder(self) -> SegmentBuilder:
        """A segment builder for a child process (the parent holds the lock)."""
        return SegmentBuilder(self._ix)
