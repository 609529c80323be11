"""Exact phrases are exact: compared with a brute-force scan of 310 real texts.

The texts (tests/data/real_texts.jsonl.gz) are excerpts of real documents from the
project's benchmark material: King James Bible chapters (public domain), PostgreSQL
documentation (PostgreSQL licence), Perl documentation (Artistic/GPL), Debian Reference
(GPL) and fortune files (BSD); see tests/data/README.md.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest

from archive_app.core.search.searcher import Searcher
from archive_app.core.text.analysis import words
from tests.conftest import write_files

DATA = Path(__file__).resolve().parents[2] / "data" / "real_texts.jsonl.gz"


def load_texts() -> list[str]:
    with gzip.open(DATA, "rt", encoding="utf-8") as handle:
        return [json.loads(line)["body"] for line in handle]


def contains_phrase(tokens: list[str], phrase: list[str]) -> bool:
    size = len(phrase)
    return any(tokens[i:i + size] == phrase for i in range(len(tokens) - size + 1))


def sample_phrases(texts: list[str], count: int, rng: random.Random) -> list[list[str]]:
    """Phrases cut from the texts, many of them with stop words, plus reordered ones."""
    phrases = [["returns", "the", "integer"], ["the", "lord"], ["of", "the"],
               ["in", "the", "beginning"], ["and", "the", "lord", "said"]]
    while len(phrases) < count:
        tokens = words(rng.choice(texts))
        if len(tokens) < 6:
            continue
        size = rng.choice((2, 2, 3, 3, 4))
        start = rng.randrange(len(tokens) - size)
        phrase = tokens[start:start + size]
        if rng.random() < 0.25:
            phrase = phrase[::-1]  # mostly absent: checks there are no false positives
        phrases.append(phrase)
    return phrases


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    from archive_app.core.indexing.index import ArchiveIndex
    from archive_app.core.paths import AppPaths

    base = tmp_path_factory.mktemp("phrases")
    texts = load_texts()
    corpus = write_files(base / "real", {f"doc{i:04d}.txt": text for i, text in enumerate(texts)})
    index = ArchiveIndex(AppPaths(base / "home"))
    index.sync([corpus])
    yield index, texts
    index.close()


def test_phrase_results_equal_brute_force_scan(indexed):
    index, texts = indexed
    searcher = Searcher(index)
    stored = {f"real/doc{i:04d}.txt": words(index.document(f"real/doc{i:04d}.txt").text)
              for i in range(len(texts))}
    rng = random.Random(2026)
    checked_nonempty = 0
    for phrase in sample_phrases(texts, 150, rng):
        query = '"' + " ".join(phrase) + '"'
        got = {hit.key for hit in searcher.search(query, limit=10_000, snippets=False,
                                                  facets=False).hits}
        expected = {key for key, tokens in stored.items() if contains_phrase(tokens, phrase)}
        assert got == expected, query
        checked_nonempty += bool(expected)
    assert checked_nonempty > 80  # most sampled phrases do occur somewhere


def test_phrase_with_stop_words_is_not_matched_across_them(indexed):
    index, _ = indexed
    searcher = Searcher(index)
    with_stop = searcher.search('"the lord said"', limit=10_000, facets=False, snippets=False)
    without_stop = searcher.search('"lord said"', limit=10_000, facets=False, snippets=False)
    assert 0 < with_stop.total < without_stop.total


def test_phrase_is_case_and_accent_insensitive(indexed):
    index, _ = indexed
    searcher = Searcher(index)
    lower = searcher.search('"the lord said"', limit=1000, facets=False, snippets=False)
    upper = searcher.search('"THE LÓRD SAÏD"', limit=1000, facets=False, snippets=False)
    assert lower.total > 0
    assert {h.key for h in lower.hits} == {h.key for h in upper.hits}


def test_fuzzy_finds_the_documents_whooshs_fuzzy_term_finds(indexed):
    from whoosh import query as wq

    index, texts = indexed
    searcher = Searcher(index)
    whoosh_searcher = index.engine.reference_searcher()
    rng = random.Random(11)
    vocabulary = sorted({w for text in texts[:40] for w in words(text)
                         if w.isalpha() and len(w) > 4})
    for word in rng.sample(vocabulary, 25):
        typo = word[:2] + word[3:]  # one letter dropped
        for distance in (1, 2):
            got = {hit.key for hit in searcher.search(f"body:{typo}~{distance}", limit=10_000,
                                                      snippets=False, facets=False).hits}
            fuzzy = wq.FuzzyTerm("body", typo, maxdist=distance, prefixlength=1)
            expected = {whoosh_searcher.stored_fields(docnum)["key"]
                        for docnum in fuzzy.docs(whoosh_searcher)}
            assert got == expected, (typo, distance)
            assert word in {w for key in got for w in words(index.document(key).text)}


def test_word_form_expansion_scores_like_whooshs_own_or(indexed):
    """The set evaluation's union of word forms gives Whoosh's Or scores, document by
    document (the ranking of every plain-word query rests on it)."""
    from whoosh import query as wq

    from archive_app.core.engine.evaluate import SegmentEvaluator

    index, _ = indexed
    runner = index.engine.runner()
    searcher = index.engine.reference_searcher()
    for forms in (["said", "say", "saying", "says"], ["lord", "lords"], ["king", "kings"]):
        union = wq.Or([wq.Term("body", f) for f in forms])
        scores = {}
        for sub, offset in searcher.leaf_searchers():
            ids, found = SegmentEvaluator(searcher, sub, runner.segment_data(sub)).scores(union)
            scores.update({offset + docnum: score
                           for docnum, score in zip(ids.tolist(), found.tolist(), strict=True)})
        theirs = searcher.search(union, limit=None)
        assert len(scores) == len(theirs) > 0
        assert {docnum: round(score, 6) for docnum, score in scores.items()} == {
            hit.docnum: round(hit.score, 6) for hit in theirs}
