"""Segment-wide positions, tiered merges and 64-bit positions give Whoosh's answers.

Positions are stored segment-wide (each document's base plus one empty place after it),
so a phrase must never run from the end of one document into the start of the next;
merges rebase every position; a segment past 2^32 words stores 64-bit positions. Each
is checked against the reference path (plain Whoosh over the same postings, its
positions turned back into each document's own).
"""

from __future__ import annotations

import pytest

from archive_app.core.engine import merge, writer
from archive_app.core.indexing.index import ArchiveIndex
from archive_app.core.paths import AppPaths
from archive_app.core.search.searcher import Searcher
from tests.conftest import write_files
from tests.core.engine.test_set_evaluation import QUERIES, answer, load_texts


def test_a_phrase_never_spans_two_documents(tmp_path):
    corpus = write_files(tmp_path / "c", {"a.txt": "the end of one alpha",
                                          "b.txt": "beta begins the next",
                                          "c.txt": "here alpha beta meet"})
    index = ArchiveIndex(AppPaths(tmp_path / "home"))
    try:
        index.sync([corpus])
        found = Searcher(index).search('"alpha beta"', snippets=False)
        assert [hit.key for hit in found.hits] == ["c/c.txt"]
        assert Searcher(index).search('"one alpha"', snippets=False).total == 1
        assert Searcher(index).search('"alpha beta begins"', snippets=False).total == 0
    finally:
        index.close()


@pytest.fixture()
def merged_index(tmp_path, monkeypatch):
    """Forty commits of a few documents each, with deletions, merged in small tiers."""
    monkeypatch.setattr(merge, "TIER_BASE_DOCS", 4)
    monkeypatch.setattr(merge, "MERGE_FACTOR", 3)
    texts = load_texts()[:120]
    corpus = tmp_path / "c"
    index = ArchiveIndex(AppPaths(tmp_path / "home"))
    for start in range(0, 120, 3):
        write_files(corpus, {f"d{n:03d}.txt": texts[n] for n in range(start, start + 3)})
        index.sync([corpus])
    for n in (5, 40, 41, 77):
        (corpus / f"d{n:03d}.txt").unlink()
    index.sync([corpus])
    yield index
    index.close()


def test_tiered_merges_keep_every_answer(merged_index):
    assert merged_index.engine.segment_count() < 12  # forty commits, merged in tiers
    sets, whoosh = Searcher(merged_index), Searcher(merged_index, set_evaluation=False)
    for query in QUERIES:
        assert answer(sets, query, limit=50) == answer(whoosh, query, limit=50), query
    assert sets.search("the", snippets=False).total == 116


def test_64_bit_positions_give_the_same_answers(tmp_path, monkeypatch):
    monkeypatch.setattr(writer, "POSITIONS32_LIMIT", 50)  # every segment past it
    texts = load_texts()[:30]
    corpus = write_files(tmp_path / "c", {f"d{n:02d}.txt": t for n, t in enumerate(texts)})
    index = ArchiveIndex(AppPaths(tmp_path / "home"))
    try:
        index.sync([corpus])
        from archive_app.core.engine.codec import KIND_POSITIONS64

        stored = index.engine.runner().term_postings("body", b"the")
        assert {postings.kind for postings in stored} == {KIND_POSITIONS64}
        sets, whoosh = Searcher(index), Searcher(index, set_evaluation=False)
        phrases = [q for q in QUERIES if q.startswith('"')]
        assert any(sets.search(q, snippets=False).total for q in phrases)
        for query in phrases + ["lord", "the lord"]:
            assert answer(sets, query, limit=50) == answer(whoosh, query, limit=50), query
    finally:
        index.close()
