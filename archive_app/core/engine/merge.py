"""Merging segments: which ones (a tiered policy), and their postings as array joins.

Every query pays a fixed cost per segment (a term lookup per word, a few array calls),
so the number of segments must grow with the logarithm of the documents, not with the
documents: a sync's child processes cut a segment every few seconds (index.py, crash
safety), which made 45 segments at 100,000 documents. Segments are grouped in tiers by
size (TIER_BASE_DOCS x MERGE_FACTOR^k); when a tier holds MERGE_FACTOR segments, they
are merged into one of the next tier. Each document is rewritten once per tier it
climbs: O(log n) times, never per commit.

A merge is cheap because postings are arrays: a term's postings in the merged segment
are its arrays from each old segment, docnums shifted (or renumbered around deleted
documents), joined by numpy. Whoosh's own merge re-added every posting through Python.
Stored fields and columns still go through Whoosh's per-document writer.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
from whoosh.reading import SegmentReader

from archive_app.core.engine.codec import (
    KIND_BYTES,
    KIND_NONE,
    KIND_POSITIONS,
    POSITION_KINDS,
    Postings,
    local_positions,
)

TIER_BASE_DOCS = 2_000
"""Segments of fewer documents than this form the lowest tier."""
MERGE_FACTOR = 8
"""A tier holding this many segments is merged into one."""
MAX_MERGED_DOCS = 2_000_000
"""No merge makes a segment larger than this (a merge holds the lock while it runs)."""


def tier_of(doc_count: int) -> int:
    if doc_count < TIER_BASE_DOCS:
        return 0
    return 1 + int(math.log(doc_count / TIER_BASE_DOCS, MERGE_FACTOR))


def choose_merge(segments: list) -> list:
    """The segments the next merge joins: the MERGE_FACTOR smallest of the lowest tier
    holding that many (within MAX_MERGED_DOCS), or none. Never the whole tier: a long
    sync that commits without merging leaves hundreds of small segments, and joining
    them all at once held gigabytes (a 1M-document sync's last merge reached 6.2 GB)."""
    tiers: dict[int, list] = {}
    for segment in segments:
        tiers.setdefault(tier_of(segment.doc_count()), []).append(segment)
    for tier in sorted(tiers):
        members = sorted(tiers[tier], key=lambda segment: segment.doc_count())
        if len(members) < MERGE_FACTOR:
            continue
        chosen, total = [], 0
        for segment in members[:MERGE_FACTOR]:
            if total + segment.doc_count() > MAX_MERGED_DOCS and len(chosen) >= 2:
                break
            chosen.append(segment)
            total += segment.doc_count()
        return chosen
    return []


def tiered_merge(writer, segments: list) -> list:
    """Whoosh's merge-policy hook: add the chosen segments to `writer` (which writes
    their documents into its new segment) and return the segments that stay."""
    chosen = choose_merge(segments)
    if not chosen:
        return segments
    for segment in chosen:
        writer.add_reader(SegmentReader(writer.storage, writer.schema, segment))
    return [segment for segment in segments if segment not in chosen]


class MergedSource:
    """One old segment being merged: its postings and where its documents went."""

    def __init__(self, reader, basedoc: int, docmap: dict[int, int] | None):
        from archive_app.core.engine.codec import segment_postings

        self.reader = reader
        self.terms = segment_postings(reader)
        self.basedoc = basedoc
        self.renumber: np.ndarray | None = None
        """old docnum -> new docnum, -1 for a deleted document (None: no deletions)."""
        if docmap is not None:
            renumber = np.full(reader.doc_count_all(), -1, np.int64)
            if docmap:
                renumber[np.fromiter(docmap.keys(), np.int64, len(docmap))] = np.fromiter(
                    docmap.values(), np.int64, len(docmap))
            self.renumber = renumber

    def entries(self, fieldname: str, number: int):
        """(term, `number`, where its postings are) for every term of the field, in order,
        streamed: a merge of hundreds of segments never holds all their term lists."""
        if fieldname not in self.reader.indexed_field_names():
            return
        for raw, offset in self.terms.offsets(fieldname):
            yield raw.decode("utf-8"), number, offset

    def postings(self, offset: int, fieldname: str,
                 bases: np.ndarray | None = None) -> Postings | None:
        """A term's postings with docnums as in the merged segment and, for a text field,
        positions as in the merged segment, whose document bases are `bases` (None: all
        deleted).

        With no deletions a segment's documents keep their order and lengths, so each
        position moves by one number, the base of the segment's first document: one
        addition per term instead of subtracting and re-adding a base per document
        (that took a quarter of a million-document sync's merging)."""
        found = self.terms.at(offset)
        text = bases is not None and found.kind in POSITION_KINDS
        if self.renumber is None:
            found = found._replace(ids=found.ids.astype(np.int64) + self.basedoc)
            if text:
                found = found._replace(positions=found.positions.astype(np.int64)
                                       + int(bases[self.basedoc]), kind=KIND_POSITIONS)
            return found
        if text:
            found = found._replace(positions=local_positions(
                found, self.terms.lexicon.bases(fieldname)), kind=KIND_POSITIONS)
        new = self.renumber[found.ids]
        keep = new >= 0
        if not keep.any():
            return None
        found = found._replace(ids=new) if keep.all() else _kept(found, new, keep)
        if text:
            counts = np.diff(found.starts.astype(np.int64))
            found = found._replace(positions=found.positions
                                   + np.repeat(bases[found.ids], counts))
        return found

    def close(self) -> None:
        self.reader.close()


def _kept(found: Postings, new: np.ndarray, keep: np.ndarray) -> Postings:
    """The postings of the documents that were not deleted, renumbered."""
    if found.kind == KIND_NONE:
        return Postings(new[keep], found.weights[keep], None, None, KIND_NONE)
    begins = found.starts[:-1][keep].astype(np.int64)
    counts = found.starts[1:][keep].astype(np.int64) - begins
    total = int(counts.sum())
    shift = np.repeat(begins - (np.cumsum(counts) - counts), counts)
    extent = found.positions[np.arange(total) + shift]
    starts = np.concatenate([[0], np.cumsum(counts)])
    return Postings(new[keep], found.weights[keep], starts, extent, found.kind)


def joined(pieces: list[Postings]) -> tuple:
    """(ids, weights, kind, starts, extent) of postings pieces in docnum order: one
    piece (a term of one segment, the common case) is written as it is."""
    kind = pieces[0].kind
    if len(pieces) == 1:
        piece = pieces[0]
        extent = piece.positions
        if kind == KIND_BYTES:
            extent = extent.tobytes()
        return piece.ids.astype(np.uint32), piece.weights, kind, piece.starts, extent
    ids = np.concatenate([piece.ids for piece in pieces]).astype(np.uint32)
    weights = np.concatenate([piece.weights for piece in pieces])
    if kind == KIND_NONE:
        return ids, weights, kind, None, None
    shifted, base = [], 0
    for piece in pieces:
        shifted.append(piece.starts[:-1].astype(np.int64) + base)
        base += int(piece.starts[-1])
    shifted.append(np.array([base], np.int64))
    starts = np.concatenate(shifted).astype(np.uint32)
    extent = np.concatenate([piece.positions for piece in pieces])
    return ids, weights, kind, starts, extent.tobytes() if kind == KIND_BYTES else extent


def merged_terms(own: list[str], sources: list[MergedSource], fieldname: str):
    """Every term of a field in the merged segment, in order, once, with the sources
    holding it: yields (term, [(source number, offset), ...]); number -1 is the pool."""
    streams = [((term, -1, 0) for term in own)] + [
        source.entries(fieldname, number) for number, source in enumerate(sources)]
    term, holders = None, []
    for found, number, offset in heapq.merge(*streams):
        if found != term:
            if term is not None:
                yield term, holders
            term, holders = found, []
        holders.append((number, offset))
    if term is not None:
        yield term, holders
