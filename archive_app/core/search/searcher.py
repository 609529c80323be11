"""Query -> results: parse, let the engine rank, then build what a result row shows.

The engine (core/engine) compiles our query tree, evaluates it segment by segment over
array postings and counts every match (exact totals and facets); this module adds the
rest: stored metadata of the shown hits, whether their files are on disk, snippets
with every hit highlighted (the stored text re-tokenised with the index's tokenizer, so
a span always covers the characters that matched, `hit_spans.py`), the passages of
annotations the query names, and "Did you mean". `Searcher(set_evaluation=False)` ranks
with plain Whoosh instead: the reference the tests compare the engine with.
README's Performance section has the figures.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from archive_app.core.engine import FACETS
from archive_app.core.errors import QueryError
from archive_app.core.indexing.index import ArchiveIndex
from archive_app.core.ingest.documents import EMPTY_TEXT_SHA
from archive_app.core.metadata import Metadata, metadata_from_stored
from archive_app.core.search import query as q
from archive_app.core.search.hit_spans import HitMatcher, merge_spans
from archive_app.core.search.snippets import Snippet, leading_spans, make_snippets
from archive_app.core.search.timeline import Timeline, timeline_of
from archive_app.core.text.analysis import fold

SORTS = ("relevance", "newest", "oldest")
COPIES = ("collapse", "separate")
"""How exact copies (files with the same text) are shown: as one result, or each."""
MAX_SUGGESTED_WORDS = 10
"""Unknown words a "Did you mean" corrects, the first ones: a pasted page gets an answer."""
__all__ = ["COPIES", "FACETS", "SORTS", "Hit", "SearchResults", "Searcher"]

@dataclass
class Hit(Metadata):
    """One document in the results: its metadata as the index stores it (with the
    user's edits; `type`, which the index does not keep, is ''), score and snippets."""

    key: str
    path: str
    score: float
    snippets: list[Snippet] = field(default_factory=list)
    available: bool = True
    """False when the file is not on disk now (deleted, or its drive unplugged)."""
    place: str = ""
    """Where a member lies ("leak.zip › finance/q3.xlsx"); '' for a file on disk."""
    parent: str = ""
    ocr: bool = False
    """Its text (or part of it) was read by OCR."""
    sender: str = ""
    """A message's From header."""
    copies: list[tuple[str, str]] = field(default_factory=list)
    """The other documents with exactly this text, as (key, path): the result stands
    for all of them (one result, "3 copies"), unless copies are shown separately."""

    @property
    def copy_count(self) -> int:
        """How many documents hold this text, itself included."""
        return 1 + len(self.copies)

    @property
    def page(self) -> int | None:
        """The page of the first snippet, for a document with pages."""
        return self.snippets[0].page if self.snippets else None


@dataclass
class SearchResults:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    suggestion: str | None
    elapsed_ms: float
    sort: str = "relevance"
    offset: int = 0
    notices: list[str] = field(default_factory=list)
    """Things the user should know about the query ("tag 'a' was renamed to 'b'")."""
    timeline: Timeline | None = None
    """Every match by date (timeline.py), counted with the facets; None without them."""
    copies: str = "collapse"
    """'collapse': exact copies are one result (`total` counts texts); 'separate': each
    copy is a result of its own."""


class Searcher:
    """Searches one ArchiveIndex; keep one per thread (the engine's runner is per thread)."""

    def __init__(self, index: ArchiveIndex, set_evaluation: bool = True):
        self.index = index
        self.set_evaluation = set_evaluation
        """False: Whoosh's own collectors rank (the reference the tests compare with)."""
        self._segments = index.engine.shared_segment_data()
        self.passages: Callable[[str, HitMatcher], list[tuple[int, int]]] | None = None
        """Set by the library: the spans of a document's annotations whose tags or notes
        a query names (`HitMatcher.marks_annotation`), hits as its words are."""

    def compile(self, text: str):
        """(the engine's compiled query, its HitMatcher, our parsed tree)."""
        node = q.parse_query(text)
        compiled, matcher = self.index.engine.runner().compile(node)
        return compiled, matcher, node

    def search(self, text: str, limit: int = 20, offset: int = 0, sort: str = "relevance",
               facets: bool = True, snippets: bool = True, dates: bool = True,
               within: Sequence[str] = (), copies: str = "collapse") -> SearchResults:
        """Run a query; raises QueryError for one that cannot be parsed. With `facets`
        (and `dates`), the results carry the facet counts and the timeline. `within`:
        earlier queries whose results this one searches within (ANDed, not marked).
        `copies` (COPIES): exact copies as one result listing the others, or each."""
        started = time.perf_counter()
        if sort not in SORTS:
            raise QueryError(f"Unknown sort '{sort}': use relevance, newest or oldest.")
        if copies not in COPIES:
            raise QueryError(f"Unknown copies '{copies}': use collapse or separate.")
        node = q.parse_query(text)
        earlier = tuple(q.parse_query(query) for query in within)
        runner = self.index.engine.runner()
        compiled, matcher = runner.compile(node, earlier)
        wanted = max(1, offset + limit)
        total, ranked, matched = runner.rank(compiled, sort, wanted,
                                             reference=not self.set_evaluation, facets=facets,
                                             copies=copies == "separate")
        shown = ranked[offset:offset + limit]
        counts = runner.copy_counts([docnum for docnum, _ in shown])
        hits = [self._hit(runner, docnum, score, matcher, snippets, sort == "relevance",
                          count > 1)
                for (docnum, score), count in zip(shown, counts, strict=True)]
        facet_counts = runner.facet_counts(matched) if facets else {}
        timeline = timeline_of(*runner.date_counts(matched)) if facets and dates else None
        suggestion = self._suggest(text, node) if total < 3 else None
        elapsed = (time.perf_counter() - started) * 1000
        return SearchResults(text, total, hits, facet_counts, suggestion, elapsed, sort, offset,
                             timeline=timeline, copies=copies)

    def timeline(self, text: str) -> Timeline:
        """The timeline of query `text` alone: its matches counted by date, without the
        ranking's top, snippets or facets. Raises QueryError as `search`."""
        node = q.parse_query(text)
        runner = self.index.engine.runner()
        compiled, _ = runner.compile(node)
        matched = runner.rank(compiled, "relevance", 1, reference=not self.set_evaluation)[2]
        return timeline_of(*runner.date_counts(matched))

    def _hit(self, runner, docnum: int, score: float, matcher: HitMatcher,
             with_snippets: bool, scored: bool, copied: bool = False) -> Hit:
        stored = runner.stored_fields(docnum)
        hit = Hit(key=stored["key"], path=stored.get("path", ""),
                  score=round(float(score), 4) if scored else 0.0,
                  place=stored.get("place", ""), parent=stored.get("parent", ""),
                  ocr=stored.get("ocr") == "yes", sender=stored.get("mail_from", ""),
                  **metadata_from_stored(stored))
        if copied:
            hit.copies = self.copies_of(hit.key, stored.get("sha256", ""))
        hit.available = os.path.exists(hit.path) or (  # a non-UTF-8 name is shown with
            "\ufffd" in hit.path and self._exact_path_exists(hit.key))  # U+FFFD
        if with_snippets:
            text = self.index.reader_catalog().text(hit.key)
            if text is not None:
                spans = self._with_passages(hit.key, matcher, leading_spans(matcher, text[0]))
                hit.snippets = make_snippets(text[0], spans, page_starts=text[1])
        return hit

    def copies_of(self, key: str, sha256: str | None = None) -> list[tuple[str, str]]:
        """The other indexed documents with exactly the text of `key`, as (key, path),
        in key order (the catalog's hash of each text; members of containers too)."""
        catalog = self.index.reader_catalog()
        if sha256 is None:
            record = catalog.record(key)
            sha256 = record.sha256 if record is not None else ""
        if not sha256 or sha256 == EMPTY_TEXT_SHA:  # no text is nobody's copy
            return []
        return [(other, path) for other, path in catalog.keys_with_hash(sha256)
                if other != key]

    def _with_passages(self, key: str, matcher: HitMatcher,
                       spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The word spans with the passages of the annotations the query names, in order."""
        if self.passages is None or not matcher.names_annotations():
            return spans
        return merge_spans(spans + self.passages(key, matcher))

    def _exact_path_exists(self, key: str) -> bool:
        """Whether the file exists under the exact bytes of its name, which the catalog keeps
        (the index stores the name as shown, with U+FFFD for bytes that are not UTF-8)."""
        record = self.index.reader_catalog().record(key)
        return record is not None and os.path.exists(record.path)

    def _suggest(self, text: str, node: q.Node) -> str | None:
        """'Did you mean': replace each unknown plain word by the closest indexed word.

        Whoosh's corrector computed a pure-Python edit distance to every indexed word, at
        a cost growing with the word's length (one word of 3,000 letters: two minutes).
        Here only the words whose length is within two of it are compared, in C; a word
        longer than the longest indexed word plus two has no correction, and only the
        first MAX_SUGGESTED_WORDS unknown words of a query are corrected.
        """
        runner = self.index.engine.runner()
        lexicon = runner.lexicon()
        longest = lexicon.longest("body")
        suggestion, unknown = text, 0
        for leaf in _positive_words(node):
            word = fold(leaf.text.lower())
            if (not word.isalpha() or len(word) > longest + 2
                    or runner.doc_frequency("body", word) > 0):
                continue
            unknown += 1
            if unknown > MAX_SUGGESTED_WORDS:
                break
            found = _closest_word(lexicon, runner, word)
            if found is not None:
                suggestion = re.sub(re.escape(leaf.text), found, suggestion, count=1)
        return suggestion if suggestion != text else None

    def matching_keys(self, text: str) -> set[str]:
        """The key of every document query `text` matches (no ranking, snippets or
        facets): what the Browse view's filters keep. Raises QueryError as `search`."""
        node = q.parse_query(text)
        runner = self.index.engine.runner()
        return runner.matching_keys(runner.compile(node)[0])

    def keys_with_phrases(self, phrases: list[str]) -> set[str]:
        """The key of every document whose text holds one of `phrases` word for word
        (as an exact phrase matches): the documents a watch-list's aliases can name."""
        if not phrases:
            return set()
        node = q.Or(tuple(q.Phrase(phrase, "body") for phrase in phrases))
        runner = self.index.engine.runner()
        return runner.matching_keys(runner.compile(node)[0])

    def cooccurrence(self, text: str, facet: str = "entity", most: int = 30):
        """For query `text`'s results: the facet's commonest values with their document
        counts, and how many documents hold each pair (`QueryRunner.cooccurrence`)."""
        node = q.parse_query(text)
        runner = self.index.engine.runner()
        compiled = runner.compile(node)[0]
        matched = runner.rank(compiled, "relevance", 1)[2]
        return runner.cooccurrence(matched, facet, most)

    def keys_with_field_values(self, field_name: str, values: set[str]) -> set[str]:
        """The key of every document whose keyword field holds one of `values`."""
        if not values:
            return set()
        node = q.Or(tuple(q.Word(value, field_name) for value in sorted(values)))
        runner = self.index.engine.runner()
        return runner.matching_keys(runner.compile(node)[0])

    def hit_matcher(self, text: str) -> HitMatcher:
        """What query `text` marks in a document: its words, and the tags and note words
        whose annotations are hits (`HitMatcher.marks_annotation`)."""
        return self.compile(text)[1]

    def hit_spans(self, text: str, key: str) -> list[tuple[int, int]]:
        """Every hit of query `text` in the whole stored text of document `key`: its words,
        and the passages whose tags or notes it names (`passages`)."""
        matcher = self.hit_matcher(text)
        stored = self.index.reader_catalog().text(key)
        return self._with_passages(key, matcher, matcher.spans(stored[0]) if stored else [])


def _closest_word(lexicon, runner, word: str) -> str | None:
    """The indexed body word within two edits of `word` (restricted Damerau-Levenshtein,
    as Whoosh's corrector): the closest, then the most frequent, then the first."""
    candidates = lexicon.words("body", len(word) - 2, len(word) + 2, prefix=word[:1])
    close = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=2,
                            limit=None)
    close = [(distance, -runner.frequency("body", found), found)
             for found, distance, _ in close if found != word]
    return min(close)[2] if close else None


def _positive_words(node: q.Node) -> list[q.Word]:
    if isinstance(node, q.Word) and node.field in (None, "body", "title"):
        return [node]
    if isinstance(node, q.And | q.Or):
        return [w for item in node.items for w in _positive_words(item)]
    return []
