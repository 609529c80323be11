"""A compiled query's answer in one segment, as numpy arrays: set evaluation.

Whoosh's collector walks a tree of matchers with several Python calls per posting and
per level of the tree. Here a term's postings are the arrays codec.py maps from the
segment file, scored with BM25F in one vectorised expression over cached length norms;
Or, And, Not and exact phrases are array operations. An answer is a pair of arrays:
sorted docnums and their scores. An And evaluates its smallest part first and reads the
others only where that part matched (`within`).

Scores are Whoosh's (BM25F for scorable fields, the weight for the others; sums of the
parts; 1.0 for each Not inside an And) up to the order of floating-point additions;
tests compare both paths (`Searcher(set_evaluation=False)` is Whoosh's own). Query
types without a rule here (a boosted term, a constant-score multi-term) are answered by
draining Whoosh's own matcher over the same postings.
"""

from __future__ import annotations

import numpy as np
from whoosh import query as wq

from archive_app.core.engine.codec import (
    POSITION_KINDS,
    SegmentLexicon,
    column_ranks,
    field_lengths,
    segment_postings,
)
from archive_app.core.engine.proximity import ProximityQuery, near_documents

Answer = tuple[np.ndarray, np.ndarray]
"""(docnums ascending as int64, scores as float64) of one segment."""
_NO_IDS = np.zeros(0, np.int64)
NOTHING: Answer = (_NO_IDS, np.zeros(0))


class SegmentData:
    """What the evaluator keeps about one segment: length norms, sort keys, facet pairs.

    Kept per segment id and shared by every thread's searcher of an index (the arrays
    are only read once built; each thread builds with its own reader), so a commit that
    adds a small segment leaves the big ones' data in place, a new worker thread does
    not build it again, and what is built grows with the segment, never with the index.
    """

    def __init__(self):
        self._norms: dict[str, tuple[tuple, np.ndarray]] = {}
        self._sort_keys: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._facets: dict[str, tuple[list[str], np.ndarray, np.ndarray]] | None = None
        self._lexicon: SegmentLexicon | None = None
        self._keys: np.ndarray | None = None

    def norms(self, reader, fieldname: str, parameters: tuple[float, float, float]
              ) -> np.ndarray:
        """docnum -> BM25F's length term `k1 * ((1 - b) + b * length / average)`, the part
        of a posting's score that depends on the document; the average changes with
        every commit, so the array is kept for the parameters it was made with."""
        kept = self._norms.get(fieldname)
        if kept is None or kept[0] != parameters:
            k1, b, average = parameters
            lengths = field_lengths(reader, fieldname).astype(np.float64)
            kept = (parameters, k1 * ((1 - b) + b * lengths / average))
            self._norms[fieldname] = kept
        return kept[1]

    def sort_keys(self, reader, column: str) -> tuple[np.ndarray, np.ndarray]:
        """(the segment's distinct sort keys in order, as a bytes array, docnum -> index
        into them): the column values Whoosh's SortingCollector sorts this column's
        documents by (a bytes array sorts as bytes compare; none ends in a NUL)."""
        if column not in self._sort_keys:
            distinct, ranks = column_ranks(reader, column)
            self._sort_keys[column] = (np.array(distinct, dtype=np.bytes_), ranks)
        return self._sort_keys[column]

    def lexicon(self, reader) -> SegmentLexicon:
        """The segment's sorted words of each text field (read in place, codec.py)."""
        if self._lexicon is None:
            self._lexicon = segment_postings(reader).lexicon.with_reader(reader)
        return self._lexicon

    def keys(self, reader) -> np.ndarray:
        """docnum -> the document's key (an object array; '' for a docnum no key term
        names, a deleted one): read once from the `key` field's postings, so a browse
        filter maps its matched docnums to keys without unpickling stored fields."""
        if self._keys is None:
            terms = segment_postings(reader)
            keys = np.full(reader.doc_count_all(), "", dtype=object)
            for raw, offset in terms.offsets("key"):  # in term order: no lookups
                keys[terms.at(offset).ids] = raw.decode("utf-8")
            self._keys = keys
        return self._keys

    def facets(self, reader, columns: dict[str, str]
               ) -> dict[str, tuple[list[str], np.ndarray, np.ndarray]]:
        """Facet name -> (its values, docnums, value index per docnum): every
        (document, value) pair of the facet's column, read from its postings once.

        A facet count is then one bincount over the pairs whose document matched."""
        if self._facets is None:
            terms = segment_postings(reader)
            facets = {}
            for name, column in columns.items():
                values, docs, which = [], [], []
                for raw in reader.lexicon(column):
                    ids = terms.arrays(column, raw).ids
                    which.append(np.full(len(ids), len(values), np.int32))
                    docs.append(ids)  # a view of the mapped postings
                    values.append(raw.decode("utf-8"))
                facets[name] = (values, np.concatenate(docs) if docs else _NO_IDS,
                                np.concatenate(which) if which else _NO_IDS)
                # int32 / uint32 pairs: 8 bytes a (document, value), 40 MB for five
                # facets at a million documents
            self._facets = facets
        return self._facets


class SegmentEvaluator:
    """One segment's answer to a compiled query (module docstring)."""

    def __init__(self, searcher, sub, data: SegmentData, runner=None, number: int = 0):
        self.searcher = searcher
        self.sub = sub
        self.reader = sub.reader()
        self.terms = segment_postings(self.reader)
        self.data = data
        self.weighting = searcher.weighting
        self.runner = runner
        """The QueryRunner, when there is one: it keeps each term's postings of every
        segment and its idf for the generation (one term lookup per segment)."""
        self.number = number

    def arrays(self, fieldname: str, raw: bytes):
        if self.runner is None:
            return self.terms.arrays(fieldname, raw)
        return self.runner.term_postings(fieldname, raw)[self.number]

    def scores(self, query, within: np.ndarray | None = None) -> Answer:
        """The documents matching `query` (among `within`, sorted, if given)."""
        kind = type(query)
        if kind is wq.Term:
            return self.term(query, within)
        if kind is wq.Or:
            return self.union(query, within)
        if kind is wq.And:
            return self.intersection(query, within)
        if kind is wq.Phrase and query.slop == 1:
            return self.phrase(query, within)
        if kind is wq.Not:
            return self.intersection(wq.And([query], boost=query.boost), within)
        if kind is ProximityQuery:
            return self.proximity(query, within)
        if kind in (wq.Prefix, wq.Wildcard, wq.TermRange) and not query.constantscore:
            return self.terms_of(query, within)
        if query is wq.NullQuery or kind is wq.NullQuery.__class__:
            return NOTHING
        return self.drain(query, within)

    def drain(self, query, within: np.ndarray | None) -> Answer:
        """Whoosh's own matcher, for query types without a rule here."""
        matcher = query.matcher(self.sub, self.searcher.context())
        ids, scores = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
        answer = (np.array(ids, np.int64), np.array(scores, np.float64))
        return _among(answer, within)

    def term(self, query: wq.Term, within: np.ndarray | None) -> Answer:
        schema = self.searcher.schema
        if query.fieldname not in schema:
            return NOTHING
        field = schema[query.fieldname]
        try:
            raw = field.to_bytes(query.text)
        except ValueError:
            return NOTHING
        if query.boost != 1.0 or query.minquality:
            return self.drain(query, within)
        return self.raw_term(query.fieldname, field, raw, within)

    def raw_term(self, fieldname: str, field, raw: bytes, within: np.ndarray | None
                 ) -> Answer:
        postings = self.arrays(fieldname, raw)
        ids, weights = postings.ids, postings.weights
        if within is not None and len(ids):
            chosen = _positions_of(ids, within)
            ids, weights = ids[chosen], weights[chosen]
        if not len(ids):
            return NOTHING
        ids = ids.astype(np.int64)
        if not field.scorable:  # Whoosh's WeightScorer
            return ids, weights.astype(np.float64)
        return ids, self.bm25(fieldname, raw, ids, weights)

    def bm25(self, fieldname: str, raw: bytes, ids: np.ndarray, weights: np.ndarray
             ) -> np.ndarray:
        """Whoosh's BM25F score of each posting (scoring.bm25, the same operations)."""
        idf = (self.runner.idf(fieldname, raw) if self.runner is not None
               else self.searcher.idf(fieldname, raw))
        k1 = self.weighting.K1
        norms = self.data.norms(self.reader, fieldname, self.length_norm(fieldname))
        tf = weights.astype(np.float64)
        return idf * ((tf * (k1 + 1)) / (tf + norms[ids]))

    def length_norm(self, fieldname: str) -> tuple[float, float, float]:
        """BM25F's (k1, b, average length) of a field, as Whoosh's scorer takes them."""
        if self.runner is not None:
            return self.runner.length_norm(fieldname, self)
        return self.length_norm_now(fieldname)

    def length_norm_now(self, fieldname: str) -> tuple[float, float, float]:
        average = self.searcher.avg_field_length(fieldname) or 1
        b = self.weighting._field_B.get(fieldname, self.weighting.B)
        return self.weighting.K1, b, average

    def union(self, query, within: np.ndarray | None) -> Answer:
        parts = [found for found in (self.scores(part, within) for part in query.subqueries)
                 if len(found[0])]
        return _boosted(_summed(parts), query.boost)

    def terms_of(self, query, within: np.ndarray | None) -> Answer:
        """A prefix, wildcard or term range: the union of its terms in this segment,
        scored as an Or of its terms (one rule whatever the segment's size)."""
        schema = self.searcher.schema
        if query.fieldname not in schema:
            return NOTHING
        field = schema[query.fieldname]
        parts = [found for found in (self.raw_term(query.fieldname, field, raw, within)
                                     for raw in self.expanded(query)) if len(found[0])]
        return _boosted(_summed(parts), query.boost)

    def expanded(self, query) -> list[bytes]:
        """The segment's terms a multi-term query matches (a prefix by bisection of the
        segment's cached lexicon; the others through Whoosh's own expansion)."""
        if type(query) is wq.Prefix and query.text:
            return [word.encode("utf-8") for word in
                    self.data.lexicon(self.reader).words(query.fieldname, query.text)]
        return [raw for raw in query._btexts(self.reader) if raw]  # as MultiTerm.matcher

    def intersection(self, query: wq.And, within: np.ndarray | None) -> Answer:
        parts = query.subqueries
        if len(parts) < 2 and not (parts and isinstance(parts[0], wq.Not)):
            return self.scores(parts[0], within) if parts else NOTHING
        positive = [part for part in parts if not isinstance(part, wq.Not)]
        negative = [part.query for part in parts if isinstance(part, wq.Not)]
        if positive:
            positive.sort(key=self.size)
            ids, scores = self.scores(positive[0], within)
        else:  # only Nots: every document (of `within`) is a candidate
            ids = (within.astype(np.int64) if within is not None
                   else np.arange(self.reader.doc_count_all(), dtype=np.int64))
            scores = np.zeros(len(ids))
        for part in positive[1:] if positive else ():
            if not len(ids):
                return NOTHING
            other_ids, other_scores = self.scores(part, ids)
            ids, mine, theirs = np.intersect1d(ids, other_ids, assume_unique=True,
                                               return_indices=True)
            scores = scores[mine] + other_scores[theirs]
        if negative and len(ids):
            excluded = [self.scores(part, ids)[0] for part in negative]
            keep = ~np.isin(ids, np.concatenate(excluded), assume_unique=False)
            # Whoosh's InverseMatcher scores 1.0 for each Not
            ids, scores = ids[keep], scores[keep] + float(len(negative))
        return _boosted((ids, scores), query.boost)

    def size(self, query) -> int:
        """Whoosh's estimate of how many documents a part matches (its smallest first)."""
        try:
            return query.estimate_size(self.reader)
        except (NotImplementedError, AttributeError):
            return self.reader.doc_count_all()

    def phrase(self, query: wq.Phrase, within: np.ndarray | None) -> Answer:
        """Documents holding the words at consecutive positions; the words' scores summed.

        Positions are segment-wide and sorted per term (codec.py), so the places where
        the phrase could start are the rarest word's positions minus its place in the
        phrase, and each other word keeps those it is found at (a binary search of its
        positions, in place in the mapped file); no position array is copied."""
        field = self.searcher.schema[query.fieldname]
        raws = [field.to_bytes(word) for word in query.words]
        if len(raws) < 2:
            return self.drain(query, within)
        postings = [self.arrays(query.fieldname, raw) for raw in raws]
        if any(not len(p.ids) for p in postings):
            return NOTHING
        bases = self.data.lexicon(self.reader).bases(query.fieldname)
        if bases is None or any(p.kind not in POSITION_KINDS for p in postings):
            return self.drain(query, within)
        order = sorted(range(len(raws)), key=lambda n: len(postings[n].positions))
        rarest = order[0]
        starts = postings[rarest].positions.astype(np.int64) - rarest
        if within is not None:
            starts = starts[np.isin(_documents(bases, starts), within)]
        for n in order[1:]:
            if not len(starts):
                return NOTHING
            starts = starts[_members(starts + n, postings[n].positions)]
        if not len(starts):
            return NOTHING
        found = np.unique(_documents(bases, starts))
        total = np.zeros(len(found))
        for raw, p in zip(raws, postings, strict=True):
            chosen = np.searchsorted(p.ids, found)
            total += self.bm25(query.fieldname, raw, found, p.weights[chosen])
        return _boosted((found, total), query.boost)


    def proximity(self, query: ProximityQuery, within: np.ndarray | None) -> Answer:
        """Documents with the parts' words close together (engine/proximity.py), scored
        as the And of the parts' Ors: each part's words' scores summed."""
        schema = self.searcher.schema
        if query.fieldname not in schema:
            return NOTHING
        field = schema[query.fieldname]
        bases = self.data.lexicon(self.reader).bases(query.fieldname)
        if bases is None:
            return self.drain(query, within)
        parts = []
        for words in query.parts:
            postings = [self.arrays(query.fieldname, field.to_bytes(word)) for word in words]
            postings = [found for found in postings if len(found.ids)]
            if not postings:
                return NOTHING
            if any(found.kind not in POSITION_KINDS for found in postings):
                return self.drain(query, within)
            parts.append(np.unique(np.concatenate(
                [found.positions.astype(np.int64) for found in postings])))
        found = near_documents(parts, bases, query.distance, query.ordered)
        if within is not None:
            found = found[np.isin(found, within)]
        if not len(found):
            return NOTHING
        total = np.zeros(len(found))
        for words in query.parts:
            answer = _summed([part for part in (
                self.raw_term(query.fieldname, field, field.to_bytes(word), found)
                for word in words) if len(part[0])])
            total[np.searchsorted(found, answer[0])] += answer[1]
        return _boosted((found, total), query.boost)


def _documents(bases: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The docnum each segment-wide position falls in."""
    return np.searchsorted(bases, positions, side="right") - 1


def _positions_of(ids: np.ndarray, within: np.ndarray) -> np.ndarray:
    """Indices into `ids` (sorted) of the docnums that are also in `within` (sorted)."""
    chosen = np.searchsorted(ids, within)
    inside = chosen < len(ids)
    chosen = chosen[inside]
    return chosen[ids[chosen] == within[inside]]


def _members(values: np.ndarray, sorted_pool: np.ndarray) -> np.ndarray:
    """Which of `values` are in `sorted_pool` (a boolean mask), by binary search."""
    if not len(sorted_pool):
        return np.zeros(len(values), bool)
    at = np.searchsorted(sorted_pool, values)
    at[at == len(sorted_pool)] = 0
    return sorted_pool[at] == values


def _summed(parts: list[Answer]) -> Answer:
    if not parts:
        return NOTHING
    if len(parts) == 1:
        return parts[0]
    ids = np.concatenate([ids for ids, _ in parts])
    scores = np.concatenate([scores for _, scores in parts])
    distinct, which = np.unique(ids, return_inverse=True)
    return distinct, np.bincount(which, weights=scores, minlength=len(distinct))


def _among(answer: Answer, within: np.ndarray | None) -> Answer:
    if within is None or not len(answer[0]):
        return answer
    order = np.argsort(answer[0], kind="stable")
    ids, scores = answer[0][order], answer[1][order]
    keep = np.isin(ids, within)
    return ids[keep], scores[keep]


def _boosted(answer: Answer, boost: float) -> Answer:
    if boost == 1.0:
        return answer
    return answer[0], answer[1] * boost

