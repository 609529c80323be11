"""Ranking a compiled query over every segment: totals, the top, facets, stored fields.

`QueryRunner` is one thread's evaluator over one Whoosh searcher (Whoosh: one searcher
per thread). Set evaluation (evaluate.py) answers segment by segment; every match is
counted (exact totals and facets), then the top of the list is taken, in Whoosh's order
(higher score, then lower docnum; for date sorts, Whoosh's SortingCollector order).
The reference path (`reference=True`) ranks with Whoosh's own collectors and matchers
over the same postings: the tests' yardstick, much slower at 100,000 documents.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from collections import Counter
from functools import lru_cache
from math import log

import numpy as np
from whoosh import collectors, sorting
from whoosh import query as wq

from archive_app.core.engine.codec import segment_postings
from archive_app.core.engine.compile import Compiler, Lexicon, leaves
from archive_app.core.engine.evaluate import SegmentData, SegmentEvaluator
from archive_app.core.search import query as q

FACETS = {"source": "source_facet", "year": "year", "format": "format", "tag": "tags",
          "sender": "sender_facet", "entity": "entity", "email": "email", "phone": "phone",
          "link": "link", "iban": "iban", "mentioned": "mentioned"}

UNDATED_SORT_KEY = b"9999"
"""What an undated document holds in `date_oldest` (indexing/model.index_fields)."""

Matched = dict[int, np.ndarray]
"""Segment offset -> the segment's matched docnums (sorted)."""

MAX_CACHED = 50_000
"""Entries a runner keeps per generation (each term's postings views, idf, expansions)."""

_SHARED_SEGMENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""Engine -> {segment id: SegmentData}, shared by the engine's per-thread runners."""
_SHARED_LOCK = threading.Lock()


def shared_segments(owner) -> dict[str, SegmentData]:
    with _SHARED_LOCK:
        return _SHARED_SEGMENTS.setdefault(owner, {})


class _DocRecorder(collectors.WrappingCollector):
    """Passes every match to the ranking collector and remembers its global docnum."""

    def __init__(self, child):
        super().__init__(child)
        self.docnums: list[int] = []

    def collect(self, sub_docnum):
        self.docnums.append(self.child.offset + sub_docnum)
        return self.child.collect(sub_docnum)


class QueryRunner:
    """Compiles and ranks queries for one thread (module docstring)."""

    def __init__(self, searcher, segments: dict[str, SegmentData]):
        self.searcher = searcher
        self.segments = segments
        self.cache: dict = {}
        """Per generation: word expansions, tag names, deletion masks, global sort ranks."""
        self._leaves = leaves(searcher)
        current = {_segment_key(sub.reader()) for sub, _ in self._leaves}
        for key in list(segments):  # list(): other threads may add meanwhile
            if key not in current:
                segments.pop(key, None)  # merged away

    def segment_data(self, sub) -> SegmentData:
        key = _segment_key(sub.reader())
        data = self.segments.get(key)
        if data is None:
            data = self.segments.setdefault(key, SegmentData())
        return data

    def term_postings(self, fieldname: str, raw: bytes) -> list:
        """The term's postings in every segment, looked up once per generation."""
        key = ("postings", fieldname, raw)
        found = self.cache.get(key)
        if found is None:
            if len(self.cache) > MAX_CACHED:
                self.cache.clear()
            found = self.cache[key] = [segment_postings(sub.reader()).arrays(fieldname, raw)
                                       for sub, _ in self._leaves]
        return found

    def idf(self, fieldname: str, raw: bytes) -> float:
        """Whoosh's idf (scoring.WeightingModel.idf): log(documents / (df + 1)) + 1, with
        df counted from the postings already at hand (deleted documents included, as
        Whoosh's term table counts them)."""
        key = ("idf", fieldname, raw)
        if key not in self.cache:
            frequency = sum(len(found.ids) for found in self.term_postings(fieldname, raw))
            self.cache[key] = log(self.searcher.doc_count_all() / (frequency + 1)) + 1
        return self.cache[key]

    def length_norm(self, fieldname: str, evaluator) -> tuple[float, float, float]:
        key = ("norm", fieldname)
        if key not in self.cache:
            self.cache[key] = evaluator.length_norm_now(fieldname)
        return self.cache[key]

    def lexicon(self) -> Lexicon:
        return Lexicon(self.searcher, self.segment_data)

    def compile(self, node: q.Node, quiet: tuple[q.Node, ...] = ()):
        """(the compiled query, its HitMatcher). `quiet` parts narrow the answer
        without being marked (search within earlier results: the earlier query's words
        are not the new query's hits)."""
        compiler = Compiler(self.searcher, self.cache, self.lexicon())
        compiled = compiler.compile(node)
        if quiet:
            lexicon = compiler.lexicon
            narrowing = [Compiler(self.searcher, self.cache, lexicon).compile(part)
                         for part in quiet]
            compiled = wq.And([compiled, *narrowing])
        return compiled, compiler.matcher

    def rank(self, compiled, sort: str, wanted: int, reference: bool = False,
             facets: bool = True, copies: bool = False
             ) -> tuple[int, list[tuple[int, float]], Matched]:
        """(total, the `wanted` best (docnum, score) pairs, the matched docnums).

        Exact copies (documents with the same text, the `content` column) are one
        result, the best-ranked of them, and are counted once in the total, the facets
        and the timeline; `copies=True` ranks each copy on its own."""
        if reference:
            return self._collect(compiled, sort, wanted, facets, copies)
        return self._evaluate(compiled, sort, wanted, copies)

    def _evaluate(self, compiled, sort: str, wanted: int, copies: bool = False):
        matched: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for number, (sub, offset) in enumerate(self._leaves):
            ids, scores = SegmentEvaluator(self.searcher, sub, self.segment_data(sub),
                                           self, number).scores(compiled)
            if len(ids):
                deleted = self._deleted(sub)
                if deleted is not None:
                    keep = ~deleted[ids]
                    ids, scores = ids[keep], scores[keep]
            if len(ids):
                matched[offset] = (ids, scores)
        if not copies:
            matched = self._one_of_each_text(matched, sort)
        total = sum(len(ids) for ids, _ in matched.values())
        if sort == "relevance":
            ranked = _top_scores(matched, wanted)
        else:
            ranked = self._top_by_date(matched, sort, wanted)
        return total, ranked, {offset: ids for offset, (ids, _) in matched.items()}

    def content_groups(self) -> dict[int, np.ndarray] | None:
        """Segment offset -> docnum -> its group of exact copies (> 0; copies share it)
        or 0 (a text no other live document has, or no text); None when the index holds
        no copies at all, so a search pays nothing for them. Once per generation, from
        the `content` column's global ranks (rank 0 is the empty value)."""
        key = ("content-groups",)
        if key not in self.cache:
            ranks = self._global_ranks("content")
            sizes = np.zeros(len(self.cache[("rank-values", "content")]), np.int64)
            for sub, offset in self._leaves:
                local = ranks[offset]
                deleted = self._deleted(sub)
                sizes += np.bincount(local if deleted is None else local[~deleted],
                                     minlength=len(sizes))
            sizes[0] = 0
            shared = sizes > 1
            self.cache[key] = ({offset: np.where(shared[local], local, 0)
                                for offset, local in ranks.items()}
                               if shared.any() else None)
        return self.cache[key]

    def _one_of_each_text(self, matched: dict[int, tuple[np.ndarray, np.ndarray]],
                          sort: str) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """The matches with each group of copies cut to the copy the ranking shows
        first (relevance: the higher score, then the lower docnum; a date sort: its
        date order, `_top_by_date`). Only the documents that have copies are sorted;
        the others pass as they are."""
        groups = self.content_groups()
        if groups is None or not matched:
            return matched
        found = [(offset, ids, scores, groups[offset][ids])
                 for offset, (ids, scores) in matched.items()]
        copied = [(ids[group > 0] + offset, scores[group > 0], group[group > 0])
                  for offset, ids, scores, group in found]
        docnums = np.concatenate([docnums for docnums, _, _ in copied])
        if not len(docnums):
            return matched
        scores = np.concatenate([scores for _, scores, _ in copied])
        group = np.concatenate([group for _, _, group in copied])
        if sort == "relevance":
            order = np.lexsort((docnums, -scores, group))
        else:
            column = "date_newest" if sort == "newest" else "date_oldest"
            ranks = self._global_ranks(column)
            dates = np.concatenate([ranks[offset][ids[groups[offset][ids] > 0]]
                                    for offset, ids, _, _ in found])
            order = (np.lexsort((-docnums, -dates, group)) if sort == "newest"
                     else np.lexsort((docnums, dates, group)))
        ordered = group[order]
        first = np.ones(len(order), bool)
        first[1:] = ordered[1:] != ordered[:-1]
        chosen = np.sort(docnums[order][first])
        kept = {}
        for offset, ids, scores, group in found:
            keep = (group == 0) | np.isin(ids + offset, chosen, assume_unique=True)
            if keep.any():
                kept[offset] = (ids[keep], scores[keep])
        return kept

    def copy_counts(self, docnums: list[int]) -> list[int]:
        """How many live documents share each docnum's text (1: none but itself)."""
        groups = self.content_groups()
        if groups is None:
            return [1] * len(docnums)
        key = ("group-sizes",)
        if key not in self.cache:
            every = np.concatenate(list(groups.values())) if groups else np.zeros(0, np.int64)
            live = np.concatenate([
                np.ones(len(groups[offset]), bool) if self._deleted(sub) is None
                else ~self._deleted(sub) for sub, offset in self._leaves])
            self.cache[key] = np.bincount(every[live])
        sizes = self.cache[key]
        offsets = [offset for _, offset in self._leaves]
        counts = []
        for docnum in docnums:
            offset = offsets[bisect.bisect_right(offsets, docnum) - 1]
            group = int(groups[offset][docnum - offset])
            counts.append(int(sizes[group]) if group else 1)
        return counts

    def matching_keys(self, compiled) -> set[str]:
        """The key of every document matching a compiled query (a browse filter): its
        matched docnums of each segment, through the segment's docnum -> key array.
        Every copy is named (a filter keeps each file)."""
        matched = self._evaluate(compiled, "relevance", 1, copies=True)[2]
        found: set[str] = set()
        for sub, offset in self._leaves:
            ids = matched.get(offset)
            if ids is not None and len(ids):
                found.update(self.segment_data(sub).keys(sub.reader())[ids].tolist())
        found.discard("")
        return found

    def _deleted(self, sub) -> np.ndarray | None:
        """docnum -> deleted, for a segment with deletions (kept per generation)."""
        reader = sub.reader()
        if not reader.has_deletions():
            return None
        key = ("deleted", _segment_key(reader))
        if key not in self.cache:
            mask = np.zeros(reader.doc_count_all(), bool)
            mask[np.fromiter(reader.segment().deleted_docs(), np.int64)] = True
            self.cache[key] = mask
        return self.cache[key]

    def _top_by_date(self, matched, sort: str, wanted: int) -> list[tuple[int, float]]:
        """Whoosh's SortingCollector order: by (key, docnum), reversed for newest."""
        column = "date_newest" if sort == "newest" else "date_oldest"
        ranks = self._global_ranks(column)
        keys, docnums = [], []
        for offset in sorted(matched):
            if offset in matched:
                ids = matched[offset][0]
                keys.append(ranks[offset][ids])
                docnums.append(ids + offset)
        if not keys:
            return []
        keys, docnums = np.concatenate(keys), np.concatenate(docnums)
        order = np.lexsort((docnums, keys))
        chosen = order[-wanted:][::-1] if sort == "newest" else order[:wanted]
        return [(int(docnum), 0.0) for docnum in docnums[chosen]]

    def _global_ranks(self, column: str) -> dict[int, np.ndarray]:
        """Segment offset -> docnum -> the rank of its sort key among every segment's
        keys (so keys compare as integers); built once per generation, in numpy: the
        union of the segments' distinct keys (np.unique sorts bytes as bytes compare)
        and each segment's keys placed in it by a binary search."""
        key = ("ranks", column)
        if key not in self.cache:
            parts = [(offset, self.segment_data(sub).sort_keys(sub.reader(), column))
                     for sub, offset in self._leaves]
            every = np.unique(np.concatenate([distinct for _, (distinct, _) in parts]
                                             + [np.array([b""], np.bytes_)]))
            self.cache[("rank-values", column)] = every
            self.cache[key] = {offset: np.searchsorted(every, distinct).astype(np.int32)[local]
                               for offset, (distinct, local) in parts}
        return self.cache[key]

    def _collect(self, compiled, sort: str, wanted: int, facets: bool,
                 copies: bool = False):
        """Rank with Whoosh's collectors; the same answer as `_evaluate`, slower. Copies
        are cut after collecting every match in order (`_cut_copies`)."""
        if not copies and self.content_groups() is not None:
            _, ranked, matched = self._collect(compiled, sort, self.searcher.doc_count_all(),
                                               True, copies=True)
            return self._cut_copies(ranked, matched, wanted)
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
        self.searcher.search_with_collector(compiled, recorder)
        results = recorder.results()
        scored = sort == "relevance"  # a sorting collector's "score" is the sort key
        ranked = [(results.docnum(n), results.score(n) if scored else 0.0)
                  for n in range(min(wanted, results.scored_length()))]
        matched: dict[int, list[int]] = {}
        if facets:
            offsets = [offset for _, offset in self._leaves]
            for docnum in recorder.docnums:
                offset = offsets[bisect.bisect_right(offsets, docnum) - 1]
                matched.setdefault(offset, []).append(docnum - offset)
        return len(results), ranked, {offset: np.array(sorted(ids), np.int64)
                                      for offset, ids in matched.items()}

    def _cut_copies(self, ranked, matched, wanted: int):
        """The reference path's cut of copies: `ranked` holds every match in order, and
        the first of each group stays (the rule `_one_of_each_text` follows)."""
        groups = self.content_groups()
        offsets = [offset for _, offset in self._leaves]
        seen: set[int] = set()
        kept_ranked = []
        for docnum, score in ranked:
            offset = offsets[bisect.bisect_right(offsets, docnum) - 1]
            group = int(groups[offset][docnum - offset])
            if group and group in seen:
                continue
            seen.add(group)
            kept_ranked.append((docnum, score))
        chosen = np.array(sorted(docnum for docnum, _ in kept_ranked), np.int64)
        kept = {}
        for offset, ids in matched.items():
            keep = ids[np.isin(ids + offset, chosen)]
            if len(keep):
                kept[offset] = keep
        return len(kept_ranked), kept_ranked[:wanted], kept

    def facet_counts(self, matched: Matched) -> dict[str, list[tuple[str, int]]]:
        """Facet values over every matched document, most frequent first."""
        counters: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
        for sub, offset in self._leaves:
            if offset not in matched or not len(matched[offset]):
                continue
            reader = sub.reader()
            chosen = np.zeros(reader.doc_count_all(), bool)
            chosen[matched[offset]] = True
            for name, (values, docs, which) in self.segment_data(sub).facets(
                    reader, FACETS).items():
                if not values:
                    continue
                counts = np.bincount(which[chosen[docs]], minlength=len(values))
                counter = counters[name]
                for n in np.flatnonzero(counts).tolist():
                    counter[values[n]] += int(counts[n])
        return {name: sorted(counter.items(), key=lambda item: (-item[1], item[0]))
                for name, counter in counters.items()}

    def date_counts(self, matched: Matched) -> tuple[tuple[str, ...], np.ndarray]:
        """Matched documents per date as indexed: (every distinct date of the index in
        order, '2013', '2013-09', '2013-09-01', '' for the undated; the matches of each).

        One bincount per segment over the `date_oldest` column's global ranks, which the
        date sorts keep already (`_global_ranks`, once per generation), so a timeline
        costs no pass over documents, no stored field and no Python per date: the
        distinct dates (a few thousand at most) are the same tuple for every query of
        a generation, and the timeline reads them once (core/search/timeline.py)."""
        ranks = self._global_ranks("date_oldest")
        every = self.cache[("rank-values", "date_oldest")]
        dates = _dates_of(every.tobytes(), every.dtype.itemsize)
        counts = np.zeros(len(dates), np.int64)
        for _sub, offset in self._leaves:
            ids = matched.get(offset)
            if ids is not None and len(ids):
                counts += np.bincount(ranks[offset][ids], minlength=len(dates))
        return dates, counts

    def cooccurrence(self, matched: Matched, facet: str, most: int
                     ) -> tuple[list[tuple[str, int]], dict[tuple[str, str], int]]:
        """(the facet's `most` commonest values among the matched documents with their
        counts, {(value, value): documents holding both}) from the facet's (document,
        value) pairs: no stored field is read."""
        counts = dict(self.facet_counts(matched).get(facet, [])[:most])
        together: Counter[tuple[str, str]] = Counter()
        for sub, offset in self._leaves:
            if offset not in matched or not len(matched[offset]):
                continue
            reader = sub.reader()
            values, docs, which = self.segment_data(sub).facets(reader, FACETS)[facet]
            if not values:
                continue
            chosen = np.zeros(reader.doc_count_all(), bool)
            chosen[matched[offset]] = True
            keep = chosen[docs]
            wanted = np.array([value in counts for value in values], bool)
            keep &= wanted[which]
            pair_docs, pair_values = docs[keep], which[keep]
            order = np.argsort(pair_docs, kind="stable")
            pair_docs, pair_values = pair_docs[order], pair_values[order]
            edges = np.flatnonzero(np.diff(pair_docs)) + 1
            for group in np.split(pair_values, edges):
                names = sorted(values[n] for n in group.tolist())
                for i, first in enumerate(names):
                    for second in names[i + 1:]:
                        together[(first, second)] += 1
        return sorted(counts.items(), key=lambda item: (-item[1], item[0])), dict(together)

    def stored_fields(self, docnum: int) -> dict:
        return self.searcher.stored_fields(docnum)

    def doc_frequency(self, fieldname: str, word: str) -> int:
        return self.searcher.reader().doc_frequency(fieldname, word)

    def frequency(self, fieldname: str, word: str) -> float:
        return self.searcher.reader().frequency(fieldname, word)


def _top_scores(matched: dict[int, tuple[np.ndarray, np.ndarray]], wanted: int
                ) -> list[tuple[int, float]]:
    """The `wanted` best (docnum, score) pairs in Whoosh's order: higher score first, then
    lower docnum. Every document scoring at least the `wanted`-th best is kept, so ties
    at the cut-off are decided by docnum as Whoosh decides them."""
    if not matched:
        return []
    scores = np.concatenate([scores for _, scores in matched.values()])
    docnums = np.concatenate([ids + offset for offset, (ids, _) in matched.items()])
    if len(scores) > wanted:
        cutoff = np.partition(scores, len(scores) - wanted)[len(scores) - wanted]
        keep = scores >= cutoff
        scores, docnums = scores[keep], docnums[keep]
    order = np.lexsort((docnums, -scores))[:wanted]
    return list(zip(docnums[order].tolist(), scores[order].tolist(), strict=True))


@lru_cache(maxsize=4)
def _dates_of(blob: bytes, width: int) -> tuple[str, ...]:
    """The index's distinct dates as text ('' for the undated), from the sorted bytes
    array of `date_oldest` keys: the same tuple, not a new one, for each generation
    with the same dates (a commit that brings no new date), so what the timeline
    reads from it once (`timeline._read_dates`) stays read."""
    return tuple("" if value in (b"", UNDATED_SORT_KEY) else value.decode("utf-8", "replace")
                 for value in np.frombuffer(blob, dtype=f"S{width}").tolist())


def _segment_key(reader) -> str:
    """A segment's id: its content never changes, only which documents are deleted."""
    segment = reader.segment()
    return segment.segment_id() if segment is not None else f"reader-{id(reader)}"
