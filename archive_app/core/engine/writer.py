"""Writing the index: our segment writer, its term pool, the merge policy, deletions.

Whoosh's SegmentWriter is kept for what it does well (the write lock, per-document
stored fields and columns, the table of contents, deletions); the indexing hot path is
ours: text fields are tokenised straight into a pool grouped by field and term, and
each term is written as one array record (codec.py), a term at a time, so a flush never
holds more than the pool and one term's arrays.
"""

from __future__ import annotations

import contextlib
from array import array
from collections.abc import Callable
from hashlib import blake2b
from itertools import accumulate, chain

import numpy as np
from whoosh.index import TOC, LockError, clean_files
from whoosh.reading import SegmentReader
from whoosh.writing import CLEAR, SegmentWriter

from archive_app.core.engine.codec import (
    KIND_BYTES,
    KIND_NONE,
    KIND_POSITIONS,
    KIND_POSITIONS64,
    ArrayCodec,
    Postings,
    field_lengths,
    segment_postings,
    stored_lengths,
    write_lexicon,
)
from archive_app.core.engine.merge import MergedSource, joined, merged_terms, tiered_merge
from archive_app.core.engine.schema import WordPositions, word_positions
from archive_app.core.errors import IndexProblem

POSITIONS32_LIMIT = 2 ** 32
"""A segment whose field holds this many words (with the gaps) or more stores its
positions in 64 bits."""
LOOK_UP_BELOW = 64
"""A deletion of fewer keys looks them up in a segment whose key hashes are not built
yet (`segment_keys`) instead of building them: tagging one document right after the
app opens would otherwise read every key of the index first (1.2 s at 100,000)."""
_SINGLE = [[position] for position in range(8192)]
"""Shared one-position lists: most postings are one occurrence, and the pool keeps a
posting's positions as a list (these are never mutated)."""

class TermPool:
    """A segment's postings grouped by field and term as documents arrive.

    Replaces Whoosh's PostingPool, which keeps one tuple per posting in one list and
    sorts them all at commit. Documents arrive in docnum order, so each term's list is
    already sorted; only the distinct terms are sorted, once. A text term's postings are
    one flat list (docnum, positions, docnum, positions, ...); other fields' are
    (docnum, weight, encoded value, ...). Memory is bounded by the segment size
    (index.COMMIT_EVERY_DOCS), not by spilling sorted runs to disk.
    """

    def __init__(self, schema):
        self.schema = schema
        self.fields: dict[str, dict[str, list]] = {}
        self._unsorted: set[str] = set()
        self.lengths: dict[str, array] = {}
        """Text field -> docnum -> its exact number of words."""
        self.words: dict[str, list[str]] = {}
        """Text field -> the words written, in order (the segment's .lex file)."""

    def _terms(self, fieldname: str) -> dict[str, list]:
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
        return terms

    def add(self, item) -> None:
        """Whoosh's pool interface: one (field, term, docnum, weight, value) posting;
        used for the non-text fields and for segments merged into this one."""
        fieldname, tbytes, docnum, weight, vbytes = item
        terms = self._terms(fieldname)
        term = tbytes.decode("utf-8")  # our fields' terms are text; UTF-8 keeps the order
        fieldobj = self.schema[fieldname]
        if isinstance(fieldobj.format, WordPositions):
            posting = (docnum, fieldobj.format.position_array(vbytes).tolist())
        else:
            posting = (docnum, weight, vbytes)
        postings = terms.get(term)
        if postings is None:
            terms[term] = list(posting)
            return
        if postings[-len(posting)] > docnum:
            self._unsorted.add(fieldname)
        postings += posting

    def add_words(self, fieldname: str, docnum: int, value: str) -> int:
        """All postings of one text field of one document; returns the field length.

        The per-word loop of indexing: a lookup and one append per distinct word."""
        terms = self._terms(fieldname)
        single, singles = _SINGLE, len(_SINGLE)
        length = 0
        for word, positions in word_positions(value).items():
            length += len(positions)
            if len(positions) == 1 and positions[0] < singles:
                positions = single[positions[0]]
            postings = terms.get(word)
            if postings is None:
                terms[word] = [docnum, positions]
            else:
                postings += (docnum, positions)
        return length

    def cleanup(self) -> None:
        """Nothing to delete (no temporary files); the memory goes with the writer, or
        with a child process's exit, where freeing a million postings one by one
        would only cost time."""

    def note_length(self, fieldname: str, docnum: int, length: int) -> None:
        """A document's exact number of words in a text field (its positions' base):
        4 bytes a document (a dict per document took ~100 bytes: 800 MB for a merge of
        a million documents)."""
        if length:
            lengths = self.lengths.get(fieldname)
            if lengths is None:
                lengths = self.lengths[fieldname] = array("I")
            if len(lengths) <= docnum:
                lengths.frombytes(bytes(4 * (docnum + 1 - len(lengths))))  # zeros
            lengths[docnum] = length

    def bases(self, doc_count: int) -> dict[str, np.ndarray]:
        """Text field -> docnum -> the document's first segment-wide position (codec.py):
        the words of the documents before it, plus one empty place after each."""
        found = {}
        for fieldname, lengths in self.lengths.items():
            sizes = np.ones(doc_count, np.int64)
            known = np.frombuffer(lengths, np.uint32)[:doc_count].astype(np.int64)
            sizes[:len(known)] += known
            bases = np.zeros(doc_count + 1, np.int64)
            np.cumsum(sizes, out=bases[1:])
            found[fieldname] = bases
        return found

    def write(self, fieldwriter, lengths_of: Callable[[str], np.ndarray | None],
              doc_count: int, sources: list[MergedSource] = ()) -> dict[str, np.ndarray]:
        """Write every term of every field, a term at a time, in term order: the pool's
        postings joined with those of the segments being merged (`sources`), text
        positions made segment-wide; returns the text fields' bases."""
        bases = self.bases(doc_count)
        names = set(self.fields)
        for source in sources:
            names.update(name for name in source.reader.indexed_field_names()
                         if name in self.schema)
        for fieldname in sorted(names):
            terms = self.fields.get(fieldname, {})
            fieldobj = self.schema[fieldname]
            fieldwriter.start_field(fieldname, fieldobj)
            lengths = lengths_of(fieldname)
            text = isinstance(fieldobj.format, WordPositions)
            width = 2 if text else 3
            unsorted = fieldname in self._unsorted
            boost = fieldobj.format.field_boost
            written: list[str] = []
            field_bases = bases.get(fieldname)
            if text and field_bases is None:  # no document has a word in it
                field_bases = np.arange(doc_count + 1, dtype=np.int64)
            place = (_Globaliser(field_bases) if text else _unchanged)
            if not sources:
                written = sorted(terms)  # str order is UTF-8 byte order
                for term in written:
                    fieldwriter.write_term(term.encode("utf-8"), *place(self._arrays(
                        terms[term], text, width, unsorted, boost)), lengths)
            else:
                new_bases = field_bases if text else None
                for term, holders in merged_terms(sorted(terms), sources, fieldname):
                    pieces = []  # each with its positions as in the new segment
                    for number, offset in holders:
                        if number < 0:
                            own = self._arrays(terms[term], text, width, unsorted, boost)
                            pieces.append(_as_postings(*place(own)))
                        else:
                            found = sources[number].postings(offset, fieldname, new_bases)
                            if found is not None:
                                pieces.append(found)
                    if pieces:
                        pieces.sort(key=lambda piece: int(piece.ids[0]))
                        ids, weights, kind, starts, extent = joined(pieces)
                        if text:
                            kind, extent = place.kind, extent.astype(place.dtype)
                        fieldwriter.write_term(term.encode("utf-8"), ids, weights, kind,
                                               starts, extent, lengths)
                        written.append(term)
            if text:
                self.words[fieldname] = written
            fieldwriter.finish_field()
        return bases

    @staticmethod
    def _arrays(postings: list, text: bool, width: int, unsorted: bool, boost: float):
        if unsorted:
            postings = _sorted_postings(postings, width)
        return _text_arrays(postings, boost) if text else _other_arrays(postings)


def _unchanged(arrays: tuple) -> tuple:
    return arrays


class _Globaliser:
    """Turns a text term's places in their documents into segment-wide positions."""

    def __init__(self, bases: np.ndarray):
        self.bases = bases
        self.listed = bases.tolist()
        self.kind = KIND_POSITIONS if int(bases[-1]) < POSITIONS32_LIMIT else KIND_POSITIONS64
        self.code = "I" if self.kind == KIND_POSITIONS else "Q"
        self.dtype = np.uint32 if self.kind == KIND_POSITIONS else np.uint64

    def __call__(self, arrays: tuple) -> tuple:
        ids, weights, _, starts, places = arrays
        if len(ids) == 1:  # most terms: one document, a few places, no numpy call
            base = self.listed[ids[0]]
            positions = array(self.code, [place + base for place in places])
        else:
            counts = np.diff(np.asarray(starts, np.int64))
            positions = np.asarray(places, np.int64) + np.repeat(
                self.bases[np.asarray(ids, np.int64)], counts)
            positions = positions.astype(self.dtype)
        return ids, weights, self.kind, starts, positions


def _as_postings(ids, weights, kind, starts, extent) -> Postings:
    """The pool's arrays of one term as the Postings a merge joins."""
    return Postings(np.frombuffer(ids, np.uint32).astype(np.int64),
                    np.frombuffer(weights, np.float32), _as_array(starts),
                    _as_array(extent), kind)


def _as_array(values) -> np.ndarray | None:
    if values is None:
        return None
    if isinstance(values, bytes):
        return np.frombuffer(values, np.uint8)
    return np.asarray(values)  # array('I'), array('Q') or an array: its own width


def _sorted_postings(postings: list, width: int) -> list:
    rows = sorted(zip(*(postings[n::width] for n in range(width)), strict=True),
                  key=lambda row: row[0])
    return list(chain.from_iterable(rows))


def _text_arrays(postings: list, boost: float) -> tuple:
    """(ids, weights, kind, starts, positions) of a text term's pooled postings."""
    places = postings[1::2]
    counts = list(map(len, places))
    starts = array("I", accumulate(counts, initial=0))
    positions = array("I", chain.from_iterable(places))
    weights = array("f", counts if boost == 1.0 else map(boost.__mul__, counts))
    return array("I", postings[0::2]), weights, KIND_POSITIONS, starts, positions


def _other_arrays(postings: list) -> tuple:
    """(ids, weights, kind, starts, value bytes) of another field's pooled postings."""
    ids = array("I", postings[0::3])
    weights = array("f", postings[1::3])
    values = postings[2::3]
    if any(values):
        starts = array("I", accumulate(map(len, values), initial=0))
        return ids, weights, KIND_BYTES, starts, b"".join(values)
    return ids, weights, KIND_NONE, None, None


class ArchiveWriter(SegmentWriter):
    """Whoosh's segment writer with the indexing hot path replaced (see TermPool).

    add_document is Whoosh's own minus what our schema never uses (per-document and
    per-field boosts, spelling fields, term vectors, custom stored values), with text
    fields tokenised straight into the pool; the flush writes the grouped postings.
    """

    def __init__(self, ix, **options):
        super().__init__(ix, codec=ArrayCodec(), **options)
        self.ix = ix
        unsupported = [name for name, fieldobj in self.schema.items()
                       if fieldobj.vector or fieldobj.separate_spelling()]
        if unsupported:
            raise IndexProblem(f"fields the index writer cannot write: {unsupported}")
        self.pool = TermPool(self.schema)
        self.merging: list[MergedSource] = []
        """The segments being merged into this writer's new segment (add_reader)."""

    def add_reader(self, reader) -> None:
        """Merge a segment into this writer's new segment: its stored fields and columns
        through Whoosh's per-document writer, its postings as arrays at the flush."""
        self._check_state()
        basedoc = self.docnum
        fieldnames = set(self.schema.names()) | {
            name for name in reader.indexed_field_names() if name in self.schema}
        docmap = self._copy_documents(fieldnames, reader)
        # a reader of our own: Whoosh's merge policies close theirs once this returns
        own = SegmentReader(self.storage, self.schema, reader.segment())
        self.merging.append(MergedSource(own, basedoc, docmap))
        self._added = True

    def add_document(self, **fields) -> None:
        self._check_state()
        schema = self.schema
        docnum = self.docnum
        pool = self.pool
        perdocwriter = self.perdocwriter
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
        perdocwriter.start_doc(docnum)
        for name in names:
            value = fields[name]
            if value is None:
                continue
            fieldobj = schema[name]
            length = 0
            if isinstance(fieldobj.format, WordPositions):
                length = pool.add_words(name, docnum, value)
                pool.note_length(name, docnum, length)
            elif fieldobj.indexed:
                for tbytes, freq, weight, vbytes in fieldobj.index(value):
                    if fieldobj.scorable:
                        length += freq
                    pool.add((name, tbytes, docnum, weight, vbytes))
            perdocwriter.add_field(name, fieldobj, value if fieldobj.stored else None,
                                   length)
            if fieldobj.column_type:
                perdocwriter.add_column_value(name, fieldobj.column_type,
                                              fieldobj.to_column_value(value))
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _copy_documents(self, fieldnames: set[str], reader) -> dict[int, int] | None:
        """Whoosh's write_per_doc (stored fields, lengths, columns of every document
        not deleted), with each length column read once instead of per document and
        field (Whoosh checks the column file exists on disk every time)."""
        schema = self.schema
        docmap: dict[int, int] | None = {} if reader.has_deletions() else None
        perdocwriter = self.perdocwriter
        lengths = {}
        for name in fieldnames:
            found = stored_lengths(reader, name)
            if found is not None:
                lengths[name] = found.tolist()
        columns = {}
        for name in fieldnames:
            column_type = schema[name].column_type
            if column_type and reader.has_column(name):
                columns[name] = reader.column_reader(name, column_type, translate=False)
        lexicon = segment_postings(reader).lexicon
        exact = {}
        for name in fieldnames:
            bases = lexicon.bases(name)
            if bases is not None:
                exact[name] = (np.diff(bases) - 1).tolist()
        note = self.pool.note_length
        for docnum, stored in reader.iter_docs():
            if docmap is not None:
                docmap[docnum] = self.docnum
            for name, sizes in exact.items():
                note(name, self.docnum, sizes[docnum])
            perdocwriter.start_doc(self.docnum)
            for name in fieldnames:
                value = stored.get(name)
                length = lengths[name][docnum] if name in lengths else 0
                if value is not None or length:
                    perdocwriter.add_field(name, schema[name], value, length)
                if name in columns:
                    perdocwriter.add_column_value(name, schema[name].column_type,
                                                  columns[name][docnum])
            perdocwriter.finish_doc()
            self.docnum += 1
        return docmap

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        perdoc = self.per_document_reader()

        def lengths_of(fieldname: str) -> np.ndarray | None:
            if not perdoc.has_column(f"_{fieldname}_len"):
                return None
            return field_lengths(_LengthsView(perdoc, self.docnum), fieldname)

        try:
            bases = self.pool.write(self.fieldwriter, lengths_of, self.docnum, self.merging)
            write_lexicon(self.newsegment, self.storage, self.pool.words, bases)
        finally:
            perdoc.close()
            for source in self.merging:
                source.close()
            self.merging = []
        self.fieldwriter.close()

    def _finish(self) -> None:
        """Whoosh's _finish also deletes the index's shared temporary folder, which the
        column writers of child processes' writers are using at the same moment; our
        pool never spills there, so only the lock is released."""
        if self.writelock:
            self.writelock.release()
        self.is_closed = True

    def _merge_segments(self, mergetype, optimize, merge):
        """Our merge policy instead of Whoosh's MERGE_SMALL, unless told otherwise."""
        merge = merge if merge is not None else self.merge
        if mergetype is None and not optimize and merge:
            mergetype = tiered_merge
        return super()._merge_segments(mergetype, optimize, merge)

    def abandon(self, segments: list | tuple = ()) -> None:
        """Cancel, and delete the files no commit refers to: this writer's new segment,
        `segments` and, when this writer holds the lock, whatever killed child
        processes left half-written. Whoosh's cancel leaves such files on disk until
        some later commit, which a full disk may never allow."""
        with contextlib.suppress(Exception):  # closing half-written files may fail too
            self._close_segment()
        try:
            if self.writelock is not None and not self.is_closed:
                toc = TOC.read(self.storage, self.indexname)
                clean_files(self.storage, self.indexname, toc.generation, toc.segments)
            else:
                for segment in [self.newsegment, *segments]:
                    for name in segment.list_files(self.storage):
                        with contextlib.suppress(OSError):
                            self.storage.delete_file(name)
        finally:
            if not self.is_closed:
                self._finish()

    def commit_with(self, segments: list, merge: bool = True, keep_lock: bool = False) -> None:
        """Commit this writer's own documents and deletions together with complete
        segments that child processes wrote while this writer held the lock (Whoosh's
        MpWriter does the same with multisegment=True).

        With `keep_lock` (a step while the children still write segments that no table
        of contents names yet) no file is cleaned up, since that would delete theirs,
        and the lock stays held for `successor`."""
        self._check_state()
        final = self._merge_segments(None, False, merge)
        if self._added:
            final.append(self._finalize_segment())
        else:
            self._close_segment()
        if keep_lock:
            TOC(self.schema, final + segments, self.generation).write(self.storage,
                                                                      self.indexname)
            self._delete_merged_away(final)
            self.is_closed = True
            return
        self._commit_toc(final + segments)
        self._finish()

    def _delete_merged_away(self, kept: list) -> None:
        """Delete the files of the segments this step merged away. A step that keeps the
        lock cannot clean up by listing (children's unfinished files are in the same
        folder), but these are named; a long sync would otherwise keep every merged
        segment on disk until its end (three copies of a million documents). Where the
        system refuses (a reader still has one open on Windows), the final commit's
        clean-up deletes it."""
        kept_ids = {segment.segment_id() for segment in kept}
        for segment in self.segments:
            if segment.segment_id() in kept_ids:
                continue
            for name in segment.list_files(self.storage):
                with contextlib.suppress(OSError):
                    self.storage.delete_file(name)

    def commit_clear(self) -> None:
        """Commit an empty index (a rebuild starts from nothing)."""
        self.commit(mergetype=CLEAR)

    def successor(self) -> ArchiveWriter:
        """A writer over the index as this one committed it (keep_lock), holding the
        lock this one held: no other writer gets in between two steps."""
        writer = ArchiveWriter(self.ix, _lk=False)
        writer.writelock, self.writelock = self.writelock, None
        return writer

    def delete_keys(self, keys, members: bool = True) -> None:
        """Delete the entries of these files' keys, and of every member read from them
        (each carries its file's key in `file_key`); with `members=False` only the
        entries of the keys themselves (what Whoosh's update_document deletes: a
        refresh rewrites a container without its members).

        Whoosh's delete_by_term looks every key up in every segment: a step of 2,000
        files over the 500 segments of a long sync was a million term lookups, and a
        sync grew quadratic. Here each segment's keys are hashed once (`segment_keys`),
        a batch is checked against every segment with one sorted search, and only a
        segment that may hold a key is read."""
        keys = list(dict.fromkeys(keys))
        if not keys or not self.segments:
            return
        fields = ("key", "file_key") if members else ("key",)
        wanted = _hashes(keys)
        for segment in self.segments:
            if len(keys) < LOOK_UP_BELOW and not segment_keys_known(self.storage, segment):
                _delete_in(self.storage, self.schema, segment, keys, fields)
                continue
            known = segment_keys(self.storage, self.schema, segment)
            maybe = [keys[n] for n in np.flatnonzero(_held(wanted, known))]
            if maybe:
                _delete_in(self.storage, self.schema, segment, maybe, fields)


def _hashes(texts) -> np.ndarray:
    return np.fromiter((int.from_bytes(blake2b(text.encode("utf-8"), digest_size=8).digest(),
                                       "little") for text in texts), np.uint64, len(texts))


def _held(wanted: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Which of `wanted` are in the sorted `known`: a binary search each, so a step
    costs its own keys times log(segment), not (np.isin) a sort of the segment's keys,
    which made every step of a million-document sync linear in the index."""
    if not len(known):
        return np.zeros(len(wanted), bool)
    places = np.minimum(np.searchsorted(known, wanted), len(known) - 1)
    return known[places] == wanted


_SEGMENT_KEYS: dict[tuple[str, str], np.ndarray] = {}
"""(index folder, segment id) -> the sorted hashes of its documents' keys and file keys:
8 bytes a document, built once in a segment's life (segments never change)."""


def segment_keys_known(storage, segment) -> bool:
    """Whether `segment_keys` of this segment is built already."""
    return _place(storage, segment) in _SEGMENT_KEYS


def _place(storage, segment) -> tuple[str, str]:
    return (str(getattr(storage, "folder", id(storage))), segment.segment_id())


def segment_keys(storage, schema, segment) -> np.ndarray:
    """The sorted hashes of a segment's keys and file keys (built once, then kept)."""
    place = _place(storage, segment)
    found = _SEGMENT_KEYS.get(place)
    if found is None:
        reader = SegmentReader(storage, schema, segment)
        try:
            terms = segment_postings(reader)
            texts = [raw.decode("utf-8") for field in ("key", "file_key")
                     for raw, _ in terms.offsets(field)]
        finally:
            reader.close()
        found = _SEGMENT_KEYS[place] = np.sort(_hashes(texts))
        if len(_SEGMENT_KEYS) > 50_000:  # merged-away segments of long sessions
            _SEGMENT_KEYS.clear()
    return found


def _delete_in(storage, schema, segment, keys: list[str],
               fields: tuple[str, ...] = ("key", "file_key")) -> None:
    """Mark deleted, in `segment`, the documents whose key (or file key, when `fields`
    has it) is in `keys`."""
    reader = SegmentReader(storage, schema, segment)
    try:
        terms = segment_postings(reader)
        for key in keys:
            raw = key.encode("utf-8")
            for field in fields:
                for docnum in terms.arrays(field, raw).ids.tolist():
                    segment.delete_document(docnum)
    finally:
        reader.close()


class _LengthsView:
    """What `field_lengths` reads of a segment reader, over a writer's per-doc reader."""

    def __init__(self, perdoc, count: int):
        self._perdoc = perdoc
        self._count = count

    def doc_count_all(self) -> int:
        return self._count


def open_writer(ix, wait: bool = True) -> ArchiveWriter:
    """The one writer of an index (Whoosh's write lock; waits up to 30 s)."""
    try:
        return ArchiveWriter(ix, timeout=30.0 if wait else 0.0, delay=0.25)
    except LockError as error:
        raise IndexProblem("another Archive App process is writing the index; "
                           "try again when it has finished") from error


class SegmentBuilder:
    """Documents written as a segment that is not in the index until the process that
    holds the write lock commits it (a child process's part of a parallel sync)."""

    def __init__(self, ix):
        self.ix = ix
        self.writer: ArchiveWriter | None = None

    @property
    def count(self) -> int:
        return self.writer.docnum if self.writer is not None else 0

    def add(self, fields: dict) -> None:
        if self.writer is None:
            self.writer = ArchiveWriter(self.ix, _lk=False)
        self.writer.add_document(**fields)

    def finish(self) -> object | None:
        """The segment of the documents added since the last finish (None if none)."""
        writer, self.writer = self.writer, None
        if writer is None:
            return None
        if not writer.docnum:
            writer.cancel()
            return None
        segment = writer._finalize_segment()
        writer._finish()
        return segment

    def abandon(self) -> None:
        writer, self.writer = self.writer, None
        if writer is not None:
            writer.abandon()
