"""Query -> results: compile our query tree to Whoosh, rank, sort, facets, hit spans.

Word forms: the index keeps words unstemmed (so exact phrases stay exact); a plain word
is expanded at query time to every indexed word with the same Porter stem, found by a
prefix walk of the lexicon. Highlights are computed by re-tokenising the stored text with
the same tokenizer the index used, so a span always covers the characters that matched.

Ranking: the compiled query is evaluated segment by segment into {docnum: score} maps
(_SegmentEvaluator): postings read a block at a time, BM25F over cached length norms,
And/Or/Not/phrases as set operations, the smallest part of an And first. Every match
is counted (exact totals and facets), then the top of the list is taken. Plain Whoosh
(its own collectors and matchers: `Searcher(set_evaluation=False)`, the tests'
reference) gives the same answer, much slower at 100k documents. Per-segment data
(length norms, date sort keys, facet sets) is kept by segment id and shared by the
index's per-thread Searchers, so a commit only adds the new segment's and a new worker
thread finds it built.
README's Performance section has the figures and what limits the rest.

Tags: a `tag:` part is expanded over the tags field's small lexicon (each tag is indexed
with its ancestors), so a name matches from any level of the hierarchy (`_Compiler.tags`).
Spelling ("Did you mean") and fuzzy words compare, in C, only the indexed words whose
length allows the distance (per-segment word lists by length), so the cost of a query
does not grow with a pasted word's length.
"""

from __future__ import annotations

import bisect
import heapq
import os
import re
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain
from operator import methodcaller

from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh import collectors, matching, sorting
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.lang.porter import stem
from whoosh.util.numeric import byte_to_length

from archive_app.core import query as q
from archive_app.core.analysis import fold, words
from archive_app.core.annotations import MAX_TAG_DEPTH
from archive_app.core.errors import QueryError
from archive_app.core.hit_spans import HitMatcher, merge_spans
from archive_app.core.index import ArchiveIndex
from archive_app.core.snippets import Snippet, leading_spans, make_snippets

SORTS = ("relevance", "newest", "oldest")
DEFAULT_FIELDS = ("title", "body")
STEMMED_FIELDS = ("title", "body", "notes", "author", "source")
KEYWORD_FIELDS = ("tags", "lang", "format", "ocr")
FACETS = {"source": "source_facet", "year": "year", "format": "format", "tag": "tags",
          "sender": "sender_facet"}
MAX_EXPANSION = 256
MAX_SUGGESTED_WORDS = 10
"""Unknown words a "Did you mean" corrects, the first ones: a pasted page gets an answer."""


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
    place: str = ""
    """Where a member lies ("leak.zip › finance/q3.xlsx"); '' for a file on disk."""
    parent: str = ""
    ocr: bool = False
    """Its text (or part of it) was read by OCR."""
    sender: str = ""
    """A message's From header."""

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


class _DocRecorder(collectors.WrappingCollector):
    """Passes every match to the ranking collector and remembers its global docnum."""

    def __init__(self, child):
        super().__init__(child)
        self.docnums: list[int] = []

    def collect(self, sub_docnum):
        self.docnums.append(self.child.offset + sub_docnum)
        return self.child.collect(sub_docnum)


class SegmentData:
    """What the evaluator keeps about one segment: length norms, sort keys, facet values.

    Kept per segment id and shared by every thread's Searcher of an index (the lists and
    sets are only read once built; each thread builds with its own reader), so a commit
    that adds a small segment leaves the big ones' data in place and a new worker thread
    does not build it again (at 100,000 documents that takes ~0.7 s).
    """

    def __init__(self):
        self._lengths: dict[str, list[int]] = {}
        self._norms: dict[str, tuple[tuple, list[float]]] = {}
        self._sort_keys: dict[str, list] = {}
        self._facets: dict[str, list[tuple[str, frozenset[int]]]] | None = None
        self._words: dict[str, dict[int, list[str]]] = {}

    def lengths(self, reader, fieldname: str) -> list[int]:
        """docnum -> the field's length as Whoosh's BM25F sees it (a one-byte estimate)."""
        if fieldname not in self._lengths:
            self._lengths[fieldname] = _field_lengths(reader, fieldname)
        return self._lengths[fieldname]

    def norms(self, reader, fieldname: str, parameters: tuple[float, float, float]
              ) -> list[float]:
        """docnum -> BM25F's length term `k1 * ((1 - b) + b * length / average)`, the part
        of a posting's score that depends on the document; the average changes with
        every commit, so the list is kept for the parameters it was made with."""
        key = (fieldname, parameters)
        kept = self._norms.get(fieldname)
        if kept is None or kept[0] != key:
            k1, b, average = parameters
            kept = (key, [k1 * ((1 - b) + b * length / average)
                          for length in self.lengths(reader, fieldname)])
            self._norms[fieldname] = kept
        return kept[1]

    def sort_keys(self, searcher, sub, offset: int, column: str) -> list:
        """docnum -> the key Whoosh's SortingCollector sorts this column's documents by."""
        if column not in self._sort_keys:
            categorizer = sorting.FieldFacet(column).categorizer(searcher)
            categorizer.set_searcher(sub, offset)
            self._sort_keys[column] = [categorizer.key_for(None, docnum)
                                       for docnum in range(sub.reader().doc_count_all())]
        return self._sort_keys[column]

    def words_by_length(self, reader, fieldname: str) -> dict[int, list[str]]:
        """The field's indexed words grouped by their length, read from the lexicon once.

        Spelling suggestions and fuzzy words compare only the words whose length allows
        the edit distance, instead of walking the whole lexicon on every query.
        """
        if fieldname not in self._words:
            grouped: dict[int, list[str]] = {}
            if fieldname in reader.schema:
                for raw in reader.lexicon(fieldname):
                    word = raw.decode("utf-8")
                    grouped.setdefault(len(word), []).append(word)
            self._words[fieldname] = grouped
        return self._words[fieldname]

    def facets(self, reader) -> dict[str, list[tuple[str, frozenset[int]]]]:
        """Facet name -> (value, the documents with it) pairs, read from the lexicon once.

        Whoosh's `groupedby` re-reads the facet columns of every segment on every query;
        a count here is the size of a set intersection, computed in C.
        """
        if self._facets is None:
            self._facets = {
                name: [(raw.decode("utf-8"),
                        frozenset(_postings(reader, column, raw, weights=False)[0]))
                       for raw in reader.lexicon(column)]
                for name, column in FACETS.items()}
        return self._facets


_SHARED_SEGMENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""ArchiveIndex -> {segment id: SegmentData}, shared by the index's per-thread Searchers."""
_SHARED_LOCK = threading.Lock()
_LAST_CHAR = chr(0x10FFFF)


def _shared_segments(index: ArchiveIndex) -> dict[str, SegmentData]:
    with _SHARED_LOCK:
        return _SHARED_SEGMENTS.setdefault(index, {})


_LENGTH_OF_BYTE = [byte_to_length(value) for value in range(256)]


def _field_lengths(reader, fieldname: str) -> list[int]:
    """Every document's length byte of a field, decoded in one pass over the column.

    Whoosh's scorer asks `doc_field_length` per posting (four Python calls each); the
    column is one byte per document in the segment file. Other readers ask per document.
    """
    count = reader.doc_count_all()
    try:
        column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    except AttributeError:
        return [reader.doc_field_length(docnum, fieldname, 1) for docnum in range(count)]
    if column is None:  # no document has the field: Whoosh's default length
        return [1] * count
    raw = column._dbfile.get(column._basepos, column._count)
    lengths = [_LENGTH_OF_BYTE[value] for value in raw]
    return lengths + [0] * (count - len(lengths))


def _postings(reader, fieldname: str, raw: bytes, values: bool = False,
              within: list[int] | None = None, weights: bool = True):
    """A term's postings in one segment as (docnums, weights or [], values or None) lists.

    Whoosh's W3 blocks are read a block at a time, not a posting at a time. With
    `within` (sorted docnums) only those documents are kept, and blocks holding none of
    them are skipped unread, as Whoosh's skip_to does. Deleted documents are included;
    the caller drops them once per query.
    """
    matcher = reader.postings(fieldname, raw)
    if isinstance(matcher, matching.FilterMatcher):
        matcher = matcher.child  # the deletion filter
    docnums: list[int] = []
    weighed: list[float] = []
    found: list | None = [] if values else None
    if isinstance(matcher, W3LeafMatcher):
        last = -1  # the highest docnum of the blocks before this one
        while matcher.is_active():
            highest = matcher._maxid
            if within is not None:
                following = bisect.bisect_right(within, last)
                last = highest
                if following == len(within):
                    break
                if within[following] > highest:
                    matcher._next_block()
                    continue
            matcher._read_ids()
            docnums += matcher._ids
            if weights:
                matcher._read_weights()
                weighed += matcher._weights
            if found is not None:
                matcher._read_values()
                found += matcher._values
            matcher._next_block()
    else:
        while matcher.is_active():
            docnums.append(matcher.id())
            if weights:
                weighed.append(matcher.weight())
            if found is not None:
                found.append(matcher.value())
            matcher.next()
    if within is not None:
        wanted = set(within)
        kept = [n for n, docnum in enumerate(docnums) if docnum in wanted]
        docnums = [docnums[n] for n in kept]
        weighed = [weighed[n] for n in kept] if weights else weighed
        if found is not None:
            found = [found[n] for n in kept]
    return docnums, weighed, found


class _SegmentEvaluator:
    """One segment's answer to a compiled query, as {docnum: score}, by set operations.

    Whoosh's collector walks a tree of matchers with several Python calls per posting
    and per level of the tree, and scores each posting through four more. Here a term's
    postings are read a block at a time and scored with BM25F in one comprehension over
    cached length norms; And, Or, Not and exact phrases are dictionary and set
    operations in C. An And evaluates its smallest part first and reads the others only
    where that part matched (`within`), skipping blocks as Whoosh's skip_to does.
    Scores are Whoosh's (BM25F, sums of the parts, 1.0 for each Not inside an And) up to
    the order of floating-point additions; tests compare both. Query types without a
    rule here are answered by draining Whoosh's own matcher.
    """

    def __init__(self, searcher, sub, data: SegmentData):
        self.searcher = searcher
        self.sub = sub
        self.reader = sub.reader()
        self.data = data
        self.weighting = searcher.weighting

    def scores(self, query, within: list[int] | None = None) -> dict[int, float]:
        """{docnum: score} of the documents matching `query` (among `within`, if given)."""
        kind = type(query)
        if kind is wq.Term:
            return self.term(query, within)
        if kind is wq.Or:
            return self.union(query, within)
        if kind is wq.And:
            return self.intersection(query, within)
        if kind is wq.Phrase and query.slop == 1:
            return self.phrase(query, within)
        if query is wq.NullQuery:
            return {}
        return self.drain(query, within)

    def drain(self, query, within: list[int] | None) -> dict[int, float]:
        matcher = query.matcher(self.sub, self.searcher.context())
        found = {}
        while matcher.is_active():
            found[matcher.id()] = matcher.score()
            matcher.next()
        return _among(found, within)

    def term(self, query: wq.Term, within: list[int] | None) -> dict[int, float]:
        schema = self.searcher.schema
        if query.fieldname not in schema:
            return {}
        field = schema[query.fieldname]
        try:
            raw = field.to_bytes(query.text)
        except ValueError:
            return {}
        if (query.fieldname, raw) not in self.reader:
            return {}
        if not field.scorable or query.boost != 1.0 or query.minquality:
            return self.drain(query, within)
        docnums, weights, _ = _postings(self.reader, query.fieldname, raw, within=within)
        return dict(zip(docnums, self.bm25(query.fieldname, raw, docnums, weights),
                        strict=True))

    def bm25(self, fieldname: str, raw: bytes, docnums: list[int],
             weights: list[float]) -> list[float]:
        """Whoosh's BM25F score of each posting (scoring.bm25, the same operations)."""
        idf = self.searcher.idf(fieldname, raw)
        k1 = self.weighting.K1
        norms = self.data.norms(self.reader, fieldname, self.length_norm(fieldname))
        return [idf * ((tf * (k1 + 1)) / (tf + norms[docnum]))
                for docnum, tf in zip(docnums, weights, strict=True)]

    def length_norm(self, fieldname: str) -> tuple[float, float, float]:
        """BM25F's (k1, b, average length) of a field, as Whoosh's scorer takes them."""
        average = self.searcher.avg_field_length(fieldname) or 1
        b = self.weighting._field_B.get(fieldname, self.weighting.B)
        return self.weighting.K1, b, average

    def union(self, query, within: list[int] | None) -> dict[int, float]:
        parts = query.subqueries
        if len(parts) < 2:
            return self.scores(parts[0], within) if parts else {}
        maps = sorted((self.scores(part, within) for part in parts), key=len, reverse=True)
        result = dict(maps[0])
        for other in maps[1:]:
            get = result.get
            result.update({docnum: get(docnum, 0.0) + score for docnum, score in other.items()})
        return _boosted(result, query.boost)

    def intersection(self, query: wq.And, within: list[int] | None) -> dict[int, float]:
        parts = query.subqueries
        if len(parts) < 2:
            return self.scores(parts[0], within) if parts else {}
        positive = [part for part in parts if not isinstance(part, wq.Not)]
        negative = [part.query for part in parts if isinstance(part, wq.Not)]
        if not positive:
            return self.drain(query, within)
        positive.sort(key=self.size)
        result = self.scores(positive[0], within)
        for part in positive[1:]:
            if not result:
                return {}
            other = self.scores(part, sorted(result))
            result = {docnum: score + other[docnum] for docnum, score in result.items()
                      if docnum in other}
        if negative and result:
            candidates = sorted(result)
            excluded: set[int] = set()
            for part in negative:
                excluded.update(self.scores(part, candidates))
            inverse = float(len(negative))  # Whoosh's InverseMatcher scores 1.0
            result = {docnum: score + inverse for docnum, score in result.items()
                      if docnum not in excluded}
        return _boosted(result, query.boost)

    def size(self, query) -> int:
        """Whoosh's estimate of how many documents a part matches (its smallest first)."""
        try:
            return query.estimate_size(self.reader)
        except (NotImplementedError, AttributeError):
            return self.reader.doc_count_all()

    def phrase(self, query: wq.Phrase, within: list[int] | None) -> dict[int, float]:
        """Documents holding the words at consecutive positions; the words' scores summed.

        The rarest word is read first; the others only in the documents it is in.
        """
        field = self.searcher.schema[query.fieldname]
        raws = [field.to_bytes(word) for word in query.words]
        if len(raws) < 2:
            return self.drain(query, within)
        if any((query.fieldname, raw) not in self.reader for raw in raws):
            return {}
        order = sorted(range(len(raws)),
                       key=lambda n: self.reader.doc_frequency(query.fieldname, raws[n]))
        postings: dict[int, tuple] = {}
        candidates = within
        for n in order:
            postings[n] = _postings(self.reader, query.fieldname, raws[n], values=True,
                                    within=candidates)
            candidates = sorted(set(postings[n][0]).intersection(
                candidates if candidates is not None else postings[n][0]))
            if not candidates:
                return {}
        decode = getattr(field.format, "position_array", None) or field.format.decoder(
            "positions")
        places = [dict(zip(postings[n][0], postings[n][2], strict=True))
                  for n in range(len(raws))]
        first = places[0]
        shifted = [((-offset).__add__, place) for offset, place in enumerate(places[1:], start=1)]
        middle, (last_shift, last) = shifted[:-1], shifted[-1]
        found = []
        for docnum in candidates:  # the loop runs per candidate; the sets work in C
            starts = set(decode(first[docnum]))
            for shift, place in middle:
                starts.intersection_update(map(shift, decode(place[docnum])))
            # the last word only has to meet one start: isdisjoint stops at the first
            if not starts.isdisjoint(map(last_shift, decode(last[docnum]))):
                found.append(docnum)
        result = dict.fromkeys(found, 0.0)
        for n, raw in enumerate(raws):
            docnums, weights, _ = postings[n]
            weight_of = dict(zip(docnums, weights, strict=True))
            scores = self.bm25(query.fieldname, raw, found, [weight_of[d] for d in found])
            for docnum, score in zip(found, scores, strict=True):
                result[docnum] += score
        return _boosted(result, query.boost)


def _among(scores: dict[int, float], within: list[int] | None) -> dict[int, float]:
    if within is None:
        return scores
    wanted = set(within)
    return {docnum: score for docnum, score in scores.items() if docnum in wanted}


def _boosted(scores: dict[int, float], boost: float) -> dict[int, float]:
    if boost == 1.0:
        return scores
    return {docnum: score * boost for docnum, score in scores.items()}


class _Lexicon:
    """The indexed words of every segment of one searcher, by length (`SegmentData`)."""

    def __init__(self, searcher, segment_data):
        self.parts = [(sub.reader(), segment_data(sub)) for sub, _ in searcher.leaf_searchers()]

    def words(self, fieldname: str, shortest: int, longest: int,
              prefix: str = "") -> list[str]:
        """The field's indexed words with a length in [shortest, longest] (and `prefix`),
        a word once per segment holding it. Each length's list is in lexicon order, so
        the words with a prefix are one slice of it."""
        found: list[str] = []
        for reader, data in self.parts:
            grouped = data.words_by_length(reader, fieldname)
            for length in range(max(1, shortest), longest + 1):
                group = grouped.get(length, ())
                if prefix and group:
                    start = bisect.bisect_left(group, prefix)
                    group = group[start:bisect.bisect_left(group, prefix + _LAST_CHAR, start)]
                found += group
        return found

    def longest(self, fieldname: str) -> int:
        """The length of the field's longest indexed word (0 for an empty field)."""
        return max((max(data.words_by_length(reader, fieldname), default=0)
                    for reader, data in self.parts), default=0)


class _Compiler:
    """Turns our query tree into a Whoosh query and the matching HitMatcher."""

    def __init__(self, searcher, cache: dict, lexicon: _Lexicon):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.cache = cache
        self.lexicon = lexicon
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
        if node.field == "tags":
            return self.tags(node, negated)
        fields = (node.field,) if node.field else DEFAULT_FIELDS
        marks = None if negated else self.marks_for(node.field)
        parts = [self.leaf(node, name, marks) for name in fields]
        return parts[0] if len(parts) == 1 else wq.Or(parts)

    def marks_for(self, field_name: str | None) -> HitMatcher | None:
        """Where a positive part's words are recorded for highlighting: the text's words
        (body and default fields), the notes' words (their passages become hits), or
        nowhere (title, author, source... are not in the text)."""
        if field_name in (None, "body"):
            return self.matcher
        if field_name == "notes":
            if self.matcher.notes is None:
                self.matcher.notes = HitMatcher()
            return self.matcher.notes
        return None

    def leaf(self, node: q.Node, name: str, marks: HitMatcher | None) -> wq.Query:
        if isinstance(node, q.Word):
            if name in KEYWORD_FIELDS:
                return wq.Term(name, node.text.strip().lower())
            tokens = words(node.text)
            if len(tokens) != 1:
                return self.phrase(name, tokens, marks)
            return self.word(name, tokens[0], marks)
        if isinstance(node, q.Phrase):
            if name in KEYWORD_FIELDS:
                return wq.Term(name, node.text.strip().lower())
            return self.phrase(name, words(node.text), marks)
        if isinstance(node, q.Prefix):
            text = fold(node.text.lower())
            if marks is not None:
                marks.prefixes.add(text)
            return wq.Prefix(name, text)
        if isinstance(node, q.Wildcard):
            pattern = fold(node.pattern.lower())
            if marks is not None:
                marks.patterns.append(_wildcard_regex(pattern))
            return wq.Wildcard(name, pattern)
        if isinstance(node, q.Fuzzy):
            text = fold(node.text.lower())
            forms = self.fuzzy_forms(name, text, node.distance)
            if marks is not None:
                marks.terms.update(forms)
                marks.terms.add(text)
            return _any_term(name, forms)
        raise QueryError(f"unsupported query part {node!r}")

    def tags(self, node: q.Node, negated: bool) -> wq.Query:
        """A `tag:` part as the indexed tag names it matches (see `tag_names`); their
        annotations become the document's hits unless the part is negated."""
        names = self.tag_names(node)
        if not negated:
            self.matcher.tags.update(names)
        if not names:  # nothing has that tag: a term no document holds
            return wq.Term("tags", _tag_path(getattr(node, "text", "")) or "\x00")
        return _any_term("tags", names)

    def tag_names(self, node: q.Node) -> list[str]:
        """The indexed tag names a `tag:` part matches, read from the field's small lexicon.

        The field holds each tag with its ancestors (`people/witnesses` is indexed as
        `people` and `people/witnesses`), so a name matches a tag and all below it. A name
        also matches from any level: `witnesses` finds `people/witnesses` and
        `x/witnesses`, `victims/*` the tags below any `victims`; `people/*` only the
        tags below `people`, not `people` itself; `witneses~` a level within an edit.
        """
        matches = _tag_level_matcher(node)
        return [name for name in self.tag_lexicon()
                if any(map(matches, _tag_levels(name)))]

    def tag_lexicon(self) -> list[str]:
        """Every indexed tag name (with ancestors): a few hundred at most, read once."""
        key = ("tag-lexicon",)
        if key not in self.cache:
            self.cache[key] = [raw.decode("utf-8") for raw in self.reader.lexicon("tags")]
        return self.cache[key]

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
        return parts[0] if len(parts) == 1 else wq.Or(parts)

    def word(self, name: str, word: str, marks: HitMatcher | None) -> wq.Query:
        forms = self.word_forms(name, word) if name in STEMMED_FIELDS else [word]
        if marks is not None:
            marks.terms.update(forms)
        return _any_term(name, forms)

    def phrase(self, name: str, tokens: list[str], marks: HitMatcher | None) -> wq.Query:
        if not tokens:
            return wq.NullQuery
        if marks is not None:
            if len(tokens) == 1:
                marks.terms.add(tokens[0])
            else:
                marks.phrases.add(tuple(tokens))
        if len(tokens) == 1:
            return wq.Term(name, tokens[0])
        return wq.Phrase(name, tokens)

    def fuzzy_forms(self, name: str, text: str, maxdist: int) -> list[str]:
        """Indexed words within `maxdist` edits of `text` that share its first letter.

        Whoosh's FuzzyTerm computes a pure-Python edit distance to every word with that
        first letter, once for the search and again for highlighting, at a cost growing
        with the word's length. Here only the words whose length allows the distance are
        compared (from the per-segment word lists, `_Lexicon`), in C (rapidfuzz, the same
        restricted Damerau-Levenshtein distance as Whoosh's), once; at most
        MAX_EXPANSION forms are kept, the closest first.
        """
        key = ("~", name, text, maxdist)
        if key not in self.cache:
            candidates = self.lexicon.words(name, len(text) - maxdist, len(text) + maxdist,
                                            prefix=text[:1])
            close = {(distance, word) for word, distance, _ in process.extract(
                text, candidates, scorer=OSA.distance, score_cutoff=maxdist, limit=None)
                if word != text}
            self.cache[key] = [text] + [word for _, word in sorted(close)[:MAX_EXPANSION - 1]]
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


def _any_term(name: str, texts: list[str]) -> wq.Query:
    """One term, or an Or of the terms (a single one stays a Term: the same scores)."""
    if len(texts) == 1:
        return wq.Term(name, texts[0])
    return wq.Or([wq.Term(name, text) for text in texts])


def _wildcard_regex(pattern: str) -> re.Pattern[str]:
    """A `*`/`?` pattern as a regex for `fullmatch`, linear in the word's length.

    The plain translation (`.*a.*a.*b`) backtracks: eight stars over a 60-letter tag or
    word took a minute. Here each piece between stars takes its first occurrence in an
    atomic group and never retries (the first occurrence is always the best one for a
    glob), as `fnmatch.translate` does; only the last piece is pinned to the end.
    """
    pieces = [re.escape(piece).replace(r"\?", ".") for piece in pattern.split("*")]
    if len(pieces) == 1:
        return re.compile("(?s)" + pieces[0])
    first, *middle, last = pieces
    return re.compile("(?s)" + first + "".join(f"(?>.*?{piece})" for piece in middle if piece)
                      + ".*" + last)


def _tag_path(text: str) -> str:
    """A tag name as the index holds it: 'People / Witnesses ' -> 'people/witnesses'."""
    parts = (" ".join(part.split()) for part in text.lower().split("/"))
    return "/".join(part for part in parts if part)


def _tag_level_matcher(node: q.Node) -> Callable[[str], bool]:
    """Whether one reading of an indexed tag name (`_tag_levels`) matches a `tag:` part."""
    if isinstance(node, q.Word | q.Phrase):
        return _tag_path(node.text).__eq__
    if isinstance(node, q.Prefix):
        slash = "/" if node.text.rstrip().endswith("/") else ""
        return methodcaller("startswith", _tag_path(node.text) + slash)
    if isinstance(node, q.Wildcard):
        return _wildcard_regex(node.pattern.lower()).fullmatch
    if isinstance(node, q.Fuzzy):
        text, most = _tag_path(node.text), node.distance
        return lambda level: OSA.distance(level, text, score_cutoff=most) <= most
    raise QueryError(f"unsupported query part {node!r}")


def _tag_levels(name: str) -> list[str]:
    """'a/b/c' -> ['a/b/c', 'b/c', 'c']: the name read from each of its levels.

    Only the last MAX_TAG_DEPTH levels are read apart: a tag stored before the limits
    existed may have thousands, and every reading of it would be a string as long."""
    parts = name.rsplit("/", MAX_TAG_DEPTH)
    levels = ["/".join(parts[n:]) for n in range(1, len(parts))]
    return [name, *levels]


class Searcher:
    """Searches one ArchiveIndex; keep one per thread (it holds a Whoosh searcher)."""

    def __init__(self, index: ArchiveIndex, set_evaluation: bool = True):
        self.index = index
        self.set_evaluation = set_evaluation
        """False: Whoosh's own collectors rank (the reference the tests compare with)."""
        self._cache: dict = {}
        self._generation = None
        self._segments = _shared_segments(index)
        self.passages: Callable[[str, HitMatcher], list[tuple[int, int]]] | None = None
        """Set by the library: the spans of a document's annotations whose tags or notes
        a query names (`HitMatcher.marks_annotation`), hits as its words are."""

    def _whoosh_searcher(self):
        searcher = self.index.searcher()
        generation = searcher.reader()  # a new reader object after every commit
        if generation is not self._generation:
            self._cache.clear()
            self._generation = generation
            current = _segment_keys(searcher)
            for key in list(self._segments):  # list(): other threads may add meanwhile
                if key not in current:
                    self._segments.pop(key, None)  # merged away
        return searcher

    def _segment_data(self, sub) -> SegmentData:
        key = _segment_key(sub.reader())
        data = self._segments.get(key)
        if data is None:
            data = self._segments.setdefault(key, SegmentData())
        return data

    def compile(self, text: str) -> tuple[wq.Query, HitMatcher, q.Node]:
        node = q.parse_query(text)
        searcher = self._whoosh_searcher()
        compiler = _Compiler(searcher, self._cache, _Lexicon(searcher, self._segment_data))
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
        if self.set_evaluation:
            total, ranked, matched = self._evaluate(compiled, searcher, sort, wanted)
        else:
            total, ranked, matched = self._collect(compiled, searcher, sort, wanted, facets)
        hits = [self._hit(searcher, docnum, score, matcher, snippets, sort == "relevance")
                for docnum, score in ranked[offset:offset + limit]]
        facet_counts = self._count_facets(searcher, matched) if facets else {}
        suggestion = self._suggest(text, node) if total < 3 else None
        elapsed = (time.perf_counter() - started) * 1000
        return SearchResults(text, total, hits, facet_counts, suggestion, elapsed, sort, offset)

    def _evaluate(self, compiled, searcher, sort: str, wanted: int):
        """Rank by set evaluation per segment (_SegmentEvaluator): (total, top
        (docnum, score) pairs, {segment offset: matched docnums in the segment})."""
        matched: dict[int, dict[int, float]] = {}
        for sub, offset in searcher.leaf_searchers():
            found = _SegmentEvaluator(searcher, sub, self._segment_data(sub)).scores(compiled)
            reader = sub.reader()
            if found and reader.has_deletions():
                found = {docnum: score for docnum, score in found.items()
                         if not reader.is_deleted(docnum)}
            if found:
                matched[offset] = found
        total = sum(map(len, matched.values()))
        if sort == "relevance":
            ranked = _top_scores(matched, wanted)
        else:  # Whoosh's SortingCollector: (key, docnum), reversed for newest
            column = "date_newest" if sort == "newest" else "date_oldest"
            keyed = []
            for sub, offset in searcher.leaf_searchers():
                if offset in matched:
                    keys = self._segment_data(sub).sort_keys(searcher, sub, offset, column)
                    keyed += [(keys[docnum], offset + docnum) for docnum in matched[offset]]
            pick = heapq.nlargest if sort == "newest" else heapq.nsmallest
            ranked = [(docnum, 0.0) for _, docnum in pick(wanted, keyed)]
        return total, ranked, {offset: found.keys() for offset, found in matched.items()}

    def _collect(self, compiled, searcher, sort: str, wanted: int, facets: bool):
        """Rank with Whoosh's collectors; the same answer as `_evaluate`, slower."""
        if sort == "relevance":
            # replace=0: Whoosh otherwise prunes union branches that cannot reach the
            # top `wanted` any more, and the documents only they match go uncounted
            collector = collectors.TopCollector(wanted, usequality=not facets,
                                                replace=0 if facets else 10)
        else:
            column = "date_newest" if sort == "newest" else "date_oldest"
            collector = collectors.SortingCollector(sorting.FieldFacet(column), limit=wanted,
                                                    reverse=sort == "newest")
        recorder = _DocRecorder(collector) if facets else collector
        searcher.search_with_collector(compiled, recorder)
        results = recorder.results()
        scored = sort == "relevance"  # a sorting collector's "score" is the sort key
        ranked = [(results.docnum(n), results.score(n) if scored else 0.0)
                  for n in range(min(wanted, results.scored_length()))]
        matched: dict[int, list[int]] = {}
        if facets:
            offsets = [offset for _, offset in searcher.leaf_searchers()]
            for docnum in recorder.docnums:
                offset = offsets[bisect.bisect_right(offsets, docnum) - 1]
                matched.setdefault(offset, []).append(docnum - offset)
        return len(results), ranked, matched

    def _count_facets(self, searcher, matched) -> dict[str, list[tuple[str, int]]]:
        """Facet values over every matched document, most frequent first."""
        counters: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
        for sub, offset in searcher.leaf_searchers():
            if offset not in matched:
                continue
            documents = set(matched[offset])
            for name, values in self._segment_data(sub).facets(sub.reader()).items():
                counter = counters[name]
                for value, holders in values:
                    count = len(holders & documents)
                    if count:
                        counter[value] += count
        return {name: sorted(counter.items(), key=lambda item: (-item[1], item[0]))
                for name, counter in counters.items()}

    def _hit(self, searcher, docnum: int, score: float, matcher: HitMatcher,
             with_snippets: bool, scored: bool) -> Hit:
        stored = searcher.stored_fields(docnum)
        hit = Hit(key=stored["key"], path=stored.get("path", ""),
                  title=stored.get("title", ""), author=stored.get("author", ""),
                  source=stored.get("source", ""), date=stored.get("date", ""),
                  url=stored.get("url", ""), format=stored.get("format", ""),
                  lang=stored.get("lang", ""),
                  score=round(float(score), 4) if scored else 0.0,
                  place=stored.get("place", ""), parent=stored.get("parent", ""),
                  ocr=stored.get("ocr") == "yes", sender=stored.get("mail_from", ""))
        hit.available = os.path.exists(hit.path) or (  # a non-UTF-8 name is shown with
            "\ufffd" in hit.path and self._exact_path_exists(hit.key))  # U+FFFD
        if with_snippets:
            text = self.index.reader_catalog().text(hit.key)
            if text is not None:
                spans = self._with_passages(hit.key, matcher, leading_spans(matcher, text[0]))
                hit.snippets = make_snippets(text[0], spans, page_starts=text[1])
        return hit

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
        searcher = self._whoosh_searcher()
        reader = searcher.reader()
        lexicon = _Lexicon(searcher, self._segment_data)
        longest = lexicon.longest("body")
        suggestion, unknown = text, 0
        for leaf in _positive_words(node):
            word = fold(leaf.text.lower())
            if (not word.isalpha() or len(word) > longest + 2
                    or reader.doc_frequency("body", word) > 0):
                continue
            unknown += 1
            if unknown > MAX_SUGGESTED_WORDS:
                break
            found = _closest_word(lexicon, reader, word)
            if found is not None:
                suggestion = re.sub(re.escape(leaf.text), found, suggestion, count=1)
        return suggestion if suggestion != text else None

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


def _closest_word(lexicon: _Lexicon, reader, word: str) -> str | None:
    """The indexed body word within two edits of `word` (restricted Damerau-Levenshtein,
    as Whoosh's corrector): the closest, then the most frequent, then the first."""
    candidates = lexicon.words("body", len(word) - 2, len(word) + 2)
    close = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=2,
                            limit=None)
    close = [(distance, -reader.frequency("body", found), found)
             for found, distance, _ in close if found != word]
    return min(close)[2] if close else None


def _top_scores(matched: dict[int, dict[int, float]], wanted: int) -> list[tuple[int, float]]:
    """The `wanted` best (docnum, score) pairs in Whoosh's order: higher score first, then
    lower docnum. The cut-off score comes from the bare floats (compared in C); only the
    documents at or above it are paired and sorted."""
    every_score = chain.from_iterable(found.values() for found in matched.values())
    best = heapq.nlargest(wanted, every_score)
    if not best:
        return []
    cutoff = best[-1]
    pairs = [(offset + docnum, score) for offset, found in matched.items()
             for docnum, score in found.items() if score >= cutoff]
    pairs.sort(key=lambda pair: (-pair[1], pair[0]))
    return pairs[:wanted]


def _segment_key(reader) -> str:
    """A segment's id: its content never changes, only which documents are deleted."""
    segment = reader.segment()
    return segment.segment_id() if segment is not None else f"reader-{id(reader)}"


def _segment_keys(searcher) -> set[str]:
    return {_segment_key(sub.reader()) for sub, _ in searcher.leaf_searchers()}


def _positive_words(node: q.Node) -> list[q.Word]:
    if isinstance(node, q.Word) and node.field in (None, "body", "title"):
        return [node]
    if isinstance(node, q.And | q.Or):
        return [w for item in node.items for w in _positive_words(item)]
    return []
