"""The engine's fast path is the one taken, and a broken one fails loudly.

The first engine silently fell back to Whoosh's per-posting Python whenever its block
reader did not recognise a matcher, and only the benchmark could tell. Here every
segment a sync writes must use the array codec, every query class must be answered
without Whoosh building a single matcher over our postings (the only door to Whoosh's
per-posting path is `ArrayCodec.postings_reader`), and the reference path must still
go through that door (so the spy is known to work).
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from archive_app.core.engine import codec
from archive_app.core.engine.codec import ArrayCodec, segment_postings
from archive_app.core.engine.schema import build_schema
from archive_app.core.indexing.index import ArchiveIndex
from archive_app.core.paths import AppPaths
from archive_app.core.search.searcher import Searcher
from tests.conftest import PROJECT_ROOT, write_files

QUERIES = ["lord", "the lord", '"the lord"', "lord OR table", "lord -god", "(lord -god) OR table",
           "ret*", "tab?e", "lrod~", "title:doc1", "source:bible", "date:2001",
           "date:[2001-01-01 TO 2003-06-30]", "lord source:bible -god", "nosuchword",
           '"no such phrase"']


@pytest.fixture()
def index(tmp_path):
    texts = ["In the beginning God created the heaven and the earth. And the lord said",
             "The table returns the integer value of the lord's tabs",
             "Return values: a table of integers, the retired lord and his god",
             "Nothing here but the wind"] * 5
    files = {f"doc{n}.txt": text for n, text in enumerate(texts)}
    files["catalog.csv"] = "path,title,source,date\n" + "".join(
        f"doc{n}.txt,doc{n},{'bible' if n % 2 else 'perl'},200{n % 5}-0{1 + n % 9}-11\n"
        for n in range(len(texts)))
    corpus = write_files(tmp_path / "c", files)
    index = ArchiveIndex(AppPaths(tmp_path / "home"))
    index.sync([corpus])
    (corpus / "doc3.txt").unlink()  # a deletion, and a second commit
    index.sync([corpus])
    yield index
    index.close()


def test_every_segment_a_sync_writes_uses_the_array_codec(index):
    assert index.engine.segment_codecs()
    assert set(index.engine.segment_codecs()) == {"ArrayCodec"}


def test_no_query_class_falls_back_to_whooshs_per_posting_matchers(index, monkeypatch):
    answers = {query: Searcher(index).search(query, snippets=False).total
               for query in QUERIES}
    assert sum(1 for total in answers.values() if total) >= len(QUERIES) - 2

    def refuse(*args, **kwargs):
        raise AssertionError("the engine asked Whoosh for a per-posting matcher")

    monkeypatch.setattr(ArrayCodec, "postings_reader", refuse)
    for query in QUERIES:
        for sort in ("relevance", "newest"):
            fresh = Searcher(index).search(query, sort=sort, snippets=False)
            assert fresh.total == answers[query], query
    with pytest.raises(AssertionError, match="per-posting"):  # the spy is on the path
        Searcher(index, set_evaluation=False).search("lord", snippets=False)


def test_a_segment_another_codec_wrote_is_refused_not_read_slowly(tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), build_schema(), indexname="plain")
    writer = SegmentWriter(ix)  # Whoosh's own W3 blocks
    writer.add_document(key="a", body="some words")
    writer.commit()
    with ix.searcher() as searcher:
        reader = searcher.reader()
        with pytest.raises(TypeError, match="ArrayCodec"):
            segment_postings(reader)


def test_the_engine_refuses_a_whoosh_it_was_not_written_for():
    script = ("import whoosh; whoosh.__version__ = (2, 7, 5)\n"
              "try:\n"
              "    import archive_app.core.engine\n"
              "except ImportError as error:\n"
              "    print(error)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=PROJECT_ROOT)
    assert "needs Whoosh 2.7.4" in result.stdout, result.stderr
    assert codec.KIND_POSITIONS == 1  # the record kinds are part of the on-disk format
