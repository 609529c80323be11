"""Proximity searches in the engine: a Whoosh query type and its vectorised answer.

`ProximityQuery` holds, for one field, each part's indexed words (already expanded by the
compiler: word forms, prefixes, fuzzy words, regexes), the distance and the order. The
set evaluation (evaluate.py) answers it from the segment-wide positions of codec.py with
`near_documents`, a few `searchsorted` calls per part; the reference path (Whoosh's
collectors) reads each document's positions from Whoosh's own matchers and applies the
plain-Python rule of search/proximity.py: the two must agree (tests). A document's score
is the sum of its parts' scores, as an And of the parts' Ors would give.
"""

from __future__ import annotations

import numpy as np
from whoosh import query as wq
from whoosh.matching import ListMatcher, NullMatcher

from archive_app.core.search.proximity import windows


class ProximityQuery(wq.Query):
    """Parts' words close together in one field (search/proximity.py says how close)."""

    def __init__(self, fieldname: str, parts: list[list[str]], distance: int,
                 ordered: bool, boost: float = 1.0):
        self.fieldname = fieldname
        self.parts = tuple(tuple(words) for words in parts)
        self.distance = distance
        self.ordered = ordered
        self.boost = boost

    def __repr__(self):
        return (f"ProximityQuery({self.fieldname!r}, {self.parts!r}, {self.distance}, "
                f"ordered={self.ordered})")

    def __eq__(self, other):
        return (type(other) is ProximityQuery and self.fieldname == other.fieldname
                and self.parts == other.parts and self.distance == other.distance
                and self.ordered == other.ordered and self.boost == other.boost)

    def __hash__(self):
        return hash((self.fieldname, self.parts, self.distance, self.ordered, self.boost))

    def conjunction(self) -> wq.Query:
        """Documents holding every part, anywhere: what the proximity then narrows."""
        return wq.And([wq.Or([wq.Term(self.fieldname, word) for word in words])
                       for words in self.parts])

    def estimate_size(self, ixreader):
        return self.conjunction().estimate_size(ixreader)

    def matcher(self, searcher, context=None):
        """Whoosh's reference answer: the conjunction's matches, each document's positions
        read from the parts' term matchers and judged by `windows`."""
        reader = searcher.reader()
        candidates = self.conjunction().matcher(searcher, context)
        term_matchers = {}
        for words in self.parts:
            for word in words:
                if word not in term_matchers and (self.fieldname, word) in reader:
                    term_matchers[word] = reader.postings(self.fieldname, word)
        ids, scores = [], []
        while candidates.is_active():
            docnum = candidates.id()
            positions = [sorted(self._positions(term_matchers, words, docnum))
                         for words in self.parts]
            if windows(positions, self.distance, self.ordered):
                ids.append(docnum)
                scores.append(candidates.score() * self.boost)
            candidates.next()
        return ListMatcher(ids, weights=scores) if ids else NullMatcher()

    @staticmethod
    def _positions(term_matchers: dict, words, docnum: int) -> set[int]:
        found: set[int] = set()
        for word in words:
            matcher = term_matchers.get(word)
            if matcher is None or not matcher.is_active():
                continue
            if matcher.id() < docnum:
                matcher.skip_to(docnum)
            if matcher.is_active() and matcher.id() == docnum:
                found.update(matcher.value_as("positions"))
        return found


def near_documents(parts: list[np.ndarray], bases: np.ndarray, distance: int,
                   ordered: bool) -> np.ndarray:
    """The docnums (sorted, distinct) holding a stretch that satisfies the search.

    `parts` are each part's segment-wide positions (sorted, distinct, int64); `bases`
    maps a docnum to its first position, so a stretch never spans two documents. The
    rule is search/proximity.py's `windows`, vectorised over every start at once."""
    span = distance + len(parts) - 1
    found = []
    anchors = [0] if ordered else range(len(parts))
    for number in anchors:
        starts = parts[number]
        last = starts.copy()
        ok = np.ones(len(starts), bool)
        if ordered:
            current = starts
            for positions in parts[1:]:
                at = np.searchsorted(positions, current, side="right")
                ok &= at < len(positions)
                current = positions[np.minimum(at, len(positions) - 1)]
            last = current
        else:
            for other, positions in enumerate(parts):
                if other == number:
                    continue
                at = np.searchsorted(positions, starts, side="right")
                ok &= at < len(positions)
                last = np.maximum(last, positions[np.minimum(at, len(positions) - 1)])
        first_documents = _documents(bases, starts)
        ok &= (last - starts) <= span
        ok &= first_documents == _documents(bases, last)
        found.append(first_documents[ok])
    return np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)


def _documents(bases: np.ndarray, positions: np.ndarray) -> np.ndarray:
    return np.searchsorted(bases, positions, side="right") - 1
