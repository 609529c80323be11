"""Postings as raw little-endian arrays, through Whoosh's own codec API: every private
Whoosh access of the engine that touches files is here.

Whoosh's W3 postings are pickled, zlib-compressed blocks of 128 postings, decoded a
posting at a time in Python: at 100,000 documents that decoding was most of a search.
`ArrayCodec` is a subclass of Whoosh's W3 codec that keeps everything else of the W3
format (table of contents, segments, the term table, stored fields, columns) and writes
each term's postings as one record of arrays that numpy reads zero-copy from the
mapped segment file:

    header   uint32 count, uint32 kind, uint32 extent      (little-endian, 4-aligned)
    ids      uint32[count]     docnums, ascending
    weights  float32[count]    what W3 would store (a text field: occurrences x boost)
    kind 1:  starts uint32[count + 1], positions uint32[extent]
    kind 3:  the same with positions uint64[extent]
             the positions of document i are positions[starts[i]:starts[i + 1]], as
             segment-wide positions: the word's place in its document plus the
             document's base in the field (the field's words of the documents before it,
             plus one empty place after each, so no phrase spans two documents). A
             term's positions are then one sorted array, and a phrase is a binary search
             of one word's positions in another's (evaluate.py); the bases are in the
             segment's .lex file, with its words
    kind 2:  starts uint32[count + 1], bytes[extent]  (a format's other encoded values)
    kind 0:  nothing more (a format without values: ID fields)

The term table's W3TermInfo (frequency, document frequency, min/max length and weight,
the record's offset) is Whoosh's, so Whoosh's readers, `doc_frequency` and query API work
unchanged; `postings_reader` hands Whoosh a ListMatcher over the arrays, which is what
the reference path (`Searcher(set_evaluation=False)`) and segment merges read.

`ArraySegment` opens the parts of a compound segment as views of its mmap: Whoosh's
BufferFile copies the view into a BytesIO (a searcher over 100,000 documents held 550 MB
of copied files). The codec and segment classes are pickled into the index's table of
contents by their import path: they must stay importable here, and moving them needs an
index format bump (index.INDEX_NAME).
"""

from __future__ import annotations

import json
import mmap
import struct
import sys
from array import array
from io import BytesIO
from itertools import accumulate, chain
from typing import NamedTuple

import numpy as np
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3Codec,
    W3FieldWriter,
    W3Segment,
    W3TermInfo,
    W3TermsReader,
    _lenfield,
)
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.structfile import BufferFile
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.system import pack_ushort
from whoosh.util.numeric import byte_to_length

KIND_NONE, KIND_POSITIONS, KIND_BYTES, KIND_POSITIONS64 = 0, 1, 2, 3
POSITION_KINDS = (KIND_POSITIONS, KIND_POSITIONS64)
if sys.byteorder != "little":  # the writer hands over native arrays; records are little-endian
    raise ImportError("the array postings codec is written for little-endian machines")
_HEADER = struct.Struct("<3I")
_U4, _U8, _F4 = np.dtype("<u4"), np.dtype("<u8"), np.dtype("<f4")
_PAD = b"\0\0\0"
LENGTH_OF_BYTE = np.array([byte_to_length(value) for value in range(256)], dtype=np.int64)
"""Whoosh's one-byte length estimate decoded, for a whole column at once."""


class Postings(NamedTuple):
    """One term's postings in one segment, as arrays over the mapped file (read-only)."""

    ids: np.ndarray
    weights: np.ndarray
    starts: np.ndarray | None
    """kind 1 and 2: where each document's positions (or value bytes) start."""
    positions: np.ndarray | None
    """kind 1: every position, document after document; kind 2: the values' bytes."""
    kind: int


EMPTY = Postings(np.zeros(0, _U4), np.zeros(0, _F4), None, None, KIND_NONE)


def decode_postings(buffer, offset: int) -> Postings:
    """A term's record at `offset` of a postings buffer, as zero-copy arrays."""
    count, kind, size = _HEADER.unpack_from(buffer, offset)
    at = offset + _HEADER.size
    ids = np.frombuffer(buffer, _U4, count, at)
    weights = np.frombuffer(buffer, _F4, count, at + 4 * count)
    if kind == KIND_NONE:
        return Postings(ids, weights, None, None, kind)
    at += 8 * count
    starts = np.frombuffer(buffer, _U4, count + 1, at)
    at += 4 * (count + 1)
    if kind == KIND_POSITIONS:
        return Postings(ids, weights, starts, np.frombuffer(buffer, _U4, size, at), kind)
    if kind == KIND_POSITIONS64:
        return Postings(ids, weights, starts, np.frombuffer(buffer, _U8, size, at), kind)
    return Postings(ids, weights, starts, np.frombuffer(buffer, np.uint8, size, at), kind)


class ArrayCodec(W3Codec):
    """Whoosh's W3 codec with array postings (module docstring)."""

    def __init__(self):
        super().__init__(blocklimit=128, compression=0, inlinelimit=0)

    def field_writer(self, storage, segment):
        return ArrayFieldWriter(self, storage, segment)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None,
                        bases=None):
        """Whoosh's matcher interface over one term's arrays (the reference path);
        `bases` turns segment-wide positions back into each document's own."""
        offset, _ = terminfo.extent()
        postings = decode_postings(_buffer_of(dbfile), offset)
        if not len(postings.ids):
            return NullMatcher()
        return ListMatcher(postings.ids.tolist(), postings.weights.tolist(),
                           _encoded_values(postings, format_, bases), format_, scorer=scorer,
                           term=term, terminfo=terminfo)

    def terms_reader(self, storage, segment):
        tiname = segment.make_filename(self.TERMS_EXT)
        postfile = segment.open_file(storage, self.POSTS_EXT)
        terms = ArrayTermsReader(self, storage.open_file(tiname), storage.file_length(tiname),
                                 postfile)
        terms.lexicon = SegmentLexicon(storage, segment)
        return terms

    def new_segment(self, storage, indexname):
        return ArraySegment(self, indexname)


def _encoded_values(postings: Postings, format_, bases: np.ndarray | None) -> list[bytes]:
    """Each posting's value as the field's format encodes it (what Whoosh reads)."""
    if postings.kind == KIND_NONE:
        return [b""] * len(postings.ids)
    starts = postings.starts.tolist()
    if postings.kind == KIND_BYTES:
        raw = postings.positions.tobytes()
        return [raw[starts[n]:starts[n + 1]] for n in range(len(postings.ids))]
    positions = local_positions(postings, bases).tolist()
    return [format_.encode(positions[starts[n]:starts[n + 1]])
            for n in range(len(postings.ids))]


def local_positions(postings: Postings, bases: np.ndarray | None) -> np.ndarray:
    """The positions as places in their own documents (the segment-wide ones minus
    each document's base)."""
    positions = postings.positions.astype(np.int64)
    if bases is None or not len(positions):
        return positions
    counts = np.diff(postings.starts.astype(np.int64))
    return positions - np.repeat(bases[postings.ids], counts)


def _buffer_of(dbfile):
    """The bytes behind a postings file: the mmap view when mapped, else mapped here."""
    buffer = getattr(dbfile, "_buf", None)
    if buffer is not None:
        return buffer
    cached = getattr(dbfile, "_archive_map", None)
    if cached is None:
        handle = dbfile.file
        try:
            cached = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (AttributeError, OSError, ValueError):
            handle.seek(0)
            cached = handle.read()
        dbfile._archive_map = cached
    return cached


class ArrayFieldWriter(W3FieldWriter):
    """Writes one array record per term (`write_term`); Whoosh's own start_term / add /
    finish_term sequence is buffered into the same records."""

    def __init__(self, codec, storage, segment):
        super().__init__(codec, storage, segment)
        self._pending: list | None = None
        self._written = self._postfile.tell()
        """Bytes written to the postings file (StructFile.tell asks the OS each time)."""
        self._listed: tuple = (None, [])
        """(a field's lengths array, the same as a list) for the rare terms' bounds."""
        table = self._tindex.dbfile
        table.file = _CountingFile(table.file)  # Whoosh's term table asks per term

    def start_field(self, fieldname, fieldobj):
        super().start_field(fieldname, fieldobj)
        self._postwriter = None  # no W3 blocks are written

    def write_term(self, tbytes: bytes, ids, weights, kind: int, starts, extent,
                   lengths: np.ndarray | None) -> None:
        """One term's postings: docnums ascending (array('I') or uint32 arrays), weights
        (float32), and positions or value bytes with their starts.

        `lengths` (docnum -> the field's length) gives the term table's min and max
        length, which Whoosh's BM25 uses for its quality bounds. The hot path of
        writing: a few C calls per term, no numpy for the rare terms."""
        if isinstance(ids, np.ndarray):  # a merge's arrays: make the stored types sure
            ids = ids.astype(_U4, copy=False)
            weights = np.asarray(weights).astype(_F4, copy=False)
            if starts is not None:
                starts = np.asarray(starts).astype(_U4, copy=False)
        if isinstance(extent, np.ndarray) and kind in POSITION_KINDS:
            extent = extent.astype(_U4 if kind == KIND_POSITIONS else _U8, copy=False)
        elif isinstance(starts, np.ndarray) and not isinstance(ids, np.ndarray):
            starts = starts.astype(_U4, copy=False)
        count = len(ids)
        position = self._written
        if position % 4:
            self._postfile.write(_PAD[:4 - position % 4])
            position += 4 - position % 4
        size = len(extent) if kind != KIND_NONE else 0  # positions, or value bytes
        parts = [_HEADER.pack(count, kind, size), ids, weights]
        if kind != KIND_NONE:
            parts += [starts, extent]
            if kind == KIND_BYTES and size % 4:
                parts.append(_PAD[:(-size) % 4])
        record = b"".join(parts)
        self._postfile.write(record)
        self._written = position + len(record)
        terminfo = W3TermInfo()
        if isinstance(weights, np.ndarray):
            terminfo._weight = float(weights.sum(dtype=np.float64))
            terminfo._maxweight = float(weights.max()) if count else 0.0
        else:
            terminfo._weight = float(sum(weights))
            terminfo._maxweight = float(max(weights)) if count else 0.0
        terminfo._df = count
        terminfo._minid, terminfo._maxid = (int(ids[0]), int(ids[-1])) if count else (
            None, None)
        if lengths is not None and count:
            if count > 32:
                found = lengths[np.asarray(ids)]
                found = found[found > 0]
                terminfo._minlength = int(found.min()) if len(found) else None
                terminfo._maxlength = int(found.max()) if len(found) else 0
            else:  # most terms: a few documents, no numpy call
                if self._listed[0] is not lengths:
                    self._listed = (lengths, lengths.tolist())
                listed = self._listed[1]
                found = [listed[docnum] for docnum in ids if listed[docnum] > 0]
                terminfo._minlength = min(found) if found else None
                terminfo._maxlength = max(found) if found else 0
        terminfo.set_extent(position, len(record))
        self._tindex.add(pack_ushort(self._fieldid) + tbytes, terminfo.to_bytes())

    def start_term(self, btext):
        self._btext = btext
        self._pending = []

    def add(self, docnum, weight, vbytes, length):
        self._pending.append((docnum, weight, vbytes))

    def finish_term(self):
        pending, self._pending = self._pending, None
        ids = array("I", [docnum for docnum, _, _ in pending])
        weights = array("f", [weight for _, weight, _ in pending])
        values = [vbytes for _, _, vbytes in pending]
        decode = getattr(self._format, "position_array", None)
        if decode is not None:
            places = [decode(value).tolist() for value in values]
            starts = array("I", accumulate(map(len, places), initial=0))
            extent = array("I", chain.from_iterable(places))
            self.write_term(self._btext, ids, weights, KIND_POSITIONS, starts, extent, None)
        elif any(values):
            starts = array("I", accumulate(map(len, values), initial=0))
            self.write_term(self._btext, ids, weights, KIND_BYTES, starts, b"".join(values),
                            None)
        else:
            self.write_term(self._btext, ids, weights, KIND_NONE, None, None, None)

    def finish_field(self):
        self._infield = False


class _CountingFile:
    """A written file that knows its position: a buffered file's tell() is an lseek
    system call, and Whoosh's term table writer asks for it twice per term."""

    def __init__(self, raw):
        self._raw = raw
        self._position = raw.tell()

    def write(self, data) -> int:
        written = self._raw.write(data)
        self._position += memoryview(data).nbytes
        return written

    def tell(self) -> int:
        return self._position

    def seek(self, *args) -> int:
        found = self._raw.seek(*args)
        self._position = self._raw.tell()
        return found

    def __getattr__(self, name):
        return getattr(self._raw, name)


class ArrayTermsReader(W3TermsReader):
    """Whoosh's term table reader, plus `arrays`: a term's postings as numpy arrays."""

    lexicon: SegmentLexicon

    def matcher(self, fieldname, tbytes, format_, scorer=None):
        terminfo = self.term_info(fieldname, tbytes)
        return self._codec.postings_reader(self._postfile, terminfo, format_,
                                           term=(fieldname, tbytes), scorer=scorer,
                                           bases=self.lexicon.bases(fieldname))

    def arrays(self, fieldname: str, tbytes: bytes) -> Postings:
        """The term's postings (EMPTY for a term the segment does not hold)."""
        fieldnum = self._fieldmap.get(fieldname)
        if fieldnum is None:
            return EMPTY
        data = self._tindex.get(pack_ushort(fieldnum) + tbytes)
        if data is None:
            return EMPTY
        offset = W3TermInfo.from_bytes(data)._offset
        return decode_postings(_buffer_of(self._postfile), offset)


    def offsets(self, fieldname: str):
        """(term bytes, record offset) of every term of a field, in order (merges)."""
        fieldnum = self._fieldmap.get(fieldname)
        if fieldnum is None:
            return
        prefix = pack_ushort(fieldnum)
        for keybytes, data in self._tindex.items_from(prefix):
            if not keybytes.startswith(prefix):
                return
            yield keybytes[2:], W3TermInfo.from_bytes(data)._offset

    def at(self, offset: int) -> Postings:
        """The term record at `offset` (from `offsets`)."""
        return decode_postings(_buffer_of(self._postfile), offset)


class _ViewFile:
    """A read-only file over a memoryview, without copying it (Whoosh's BufferFile
    wraps the view in a BytesIO, which copies it)."""

    def __init__(self, view: memoryview):
        self._view = view
        self._position = 0

    def read(self, size: int | None = -1) -> bytes:
        start = self._position
        end = len(self._view) if size is None or size < 0 else min(start + size,
                                                                     len(self._view))
        self._position = end
        return self._view[start:end].tobytes()

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        start, limit = self._position, len(self._view)
        if size is not None and size >= 0:
            limit = min(limit, start + size)
        end = start
        while end < limit:
            chunk = self._view[end:min(end + 256, limit)].tobytes()
            newline = chunk.find(b"\n")
            if newline >= 0:
                end += newline + 1
                break
            end += len(chunk)
        self._position = end
        return self._view[start:end].tobytes()

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._position, len(self._view))[whence]
        self._position = max(0, base + offset)
        return self._position

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        self._view = memoryview(b"")

    def flush(self) -> None:
        pass


class MappedFile(BufferFile):
    """One part of a compound segment: a view of the segment's mmap, never copied."""

    def __init__(self, buf, name=None, onclose=None):  # noqa: D107 - Whoosh's signature
        self._buf = buf
        self._name = name
        self.file = _ViewFile(buf) if isinstance(buf, memoryview) else BytesIO(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    def subset(self, position, length, name=None):
        return MappedFile(self._buf[position:position + length], name=name or self._name)


class MappedCompoundStorage(CompoundStorage):
    """Whoosh's compound segment storage, opening its parts as MappedFile views."""

    def open_file(self, name, *args, **kwargs):
        if self._source:
            offset, length = self.range(name)
            return MappedFile(memoryview(self._source)[offset:offset + length], name=name)
        return super().open_file(name, *args, **kwargs)


class ArraySegment(W3Segment):
    """A W3 segment whose compound file is read through views of its mmap."""

    def open_compound_file(self, storage):
        name = self.make_filename(self.COMPOUND_EXT)
        return MappedCompoundStorage(storage.open_file(name), use_mmap=storage.supports_mmap)


def segment_postings(reader) -> ArrayTermsReader:
    """The array-postings reader of one segment's reader; IndexProblem-worthy TypeError
    for a segment another codec wrote (the fast path must never silently fall back)."""
    terms = reader._terms
    if not isinstance(terms, ArrayTermsReader):
        raise TypeError(f"segment {reader.segment()} was not written with ArrayCodec")
    return terms


def field_lengths(reader, fieldname: str) -> np.ndarray:
    """docnum -> the field's length as BM25F sees it (Whoosh's one-byte estimate), read
    from the segment's lengths column in one pass."""
    count = reader.doc_count_all()
    column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:  # no document has the field: Whoosh's default length
        return np.ones(count, np.int64)
    raw = np.frombuffer(column._dbfile.get(column._basepos, column._count), np.uint8)
    lengths = LENGTH_OF_BYTE[raw]
    if len(lengths) < count:
        lengths = np.concatenate([lengths, np.zeros(count - len(lengths), np.int64)])
    return lengths


def stored_lengths(reader, fieldname: str) -> np.ndarray | None:
    """docnum -> the field's stored length estimate, None if no document has one."""
    column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:
        return None
    raw = np.frombuffer(column._dbfile.get(column._basepos, column._count), np.uint8)
    lengths = LENGTH_OF_BYTE[raw]
    count = reader.doc_count_all()
    if len(lengths) < count:  # the column ends at the last document with the field
        lengths = np.concatenate([lengths, np.zeros(count - len(lengths), np.int64)])
    return lengths


def column_ranks(reader, fieldname: str) -> tuple[list[bytes], np.ndarray]:
    """(a sortable field's distinct column values in order, docnum -> the index of its
    value among them): what Whoosh's sorting compares, without a Python call per
    document. A variable-length bytes column is cut into fixed-width keys with numpy
    (zero bytes after a shorter value sort it first, as bytes comparison does)."""
    count = reader.doc_count_all()
    column = reader.column_reader(fieldname, translate=False) if reader.has_column(
        fieldname) else None
    lengths = getattr(column, "_lengths", None)
    offsets = getattr(column, "_offsets", None)
    if column is None or lengths is None or offsets is None or not len(lengths):
        values = column_values(reader, fieldname)
        distinct = sorted(set(values))
        index_of = {value: n for n, value in enumerate(distinct)}
        return distinct, np.fromiter(map(index_of.__getitem__, values), np.int32, count)
    lengths = np.asarray(lengths, np.int64)
    offsets = np.asarray(offsets, np.int64)
    size = int((offsets + lengths).max())
    blob = np.frombuffer(column._dbfile.get(column._basepos, size), np.uint8)
    width = max(1, int(lengths.max()))
    places = np.arange(width)
    inside = places[None, :] < lengths[:, None]
    keys = np.where(inside, blob[np.minimum(offsets[:, None] + places[None, :],
                                           max(size - 1, 0))], 0).astype(np.uint8)
    distinct, ranks = np.unique(keys.view(f"S{width}").ravel(), return_inverse=True)
    ranks = ranks.astype(np.int32)
    if len(ranks) < count:  # documents after the column's last value: b""
        values = [bytes(value) for value in distinct.tolist()]
        if b"" not in values:
            values = [b""] + values
            ranks += 1
        ranks = np.concatenate([ranks, np.zeros(count - len(ranks), np.int32)])
        return values, ranks
    return [bytes(value) for value in distinct.tolist()], ranks


def column_values(reader, fieldname: str) -> list[bytes]:
    """docnum -> the raw bytes of a sortable field's column (b"" where a document has no
    value): what Whoosh's sorting compares, read in one pass instead of per document."""
    count = reader.doc_count_all()
    if not reader.has_column(fieldname):
        return [b""] * count
    values = list(reader.column_reader(fieldname, translate=False))
    return values + [b""] * (count - len(values))


LEXICON_EXT = ".lex"
_LEXICON_HEADER = struct.Struct("<I")


def write_lexicon(segment, storage, fields: dict[str, list[str]],
                  bases: dict[str, np.ndarray]) -> None:
    """The segment's sorted words of each text field, as one UTF-8 blob and offsets
    (`SegmentLexicon` reads them in place): prefixes, fuzzy words and "Did you mean"
    read a slice of it, instead of walking Whoosh's term table a key at a time. Then
    each text field's document bases (uint64[documents + 1], see the module docstring)."""
    header, parts, at = {}, [], 0
    for name, words in fields.items():
        encoded = [word.encode("utf-8") for word in words]
        blob = b"".join(encoded)
        offsets = array("I", accumulate(map(len, encoded), initial=0))
        header[name] = [at, len(blob), len(encoded), max(map(len, words), default=0)]
        parts += [blob, _PAD[:(-len(blob)) % 4], offsets]
        at += len(blob) + (-len(blob)) % 4 + 4 * len(offsets)
    pad = (-at) % 8
    parts.append(b"\0" * pad)
    at += pad
    for name, values in bases.items():
        header[f"bases:{name}"] = [at, len(values)]
        parts.append(np.ascontiguousarray(values, _U8).tobytes())
        at += 8 * len(values)
    table = json.dumps(header).encode("utf-8")
    handle = segment.create_file(storage, LEXICON_EXT)
    handle.write(_LEXICON_HEADER.pack(len(table)) + table + _PAD[:(-len(table)) % 4])
    for part in parts:
        handle.write(bytes(part))
    handle.close()


class SegmentLexicon:
    """One segment's words of each text field, in order, read from its .lex file."""

    def __init__(self, storage, segment):
        self._fields: dict[str, tuple[memoryview, np.ndarray, int]] = {}
        self._bases: dict[str, np.ndarray] = {}
        self._fallback = None
        name = segment.make_filename(LEXICON_EXT)
        if not storage.file_exists(name):  # a segment Whoosh's own writer made (tests)
            self._fallback = (storage, segment)
            return
        buffer = _buffer_of(storage.open_file(name))
        size = _LEXICON_HEADER.unpack_from(buffer, 0)[0]
        base = 4 + size + (-size) % 4
        for field, entry in json.loads(bytes(buffer[4:4 + size]).decode("utf-8")).items():
            if field.startswith("bases:"):
                at, count = entry
                self._bases[field[6:]] = np.frombuffer(buffer, _U8, count, base + at).astype(
                    np.int64)
                continue
            at, length, count, longest = entry
            start = base + at
            offsets = np.frombuffer(buffer, _U4, count + 1, start + length + (-length) % 4)
            self._fields[field] = (memoryview(buffer)[start:start + length], offsets, longest)

    def bases(self, field: str) -> np.ndarray | None:
        """docnum -> the document's first segment-wide position in the field (and one
        more entry: where a next document would start); None for a field without
        positions."""
        return self._bases.get(field)

    def with_reader(self, reader) -> SegmentLexicon:
        """This lexicon, able to fall back on Whoosh's term table through `reader`."""
        if self._fallback is not None:
            self._fallback = reader
        return self

    def words(self, field: str, prefix: str = "") -> list[str]:
        """The field's words starting with `prefix` (all of them for ''), in order."""
        if self._fallback is not None:
            reader = self._fallback
            if not hasattr(reader, "expand_prefix") or field not in reader.schema:
                return []
            return [raw.decode("utf-8") for raw in reader.expand_prefix(field, prefix)]
        found = self._fields.get(field)
        if found is None:
            return []
        blob, offsets, _ = found
        first, last = self._range(blob, offsets, prefix.encode("utf-8"))
        if first >= last:
            return []
        edges = offsets[first:last + 1]
        text = bytes(blob[int(edges[0]):int(edges[-1])]).decode("utf-8")
        if len(text) == int(edges[-1] - edges[0]):  # ASCII: characters are bytes
            cuts = (edges - edges[0]).tolist()
            return [text[cuts[n]:cuts[n + 1]] for n in range(len(cuts) - 1)]
        raw = bytes(blob[int(edges[0]):int(edges[-1])])
        cuts = (edges - edges[0]).tolist()
        return [raw[cuts[n]:cuts[n + 1]].decode("utf-8") for n in range(len(cuts) - 1)]

    def count(self, field: str, prefix: str = "") -> int:
        """How many of the field's words start with `prefix`, without reading them."""
        if self._fallback is not None:
            return len(self.words(field, prefix))
        found = self._fields.get(field)
        if found is None:
            return 0
        blob, offsets, _ = found
        first, last = self._range(blob, offsets, prefix.encode("utf-8"))
        return max(0, last - first)

    def longest(self, field: str) -> int:
        """The length in UTF-8 bytes of the field's longest word (0 if none)."""
        if self._fallback is not None:
            return max((len(word) for word in self.words(field)), default=0)
        found = self._fields.get(field)
        return found[2] if found else 0

    @staticmethod
    def _range(blob, offsets: np.ndarray, prefix: bytes) -> tuple[int, int]:
        count = len(offsets) - 1
        if not prefix:
            return 0, count

        def word(n: int) -> bytes:
            return bytes(blob[int(offsets[n]):int(offsets[n + 1])])

        low, high = 0, count
        while low < high:  # first word >= prefix
            middle = (low + high) // 2
            if word(middle) < prefix:
                low = middle + 1
            else:
                high = middle
        first, high = low, count
        while low < high:  # first word not starting with prefix
            middle = (low + high) // 2
            if word(middle)[:len(prefix)] <= prefix:
                low = middle + 1
            else:
                high = middle
        return first, low
