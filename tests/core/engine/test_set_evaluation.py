"""The set evaluation answers every query as Whoosh's own collectors do, only faster.

A real index of 310 real texts (tests/data/real_texts.jsonl.gz) in several segments,
with deleted documents, dates and sources from a catalog.csv; each query is answered
by both engines and the totals, facet counts, ranked keys and scores must agree.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections import Counter
from pathlib import Path

import pytest

from archive_app.core.indexing.index import ArchiveIndex
from archive_app.core.paths import AppPaths
from archive_app.core.search.searcher import Searcher
from tests.conftest import write_files

DATA = Path(__file__).resolve().parents[2] / "data" / "real_texts.jsonl.gz"
SOURCES = ("bible", "postgres", "perl", "debian", "fortunes")

QUERIES = [
    "lord", "the", "returns", "integer value", "lord god", "the of", '"the lord"',
    '"in the beginning"', '"returns the integer"', '"of the"', '"the lord said"', "lord OR table",
    "lord -god", "table -the", "(lord -god) OR table", "(lord OR god) the",
    "ret*", "tab?e", "lrod~", "integr~2", "title:doc0001", "title:lord", "body:table",
    "source:perl", "source:bible lord", "date:2001", "date:[2001-01-01 TO 2003-06-30]",
    "the date:[2002 TO 2004]", "lord source:bible -god", "nosuchword", '"no such phrase"',
    "lord AND nosuchword", "nosuchword OR lord",
    '"lord said"~2', '"lord said"~0', '"said lord"~4', "lord NEAR/3 said", "god NEAR lord",
    '"ret* int*"~3', "lord NEAR moses NEAR aaron", '"lrod~ said"~1', "/lor[dn]s?/",
    'title:"doc0007 lord"~1', 'body:"the lord"~1 -god', "said NEAR/2 lord OR table",
]


def load_texts() -> list[str]:
    with gzip.open(DATA, "rt", encoding="utf-8") as handle:
        return [json.loads(line)["body"] for line in handle]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    base = tmp_path_factory.mktemp("sets")
    texts = load_texts()
    files = {f"doc{i:04d}.txt": text for i, text in enumerate(texts)}
    rows = ["path,title,source,date"]
    for i in range(len(texts)):  # many documents share a date: the tie order matters
        rows.append(f"doc{i:04d}.txt,doc{i:04d} {'lord' if i % 7 == 0 else 'report'},"
                    f"{SOURCES[i % 5]},{2000 + i % 6}-0{1 + i % 9}-1{i % 3}")
    files["catalog.csv"] = "\n".join(rows) + "\n"
    corpus = write_files(base / "real", files)
    index = ArchiveIndex(AppPaths(base / "home"))
    index.sync([corpus])
    for i in (3, 50, 201, 202):  # deleted documents left in their segments
        (corpus / f"doc{i:04d}.txt").unlink()
    index.sync([corpus])
    yield index
    index.close()


def answer(searcher: Searcher, query: str, **options):
    results = searcher.search(query, snippets=False, **options)
    return (results.total, results.facets,
            [(hit.key, round(hit.score, 3)) for hit in results.hits])


def test_the_index_has_several_segments_and_deletions(index):
    assert index.engine.segment_count() > 1
    assert index.engine.deleted_count() > 0


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_set_evaluation_equals_whoosh_collectors(index, sort):
    sets, whoosh = Searcher(index), Searcher(index, set_evaluation=False)
    nonempty = 0
    for query in QUERIES:
        for limit, offset in ((20, 0), (5, 7), (1000, 0)):
            expected = answer(whoosh, query, limit=limit, offset=offset, sort=sort)
            assert answer(sets, query, limit=limit, offset=offset, sort=sort) == expected, \
                (query, limit, offset)
        nonempty += expected[0] > 0
    assert nonempty >= len(QUERIES) - 5  # the four absent words and phrases above, one more


@pytest.mark.parametrize("engine", [True, False], ids=["sets", "whoosh"])
def test_the_total_and_facets_count_every_match_however_few_are_shown(index, engine):
    """Whoosh prunes union branches that cannot reach the top results; the total and
    the facets must still count the documents only those branches match."""
    searcher = Searcher(index, set_evaluation=engine)
    for query in ("lord OR table", "lrod~", "ret*", "lord OR the", "title:lord OR perl"):
        everything = searcher.search(query, limit=10_000, snippets=False)
        one = searcher.search(query, limit=1, snippets=False)
        assert one.total == everything.total == len(everything.hits) > 1, query
        assert one.facets == everything.facets
        assert sum(count for _, count in one.facets["source"]) == one.total


def test_one_searcher_stays_right_across_commits(tmp_path):
    """Per-segment data is kept by segment id across commits: deletions and new segments
    must still show in totals and facets, as the reference engine shows them."""
    texts = load_texts()[:40]
    corpus = write_files(tmp_path / "c", {f"d{i:02d}.txt": text for i, text in enumerate(texts)})
    index = ArchiveIndex(AppPaths(tmp_path / "home"))
    try:
        index.sync([corpus])
        sets = Searcher(index)
        before = answer(sets, "the", limit=50)
        for i in range(5):
            (corpus / f"d{i:02d}.txt").unlink()
        (corpus / "new.txt").write_text("the lord of the new segment", encoding="utf-8")
        index.sync([corpus])
        after = answer(sets, "the", limit=50)
        assert after == answer(Searcher(index, set_evaluation=False), "the", limit=50)
        assert after[0] != before[0]
        assert "c/new.txt" in [key for key, _ in after[2]]
        assert not {f"c/d{i:02d}.txt" for i in range(5)} & {key for key, _ in after[2]}
    finally:
        index.close()


def test_a_new_thread_finds_the_segment_data_built(tmp_path):
    """Worker threads come and go (Qt's pool retires idle ones); each has its own Whoosh
    searcher, but the per-segment norms, sort keys and facet sets are built once."""
    corpus = write_files(tmp_path / "c", {f"d{i:02d}.txt": text
                                          for i, text in enumerate(load_texts()[:40])})
    index = ArchiveIndex(AppPaths(tmp_path / "home"))
    answers = {}

    def search_in_a_thread():
        answers["thread"] = answer(Searcher(index), "lord", limit=20, sort="newest")

    try:
        index.sync([corpus])
        assert not Searcher(index)._segments  # nothing built yet
        worker = threading.Thread(target=search_in_a_thread)
        worker.start()
        worker.join()
        built = Searcher(index)._segments
        assert built and all(data._facets is not None and "date_newest" in data._sort_keys
                             for data in built.values())
        assert answer(Searcher(index), "lord", limit=20, sort="newest") == answers["thread"]
    finally:
        index.close()


@pytest.mark.parametrize("query", ["lord", "the", "lord OR table", "date:[2001-03 TO 2003-06-30]",
                                   "source:perl", "nosuchword"])
def test_the_timeline_counts_every_match_by_date_across_segments_and_deletions(index, query):
    """The date counts behind the timeline are one bincount per segment over the date
    column, deleted documents left out: the same as reading each match's stored date."""
    sets, whoosh = Searcher(index), Searcher(index, set_evaluation=False)
    timeline = sets.timeline(query)
    assert timeline == whoosh.timeline(query) == sets.search(query, limit=1).timeline
    every = sets.search(query, limit=10_000, snippets=False)
    width = {"year": 4, "month": 7, "day": 10}.get(timeline.granularity, 4)
    per_bar = Counter(hit.date[:width] for hit in every.hits)
    assert timeline.total == every.total
    assert {b.start[:width]: b.count for b in timeline.buckets if b.count} == dict(per_bar)
