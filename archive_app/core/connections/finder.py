"""Near-duplicate documents and reused passages, from the fingerprint store.

`Connections` keeps the store in step with the catalog (`update`, after each sync: the
new texts fingerprinted from their stored text, the texts no document holds forgotten)
and answers three questions:

- `similar(key)`: the documents whose text is like this one's (LSH candidates judged by
  their MinHash estimate), exact copies left out (they are copies, not neighbours);
- `reused_in(key)`: the passages of this document that other documents hold too, each
  with where it stands in them;
- `reuse()`: the archive-wide clusters of documents sharing a passage.
"""

from __future__ import annotations

import os
import threading
from array import array
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from archive_app.core.connections.fingerprints import (
    Fingerprint,
    fingerprint,
    has_shingles,
    similarity,
)
from archive_app.core.connections.passages import SharedSpan, shared_spans
from archive_app.core.connections.store import BATCH_TEXTS, ConnectionsStore
from archive_app.core.indexing.processes import forkserver_context
from archive_app.core.ingest.documents import EMPTY_TEXT_SHA
from archive_app.core.text.analysis import fold_words, iter_words

SIMILAR_MIN = 0.5
"""Estimated Jaccard similarity of word shingles from which a document is 'similar'."""
MIN_WORDS = 30
"""A reused passage is at least this many words long (`reuse --min-words`)."""
MOST_TEXTS_PER_ANCHOR = 200
"""An anchor more texts hold than this is boilerplate (a licence, a footer) and grows no
passage: without this bound one such paragraph would pair every text with every other."""
MOST_COMPARED = 300
"""Other texts a document is compared with for its reused passages, those sharing
most anchors first."""
REPORT_MIN_ANCHORS = 2
"""Anchors two texts must share for the archive-wide report to compare them. Half the
pairs of a real archive share one anchor, mostly a common phrase, and comparing them
cost most of the report's time; a passage of 30 words holds about three anchors (one
shingle in eight of its 27), so most are still found, and longer ones nearly always.
A document's own list (`reused_in`) grows from a single anchor."""
MOST_PAIRS = 300_000
"""Text pairs the archive-wide report compares, those sharing most anchors first; it
says when there were more."""
WORDS_CACHE = 2_048
"""Texts whose words are kept (about 4 KB each beside the text itself): the reuse report
meets each text in many pairs, taken in the order of their first text."""
PARALLEL_MIN_TEXTS = 2_000
"""Texts from which fingerprinting runs in child processes (starting them costs ~0.5 s)."""
CHUNK_TEXTS = 500
PROCESSES = min(2, os.cpu_count() or 1)


@dataclass(frozen=True)
class Place:
    """Where a passage stands in one document: character offsets into its text."""

    doc: str
    start: int
    end: int


@dataclass
class ReusedPassage:
    """A passage of the open document that other documents hold too."""

    start: int
    end: int
    words: int
    places: list[Place] = field(default_factory=list)
    """Where it stands in the other documents (each copy of a text named)."""

    @property
    def documents(self) -> int:
        return len({place.doc for place in self.places})


@dataclass
class ReuseCluster:
    """Documents sharing one passage; `places[0]` is the earliest dated."""

    passage: str
    places: list[Place]
    dates: dict[str, str] = field(default_factory=dict)
    """doc -> its date ('' when undated)."""


@dataclass
class ReuseReport:
    min_words: int
    clusters: list[ReuseCluster]
    complete: bool = True
    """False when MOST_PAIRS was reached: the report holds what was found until then."""


def fingerprint_texts(catalog, wanted: list[tuple[str, str]]):
    for sha, key in wanted:
        stored = catalog.text(key)
        if stored is not None and stored[0].strip():
            yield sha, fingerprint(stored[0])


def _fingerprint_chunk(job: tuple[str, str, list[tuple[str, str]]]
                       ) -> list[tuple[str, Fingerprint]]:
    """In a child: the fingerprints of a chunk of texts, read from the catalog."""
    from archive_app.core.indexing.catalog import Catalog
    db_path, roots_file, wanted = job
    catalog = Catalog(Path(db_path), Path(roots_file))
    try:
        return list(fingerprint_texts(catalog, wanted))
    finally:
        catalog.close()


class _Text:
    """A text's folded words (what passages are grown over) and, once asked for, each
    word's character offsets (only texts a passage is reported in need them)."""

    __slots__ = ("_ends", "_starts", "text", "words")

    def __init__(self, text: str):
        self.text = text
        self.words = fold_words(text)  # the words of iter_words, several times faster
        self._starts: list[int] | None = None
        self._ends: list[int] = []

    def chars(self, start: int, end: int) -> tuple[int, int]:
        if self._starts is None:
            found = list(iter_words(self.text))
            self._starts = [first for _, first, _ in found]
            self._ends = [last for _, _, last in found]
        return self._starts[start], self._ends[end - 1]


class Connections:
    """The archive's fingerprints and what they connect (module docstring)."""

    def __init__(self, store: ConnectionsStore, catalog: Callable[[], object]):
        self.store = store
        self._catalog = catalog
        self._texts: OrderedDict[int, _Text | None] = OrderedDict()
        self._texts_lock = threading.Lock()
        self._key_of: dict[int, str] = {}
        """Text id -> a document holding it (ids are the store's: cleared with it)."""

    @property
    def catalog(self):
        return self._catalog()

    # -- keeping up with the catalog --------------------------------------------------------
    def update(self, keys: list[str] | None = None) -> tuple[int, int]:
        """Fingerprint the texts the store lacks (of `keys`, or of every document) and,
        with every document, forget the texts none holds; returns (added, removed)."""
        catalog = self.catalog
        hashes = catalog.hashes(keys)
        current: dict[str, str] = {}
        for key, sha in hashes.items():
            if sha != EMPTY_TEXT_SHA:
                current.setdefault(sha, key)
        known = self.store.known()
        wanted = [(sha, key) for sha, key in current.items() if sha not in known]
        added = 0
        made = self._fingerprints(wanted)
        while True:  # the store's lock is held per batch, not while texts are read
            batch = list(islice(made, BATCH_TEXTS))
            if not batch:
                break
            added += self.store.add(batch)
        removed = self.store.remove(known - set(current)) if keys is None else 0
        if added or removed:  # a text back, an id reused: nothing cached holds
            with self._texts_lock:
                self._texts.clear()
                self._key_of.clear()
        return added, removed

    def _fingerprints(self, wanted: list[tuple[str, str]]):
        """(sha, Fingerprint) of each wanted text: in this process for a few, in child
        processes (each reading its texts from the catalog itself) for many: a first
        sync of a large archive fingerprints every text, and this step then runs on
        every core as the indexing did."""
        if len(wanted) < PARALLEL_MIN_TEXTS or PROCESSES < 2:
            yield from fingerprint_texts(self.catalog, wanted)
            return
        catalog = self.catalog
        chunks = [wanted[start:start + CHUNK_TEXTS]
                  for start in range(0, len(wanted), CHUNK_TEXTS)]
        done = 0
        try:
            with ProcessPoolExecutor(PROCESSES, mp_context=forkserver_context()) as pool:
                for found in pool.map(_fingerprint_chunk, [
                        (str(catalog.db_path), str(catalog.roots_file), chunk)
                        for chunk in chunks]):
                    done += 1
                    yield from found
        except (BrokenProcessPool, OSError):  # no child could run: this process does it
            for chunk in chunks[done:]:
                yield from fingerprint_texts(catalog, chunk)

    # -- near-duplicates ----------------------------------------------------------------------
    def similar(self, key: str, most: int = 50, least: float = SIMILAR_MIN
                ) -> list[tuple[str, float]]:
        """(doc, estimated similarity) of the documents like `key`, most similar first;
        every copy of a similar text is named."""
        found = [(doc, value) for docs, value in self.similar_texts(key, most, least)
                 for doc in docs]
        return found[:most]

    def similar_texts(self, key: str, most: int = 50, least: float = SIMILAR_MIN
                      ) -> list[tuple[list[str], float]]:
        """(the documents holding it, estimated similarity) of each text like `key`'s,
        most similar first."""
        record = self.catalog.record(key)
        known = self.store.fingerprint(record.sha256) if record and record.sha256 else None
        if known is None:
            return []
        text, mine = known
        if not has_shingles(mine):
            return []
        scored = []
        for sha, signature in self.store.candidates(text, mine.bands()).values():
            if sha == record.sha256:
                continue
            estimate = similarity(mine.signature, signature)
            if estimate >= least:
                scored.append((estimate, sha))
        scored.sort(key=lambda item: (-item[0], item[1]))
        by_sha = self._keys_of({sha for _, sha in scored[:most]})
        return [(by_sha[sha], round(estimate, 3)) for estimate, sha in scored[:most]
                if by_sha.get(sha)]

    # -- reused passages -----------------------------------------------------------------------
    def reused_in(self, key: str, min_words: int = MIN_WORDS) -> list[ReusedPassage]:
        """The passages of document `key` that other documents hold too (at least
        `min_words` words), in text order, each with where it stands elsewhere."""
        record = self.catalog.record(key)
        known = self.store.fingerprint(record.sha256) if record and record.sha256 else None
        if known is None:
            return []
        text, mine = known
        postings = self.store.anchor_postings(mine.anchors.tolist(), MOST_TEXTS_PER_ANCHOR)
        pairs: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for value, position in zip(mine.anchors.tolist(), mine.positions.tolist(),
                                   strict=True):
            for other, their in postings.get(value, ()):
                if other != text:
                    pairs[other].append((position, their))
        chosen = sorted(pairs, key=lambda other: -len(pairs[other]))[:MOST_COMPARED]
        own = self._text(text)
        if own is None:
            return []
        spans: list[tuple[SharedSpan, int]] = []
        for other in chosen:
            theirs = self._text(other)
            if theirs is not None:
                spans += [(span, other) for span in
                          shared_spans(own.words, theirs.words, pairs[other], min_words)]
        return self._passages_of(own, spans)

    def _passages_of(self, own: _Text, spans: list[tuple[SharedSpan, int]]
                     ) -> list[ReusedPassage]:
        """Overlapping spans of the document are one passage (its widest extent)."""
        spans.sort(key=lambda item: (item[0].first_start, -item[0].first_end))
        groups: list[tuple[int, int, list[tuple[SharedSpan, int]]]] = []
        for span, other in spans:
            if groups and span.first_start < groups[-1][1]:
                start, end, members = groups[-1]
                groups[-1] = (start, max(end, span.first_end), [*members, (span, other)])
            else:
                groups.append((span.first_start, span.first_end, [(span, other)]))
        keys = self._keys_of({self.store.sha_of(other) or "" for _, other in spans})
        passages = []
        for start, end, members in groups:
            widest: dict[int, tuple[int, int]] = {}  # other text -> its widest span here
            for span, other in members:
                low, high = widest.get(other, (span.second_start, span.second_end))
                widest[other] = (min(low, span.second_start), max(high, span.second_end))
            places = []
            for other, (low, high) in widest.items():
                theirs = self._text(other)
                if theirs is None:
                    continue
                where = theirs.chars(low, high)
                places += [Place(doc, *where) for doc in
                           keys.get(self.store.sha_of(other) or "", [])]
            first, last = own.chars(start, end)
            passages.append(ReusedPassage(first, last, end - start,
                                          sorted(set(places), key=lambda p: (p.doc, p.start))))
        return passages

    def reuse(self, min_words: int = MIN_WORDS, dates: Callable[[list[str]], dict] | None
              = None) -> ReuseReport:
        """Every cluster of documents sharing a passage of at least `min_words` words.

        Each shared anchor pairs the first text holding it with each other one (a star,
        not every pair: linear in the anchor's postings). The store counts the anchors
        of every pair; only pairs sharing REPORT_MIN_ANCHORS, at most MOST_PAIRS of them
        (those sharing most first), are compared, from their anchors' positions (kept
        as flat int arrays: a large archive has millions); passages are grown per pair,
        and the passages that overlap in a text join one cluster (union-find)."""
        chosen, complete = self.store.pair_counts(MOST_TEXTS_PER_ANCHOR, REPORT_MIN_ANCHORS,
                                                  MOST_PAIRS)
        flat: dict[tuple[int, int], array] = {pair: array("i") for pair in chosen}
        for first, where, other, their in self.store.pair_anchors(MOST_TEXTS_PER_ANCHOR):
            positions = flat.get((first, other))
            if positions is not None:
                positions.extend((where, their))
        self._learn_keys({text for pair in flat for text in pair})
        spans: list[tuple[int, int, int, int, int, int]] = []  # text, start, end x2
        for first, second in sorted(flat):  # a first text stays cached
            found = flat.pop((first, second))
            anchors = list(zip(found[0::2], found[1::2], strict=True))
            a, b = self._text(first), self._text(second)
            if a is None or b is None:
                continue
            for span in shared_spans(a.words, b.words, anchors, min_words):
                spans.append((first, span.first_start, span.first_end,
                              second, span.second_start, span.second_end))
        return ReuseReport(min_words, self._clusters(spans, dates), complete)

    def _clusters(self, spans, dates) -> list[ReuseCluster]:
        parent: dict[tuple[int, int, int], tuple[int, int, int]] = {}

        def find(node):
            parent.setdefault(node, node)
            while parent[node] != node:
                parent[node] = parent[parent[node]]
                node = parent[node]
            return node

        nodes_by_text: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        for first, fs, fe, second, ss, se in spans:
            one, two = (first, fs, fe), (second, ss, se)
            nodes_by_text[first].append(one)
            nodes_by_text[second].append(two)
            parent[find(one)] = find(two)
        for nodes in nodes_by_text.values():  # overlapping spans in one text: one passage
            nodes.sort()
            reach, widest = -1, None  # the furthest end so far, and its node
            for node in nodes:
                if widest is not None and node[1] < reach:
                    parent[find(node)] = find(widest)
                if node[2] > reach:
                    reach, widest = node[2], node
        members: dict[tuple, list[tuple[int, int, int]]] = defaultdict(list)
        for node in parent:
            members[find(node)].append(node)
        keys = self._keys_of({self.store.sha_of(text) or "" for text in nodes_by_text})
        clusters = []
        for nodes in members.values():
            extent: dict[int, tuple[int, int]] = {}
            for text, start, end in nodes:
                low, high = extent.get(text, (start, end))
                extent[text] = (min(low, start), max(high, end))
            places = []
            for text, (start, end) in extent.items():
                found = self._text(text)
                if found is None:
                    continue
                chars = found.chars(start, end)
                places += [Place(doc, *chars) for doc in keys.get(
                    self.store.sha_of(text) or "", [])]
            if len({place.doc for place in places}) < 2:
                continue
            known = dates([place.doc for place in places]) if dates else {}
            places.sort(key=lambda p: (known.get(p.doc, "") or "9999", p.doc, p.start))
            source = self._text_of_doc(places[0].doc)
            passage = source[places[0].start:places[0].end] if source else ""
            clusters.append(ReuseCluster(passage, places,
                                         {p.doc: known.get(p.doc, "") for p in places}))
        clusters.sort(key=lambda c: (-len(c.places), c.places[0].doc, c.places[0].start))
        return clusters

    # -- texts -------------------------------------------------------------------------------
    def _keys_of(self, hashes: set[str]) -> dict[str, list[str]]:
        by_sha: dict[str, list[str]] = defaultdict(list)
        for key, sha in sorted(self.catalog.keys_with_hashes(hashes - {""}).items()):
            by_sha[sha].append(key)
        return by_sha

    def _learn_keys(self, texts: set[int]) -> None:
        """Remember a document key of each of these texts, found in two queries rather
        than two per text."""
        hashes = self.store.hashes_of(texts)
        keys = self._keys_of(set(hashes.values()))
        with self._texts_lock:
            for text, sha in hashes.items():
                if keys.get(sha):
                    self._key_of[text] = keys[sha][0]
            if len(self._key_of) > 4 * MOST_PAIRS:
                self._key_of.clear()

    def _text(self, text: int) -> _Text | None:
        """A text's words and offsets, kept for the last WORDS_CACHE texts (shared by the
        threads that ask: the lock guards the cache, not the reading)."""
        with self._texts_lock:
            if text in self._texts:
                self._texts.move_to_end(text)
                return self._texts[text]
            key = self._key_of.get(text)
        stored = self.catalog.text(key) if key else None
        if stored is None:  # not learnt, or that document went (moved, deleted)
            sha = self.store.sha_of(text)
            keys = self._keys_of({sha}).get(sha, []) if sha else []
            stored = self.catalog.text(keys[0]) if keys else None
        if stored is None:  # not cached: the document may come back
            return None
        found = _Text(stored[0])
        with self._texts_lock:
            self._texts[text] = found
            if len(self._texts) > WORDS_CACHE:
                self._texts.popitem(last=False)
        return found

    def _text_of_doc(self, key: str) -> str | None:
        stored = self.catalog.text(key)
        return stored[0] if stored is not None else None
