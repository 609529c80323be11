"""Proximity and NEAR find exactly the documents where the words are that close.

The oracle scans each real text's words (tests/data/real_texts.jsonl.gz, see
tests/data/README.md) with the definition of search/proximity.py written the slow way:
every stretch of the text short enough, every way of placing one word of each part in it.
"""

from __future__ import annotations

import gzip
import json
import random
from itertools import product
from pathlib import Path

import pytest
from rapidfuzz.distance import OSA
from whoosh.lang.porter import stem

from archive_app.core.errors import QueryError
from archive_app.core.search.searcher import Searcher
from archive_app.core.text.analysis import words
from tests.conftest import write_files

DATA = Path(__file__).resolve().parents[2] / "data" / "real_texts.jsonl.gz"


def load_texts() -> list[str]:
    with gzip.open(DATA, "rt", encoding="utf-8") as handle:
        return [json.loads(line)["body"] for line in handle]


def close_together(tokens: list[str], parts: list[set[str]], distance: int,
                   ordered: bool) -> bool:
    """The definition, by exhaustion: a stretch of at most distance + k words holding
    one word of each part at different places (in the parts' order if `ordered`)."""
    size = distance + len(parts)
    places = [[n for n, token in enumerate(tokens) if token in part] for part in parts]
    if any(not found for found in places):
        return False
    for first in sorted(set().union(*places)):
        window = range(first, first + size)
        choices = [[n for n in found if n in window] for found in places]
        for chosen in product(*choices):
            if len(set(chosen)) < len(chosen):
                continue
            if ordered and list(chosen) != sorted(chosen):
                continue
            return True
    return False


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    from archive_app.core.indexing.index import ArchiveIndex
    from archive_app.core.paths import AppPaths

    base = tmp_path_factory.mktemp("proximity")
    texts = load_texts()
    corpus = write_files(base / "real", {f"doc{i:04d}.txt": text
                                         for i, text in enumerate(texts)})
    index = ArchiveIndex(AppPaths(base / "home"))
    index.sync([corpus])
    tokens = {f"real/doc{i:04d}.txt": words(index.document(f"real/doc{i:04d}.txt").text)
              for i in range(len(texts))}
    yield index, tokens
    index.close()


def forms_of(word: str, vocabulary: set[str]) -> set[str]:
    """A plain word's forms as DESIGN.md defines them: the indexed words with its Porter
    stem among those that begin as the stem does (the stem less its last letter when
    it is longer than three)."""
    if not (word.isascii() and word.isalpha()):
        return {word}
    root = stem(word)
    begin = root[:-1] if len(root) > 3 else root
    return {other for other in vocabulary
            if other.startswith(begin) and stem(other) == root} | {word}


def part_for(spelling: str, vocabulary: set[str]) -> set[str]:
    """The indexed words a query part stands for, computed here from the vocabulary."""
    if spelling.endswith("*"):
        return {w for w in vocabulary if w.startswith(spelling[:-1])}
    if spelling.endswith("~"):
        typo = spelling[:-1]
        return {w for w in vocabulary if w[:1] == typo[:1]
                and OSA.distance(w, typo) <= 1}
    return forms_of(spelling, vocabulary)


def sample_queries(tokens: dict[str, list[str]], count: int, rng: random.Random):
    """Parts cut from real texts at real gaps (so many match), some written as a
    prefix or a typo, in order or reversed, with distances around the gap."""
    texts = [found for found in tokens.values() if len(found) > 30]
    queries = []
    while len(queries) < count:
        found = rng.choice(texts)
        size = rng.choice((2, 2, 2, 3))
        start = rng.randrange(len(found) - 20)
        picked = sorted(rng.sample(range(start, start + 12), size))
        spellings = []
        for n in picked:
            word = found[n]
            if not word.isalpha() or len(word) < 3:
                break
            roll = rng.random()
            if roll < 0.15 and len(word) > 4:
                spellings.append(word[:4] + "*")
            elif roll < 0.25 and len(word) > 5:
                spellings.append(word[:2] + word[3:] + "~")
            else:
                spellings.append(word)
        else:
            gap = picked[-1] - picked[0] - (size - 1)
            distance = max(0, gap + rng.choice((-2, -1, 0, 0, 1, 3)))
            if rng.random() < 0.3:
                spellings.reverse()
            queries.append((spellings, distance))
    return queries


@pytest.mark.parametrize("ordered", [True, False], ids=["proximity", "near"])
def test_proximity_results_equal_brute_force_scan(indexed, ordered):
    index, tokens = indexed
    searcher = Searcher(index)
    vocabulary = set().union(*tokens.values())
    rng = random.Random(2027 + ordered)
    checked = nonempty = 0
    for spellings, distance in sample_queries(tokens, 60, rng):
        parts = [part_for(spelling, vocabulary) for spelling in spellings]
        if any(a & b for n, a in enumerate(parts) for b in parts[n + 1:]):
            continue  # one word in two parts: the rule's stated approximation
        if ordered:
            query = 'body:"' + " ".join(spellings) + f'"~{distance}'
        else:
            query = "body:(" + f" NEAR/{distance} ".join(spellings) + ")"
        try:
            got = {hit.key for hit in searcher.search(
                query, limit=10_000, snippets=False, facets=False).hits}
        except QueryError:
            continue  # a part too broad to expand: said, not answered
        expected = {key for key, found in tokens.items()
                    if close_together(found, parts, distance, ordered)}
        assert got == expected, (query, sorted(got ^ expected)[:5])
        checked += 1
        nonempty += bool(expected)
    assert checked >= 50 and nonempty >= 30


def test_distance_zero_in_order_is_the_phrase_of_the_word_forms(indexed):
    index, _ = indexed
    searcher = Searcher(index)
    exact = searcher.search('"lord said"', limit=10_000, snippets=False, facets=False)
    near = searcher.search('"lord said"~0', limit=10_000, snippets=False, facets=False)
    forms = searcher.search('"lords said"~0', limit=10_000, snippets=False, facets=False)
    assert {h.key for h in exact.hits} <= {h.key for h in near.hits}
    assert {h.key for h in near.hits} == {h.key for h in forms.hits}  # lord, lords


def test_near_is_in_either_order_and_proximity_is_in_order(indexed):
    index, _ = indexed
    searcher = Searcher(index)

    def keys(query):
        return {h.key for h in searcher.search(query, limit=10_000, snippets=False,
                                               facets=False).hits}

    either = keys("lord NEAR/2 said")
    assert either == keys("said NEAR/2 lord")
    assert keys('"lord said"~2') | keys('"said lord"~2') == either
    assert keys('"said lord"~2') != keys('"lord said"~2')


def test_the_reader_marks_each_stretch_as_one_hit(indexed):
    index, _ = indexed
    searcher = Searcher(index)
    results = searcher.search('"lord unto moses"~1', limit=5, facets=False)
    assert results.total > 0
    hit = results.hits[0]
    text = index.document(hit.key).text
    spans = searcher.hit_spans('"lord unto moses"~1', hit.key)
    marked = [text[start:end] for start, end in spans]
    assert marked and all(words(piece)[0] == "lord" and words(piece)[-1] == "moses"
                          and len(words(piece)) <= 4 for piece in marked)
    assert any(piece.lower() in ("lord spake unto moses", "lord said unto moses")
               for piece in marked)


def test_a_regex_finds_exactly_the_words_it_matches_whole(indexed):
    import re

    index, tokens = indexed
    searcher = Searcher(index)
    vocabulary = set().union(*tokens.values())
    for pattern in ("lor[dn]s?", "mal+", "int.ger", "re(turn|ceiv)ed", "z[a-z]*"):
        matched = {word for word in vocabulary if re.fullmatch(pattern, word)}
        expected = {key for key, found in tokens.items() if matched & set(found)}
        got = {hit.key for hit in searcher.search(f"body:/{pattern}/", limit=10_000,
                                                  snippets=False, facets=False).hits}
        assert got == expected and expected, pattern


def test_a_regex_too_broad_says_so_instead_of_answering(indexed):
    index, _ = indexed
    searcher = Searcher(index)
    for broad in ("/.*/", "/[a-z]+/", '"/.+/ lord"~2'):
        with pytest.raises(QueryError) as caught:
            searcher.search(broad, limit=5)
        assert "narrower" in caught.value.message
