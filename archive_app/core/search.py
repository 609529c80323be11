"""Query -> results: compile our query tree to Whoosh, rank, sort, facets, snippets, hit spans.

Word forms: the index keeps words unstemmed (so exact phrases stay exact); a plain word
is expanded at query time to every indexed word with the same Porter stem, found by a
prefix walk of the lexicon. Highlights are computed by re-tokenising the stored text with
the same tokenizer the index used, so a span always covers the characters that matched.

Performance (bench/, 2 cores): the cost per query is Whoosh's Python matching, every
matching posting scored by Python calls, plus facet counts over all matches and the
highlights of the shown hits. Phrases (_ExactPhrase) and expansions (_ExpansionOr) have
cheaper matchers than Whoosh's own; facet values come from arrays cached per index
generation (FacetArrays); highlight spans from hit_spans.py. README's Performance
section has the figures and what limits the rest.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from whoosh import collectors, matching, sorting
from whoosh import query as wq
from whoosh.lang.porter import stem
from whoosh.query.spans import Span, SpanNear2
from whoosh.support.levenshtein import distance

from archive_app.core import query as q
from archive_app.core.analysis import fold, words
from archive_app.core.errors import QueryError
from archive_app.core.hit_spans import HitMatcher
from archive_app.core.index import ArchiveIndex
from archive_app.core.snippets import Snippet, leading_spans, make_snippets

SORTS = ("relevance", "newest", "oldest")
DEFAULT_FIELDS = ("title", "body")
STEMMED_FIELDS = ("title", "body", "notes", "author", "source")
KEYWORD_FIELDS = ("tags", "lang", "format")
FACETS = {"source": "source_facet", "year": "year", "format": "format", "tag": "tags"}
MAX_EXPANSION = 256


@dataclass
class Hit:
    key: str
    path: str
    title: str
    author: str
    source: str
    date: str
    url: str
    format: str
    lang: str
    score: float
    snippets: list[Snippet] = field(default_factory=list)
    available: bool = True
    """False when the file is not on disk now (deleted, or its drive unplugged)."""


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


class _ExpansionOr(wq.Or):
    """An OR of many terms (word forms, fuzzy neighbours, years), read into one list.

    Whoosh's default builds a binary tree of union matchers (Python calls per posting
    per level), and its ARRAY_MATCHER clears and scans a 2,048-slot array in Python for
    every stretch of documents, which dominated rare-word queries on a many-segment
    index. Here every sub-matcher's postings are read once into a sparse docnum -> score
    map, and the union is a plain list matcher with the summed scores.
    """

    def matcher(self, searcher, context=None):
        scores: dict[int, float] = {}
        for query in self.subqueries:
            sub = query.matcher(searcher, context)
            while sub.is_active():
                docnum = sub.id()
                scores[docnum] = scores.get(docnum, 0.0) + sub.score()
                sub.next()
        if not scores:
            return matching.NullMatcher()
        docnums = sorted(scores)
        return _ScoredList(docnums, [scores[d] * self.boost for d in docnums])


class _ScoredList(matching.ListMatcher):
    """A list of documents with final scores. Whoosh's ListMatcher recomputes max() of
    the whole list each time the collector asks for its best possible score."""

    def __init__(self, docnums: list[int], scores: list[float]):
        super().__init__(docnums, scores)
        self._best = max(scores)

    def block_max_weight(self) -> float:
        return self._best

    def max_quality(self) -> float:
        return self._best

    def copy(self):
        return _ScoredList(self._ids, self._weights)


class _ExactPhrase(wq.Phrase):
    """Whoosh's Phrase with a cheaper position check (same documents, same scores).

    Whoosh checks each candidate document by building a Span object per position of
    every word and walking them pairwise; phrases of common words ("on the") have
    thousands of candidates. Here each word's positions are shifted by its place in
    the phrase and intersected as sets, in C.
    """

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        field = searcher.schema[self.fieldname]
        terms = []
        for word in self.words:
            raw = field.to_bytes(word)
            if (self.fieldname, raw) not in reader:
                return matching.NullMatcher()  # a word that is nowhere: no phrase
            terms.append(wq.Term(self.fieldname, raw))
        return _PhraseMatcher([term.matcher(searcher, context) for term in terms])


class _PhraseMatcher(SpanNear2.SpanNear2Matcher):
    """Matches the documents of an intersection where the words are consecutive."""

    def _get_spans(self):
        matchers = self.ms
        starts = set(matchers[0].value_as("positions"))
        for offset in range(1, len(matchers)):
            if not starts:
                return []
            starts.intersection_update(
                [position - offset for position in matchers[offset].value_as("positions")])
        last = len(matchers) - 1
        return [Span(start, start + last) for start in sorted(starts)]


class _DocRecorder(collectors.WrappingCollector):
    """Passes every match to the ranking collector and remembers its global docnum."""

    def __init__(self, child):
        super().__init__(child)
        self.docnums: list[int] = []

    def collect(self, sub_docnum):
        self.docnums.append(self.child.offset + sub_docnum)
        return self.child.collect(sub_docnum)


class FacetArrays:
    """docnum -> facet values, built once per index generation from the lexicon.

    Whoosh's `groupedby` re-reads the facet columns of every segment on every query;
    counting over these cached arrays costs one dictionary step per matched document.
    """

    def __init__(self, searcher):
        self.values: dict[str, dict[int, tuple[str, ...]]] = {}
        reader = searcher.reader()
        for name, column in FACETS.items():
            by_doc: dict[int, tuple[str, ...]] = {}
            for raw in reader.lexicon(column):
                value = raw.decode("utf-8")
                for docnum in reader.postings(column, raw).all_ids():
                    by_doc[docnum] = by_doc.get(docnum, ()) + (value,)
            self.values[name] = by_doc

    def count(self, docnums: list[int]) -> dict[str, list[tuple[str, int]]]:
        counts = {}
        for name, by_doc in self.values.items():
            counter: Counter[str] = Counter()
            for docnum in docnums:
                values = by_doc.get(docnum)
                if values:
                    counter.update(values)
            counts[name] = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
        return counts


class _Compiler:
    """Turns our query tree into a Whoosh query and the matching HitMatcher."""

    def __init__(self, searcher, cache: dict):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.cache = cache
        self.matcher = HitMatcher()

    def compile(self, node: q.Node, negated: bool = False) -> wq.Query:
        if isinstance(node, q.And):
            return wq.And([self.compile(item, negated) for item in node.items])
        if isinstance(node, q.Or):
            return wq.Or([self.compile(item, negated) for item in node.items])
        if isinstance(node, q.Not):
            return wq.Not(self.compile(node.item, not negated))
        if isinstance(node, q.DateRange):
            return self.date_range(node)
        fields = (node.field,) if node.field else DEFAULT_FIELDS
        highlight = not negated and (node.field in (None, "body"))
        parts = [self.leaf(node, name, highlight) for name in fields]
        return parts[0] if len(parts) == 1 else wq.Or(parts)

    def leaf(self, node: q.Node, name: str, highlight: bool) -> wq.Query:
        if isinstance(node, q.Word):
            if name in KEYWORD_FIELDS:
                return wq.Term(name, node.text.strip().lower())
            tokens = words(node.text)
            if len(tokens) != 1:
                return self.phrase(name, tokens, highlight)
            return self.word(name, tokens[0], highlight)
        if isinstance(node, q.Phrase):
            if name in KEYWORD_FIELDS:
                return wq.Term(name, node.text.strip().lower())
            return self.phrase(name, words(node.text), highlight)
        if isinstance(node, q.Prefix):
            text = fold(node.text.lower())
            if highlight:
                self.matcher.prefixes.add(text)
            return wq.Prefix(name, text)
        if isinstance(node, q.Wildcard):
            pattern = fold(node.pattern.lower())
            if highlight:
                regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
                self.matcher.patterns.append(re.compile(regex))
            return wq.Wildcard(name, pattern)
        if isinstance(node, q.Fuzzy):
            text = fold(node.text.lower())
            forms = self.fuzzy_forms(name, text, node.distance)
            if highlight:
                self.matcher.terms.update(forms)
                self.matcher.terms.add(text)
            if len(forms) == 1:
                return wq.Term(name, forms[0])
            return _ExpansionOr([wq.Term(name, form) for form in forms])
        raise QueryError(f"unsupported query part {node!r}")

    def date_range(self, node: q.DateRange) -> wq.Query:
        """Whole years as single `year` terms, only the partial ends as date-term ranges.

        A TermRange over every distinct date becomes an OR of hundreds of terms that Whoosh
        unions in Python; decomposing keeps a two-year range down to two terms.
        """
        start, end = node.start, node.end
        first = int(start[:4]) if start else None
        last = int(end[:4]) if end else None
        if first is None or last is None or last - first > 200:
            return wq.TermRange("date", start, end + "~" if end else None)
        parts: list[wq.Query] = []
        for year in range(first, last + 1):
            low = start if year == first and len(start) > 4 and start[5:] not in (
                "01", "01-01") else None
            high = end if year == last and len(end) > 4 and end[5:] not in (
                "12", "12-31") else None
            if low is None and high is None:
                parts.append(wq.Term("year", str(year)))
            else:
                parts.append(wq.TermRange("date", low or str(year), (high or str(year)) + "~"))
        return parts[0] if len(parts) == 1 else _ExpansionOr(parts)

    def word(self, name: str, word: str, highlight: bool) -> wq.Query:
        forms = self.word_forms(name, word) if name in STEMMED_FIELDS else [word]
        if highlight:
            self.matcher.terms.update(forms)
        if len(forms) == 1:
            return wq.Term(name, forms[0])
        return _ExpansionOr([wq.Term(name, form) for form in forms])

    def phrase(self, name: str, tokens: list[str], highlight: bool) -> wq.Query:
        if not tokens:
            return wq.NullQuery
        if highlight:
            if len(tokens) == 1:
                self.matcher.terms.add(tokens[0])
            else:
                self.matcher.phrases.add(tuple(tokens))
        if len(tokens) == 1:
            return wq.Term(name, tokens[0])
        return _ExactPhrase(name, tokens)

    def fuzzy_forms(self, name: str, text: str, maxdist: int) -> list[str]:
        """Indexed words within `maxdist` edits of `text` that share its first letter.

        Whoosh's FuzzyTerm computes an edit distance for every word with that first
        letter, once for the search and again for highlighting; words whose length
        alone rules them out are skipped here, and the list is computed once.
        """
        key = ("~", name, text, maxdist)
        if key not in self.cache:
            forms = [text]
            for raw in self.reader.expand_prefix(name, text[:1]):
                candidate = raw.decode("utf-8")
                if (abs(len(candidate) - len(text)) <= maxdist and candidate != text
                        and distance(candidate, text, limit=maxdist + 1) <= maxdist):
                    forms.append(candidate)
            self.cache[key] = forms
        return self.cache[key]

    def word_forms(self, name: str, word: str) -> list[str]:
        """Indexed words sharing `word`'s Porter stem (the word itself always included)."""
        key = (name, word)
        if key not in self.cache:
            root = stem(word)
            prefix = root[:-1] if len(root) > 3 else root
            forms = {word}
            if word.isascii() and word.isalpha() and prefix:  # English stemming only
                for raw in self.reader.expand_prefix(name, prefix):
                    candidate = raw.decode("utf-8")
                    if stem(candidate) == root:
                        forms.add(candidate)
                        if len(forms) >= MAX_EXPANSION:
                            break
            self.cache[key] = sorted(forms)
        return self.cache[key]


class Searcher:
    """Searches one ArchiveIndex; keep one per thread (it holds a Whoosh searcher)."""

    def __init__(self, index: ArchiveIndex):
        self.index = index
        self._cache: dict = {}
        self._generation = None
        self._arrays: tuple[object, FacetArrays] | None = None

    def _whoosh_searcher(self):
        searcher = self.index.searcher()
        generation = searcher.reader()  # a new reader object after every commit
        if generation is not self._generation:
            self._cache.clear()
            self._generation = generation
        return searcher

    def compile(self, text: str) -> tuple[wq.Query, HitMatcher, q.Node]:
        node = q.parse_query(text)
        compiler = _Compiler(self._whoosh_searcher(), self._cache)
        return compiler.compile(node), compiler.matcher, node

    def search(self, text: str, limit: int = 20, offset: int = 0, sort: str = "relevance",
               facets: bool = True, snippets: bool = True) -> SearchResults:
        """Run a query; raises QueryError for one that cannot be parsed."""
        started = time.perf_counter()
        if sort not in SORTS:
            raise QueryError(f"Unknown sort '{sort}': use relevance, newest or oldest.")
        compiled, matcher, node = self.compile(text)
        searcher = self._whoosh_searcher()
        wanted = max(1, offset + limit)
        if sort == "relevance":
            collector = collectors.TopCollector(wanted, usequality=not facets)
        else:
            column = "date_newest" if sort == "newest" else "date_oldest"
            collector = collectors.SortingCollector(sorting.FieldFacet(column), limit=wanted,
                                                    reverse=sort == "newest")
        recorder = _DocRecorder(collector) if facets else collector
        searcher.search_with_collector(compiled, recorder)
        results = recorder.results()
        total = len(results)
        hits = [self._hit(hit, matcher, snippets, sort == "relevance")
                for hit in results[offset:offset + limit]]
        facet_counts = self._facet_arrays().count(recorder.docnums) if facets else {}
        suggestion = self._suggest(text, node) if total < 3 else None
        elapsed = (time.perf_counter() - started) * 1000
        return SearchResults(text, total, hits, facet_counts, suggestion, elapsed, sort, offset)

    def _hit(self, result, matcher: HitMatcher, with_snippets: bool, scored: bool) -> Hit:
        stored = result.fields()
        hit = Hit(key=stored["key"], path=stored.get("path", ""),
                  title=stored.get("title", ""), author=stored.get("author", ""),
                  source=stored.get("source", ""), date=stored.get("date", ""),
                  url=stored.get("url", ""), format=stored.get("format", ""),
                  lang=stored.get("lang", ""),
                  score=round(float(result.score), 4) if scored else 0.0)
        hit.available = os.path.exists(hit.path)
        if with_snippets:
            text = self.index.reader_catalog().text(hit.key)
            if text is not None:
                hit.snippets = make_snippets(text[0], leading_spans(matcher, text[0]))
        return hit

    def _facet_arrays(self) -> FacetArrays:
        if self._arrays is None or self._arrays[0] != self._generation:
            self._arrays = (self._generation, FacetArrays(self._whoosh_searcher()))
        return self._arrays[1]

    def _suggest(self, text: str, node: q.Node) -> str | None:
        """'Did you mean': replace each unknown plain word by the closest indexed word."""
        corrector = self._whoosh_searcher().corrector("body")
        reader = self._whoosh_searcher().reader()
        suggestion = text
        for leaf in _positive_words(node):
            word = fold(leaf.text.lower())
            if not word.isalpha() or reader.doc_frequency("body", word) > 0:
                continue
            found = corrector.suggest(word, limit=1, maxdist=2)
            if found and found[0] != word:
                suggestion = re.sub(re.escape(leaf.text), found[0], suggestion, count=1)
        return suggestion if suggestion != text else None

    def hit_spans(self, text: str, key: str) -> list[tuple[int, int]]:
        """Every hit of query `text` in the whole stored text of document `key`."""
        _, matcher, _ = self.compile(text)
        stored = self.index.reader_catalog().text(key)
        return matcher.spans(stored[0]) if stored else []


def _positive_words(node: q.Node) -> list[q.Word]:
    if isinstance(node, q.Word) and node.field in (None, "body", "title"):
        return [node]
    if isinstance(node, q.And | q.Or):
        return [w for item in node.items for w in _positive_words(item)]
    return []
