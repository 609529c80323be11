"""The Whoosh index: schema, the word tokenizer, incremental sync of corpus folders, rebuild.

Every Whoosh type stays in this module and in search.py; the rest of the app sees our
own dataclasses. The index is derived data: anything wrong with it is fixed by a rebuild
from the corpus, never by touching the user's annotations.

Sync reads no file contents for unchanged files: it compares a stat signature (mtime,
size, and those of the file's metadata sidecar and the root's catalog.csv) with the one
recorded in the catalog. What is read is committed in steps (every few seconds, and at
once when one file is slow), each in the order texts -> Whoosh commit -> signatures, so
a crash, a kill or a Cancel costs at most the few seconds since the last step; the file
in hand at a kill is named by its marker (in_hand.py) and not read again until it changes.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
import threading
import time
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from io import BytesIO
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import Token, Tokenizer
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.structfile import BufferFile
from whoosh.formats import Positions
from whoosh.index import TOC, LockError, clean_files
from whoosh.reading import SegmentReader
from whoosh.system import _INT_SIZE, pack_uint, pack_ushort, unpack_uint
from whoosh.util.numeric import byte_to_length
from whoosh.writing import CLEAR, SegmentWriter

from archive_app.core import ingest
from archive_app.core.analysis import fold_words, iter_words
from archive_app.core.catalog import Catalog, FileRecord, Root
from archive_app.core.documents import Document
from archive_app.core.errors import Cancelled, IndexProblem, RejectedFile
from archive_app.core.in_hand import (
    STOPPED_CODE,
    STOPPED_REASON,
    SUSPECTS_FILE,
    InHand,
    SlowFileWatch,
    left_behind,
    to_blame,
)
from archive_app.core.index_model import (
    DocumentView,
    FileJob,
    IndexingCancelled,
    IndexSummary,
    SkippedFile,
    index_fields,
    message_id_term,
)
from archive_app.core.ingest import options
from archive_app.core.ingest.options import ReadOptions
from archive_app.core.jobs import JobControl
from archive_app.core.parallel_indexing import read_in_children
from archive_app.core.paths import AppPaths
from archive_app.core.scanning import Scan, scan_root

__all__ = ["INDEX_NAME", "ArchiveIndex", "DocumentView", "IndexSummary", "SkippedFile",
           "finish_swap", "index_fields", "iter_keys", "remove_index", "scan_root"]

INDEX_NAME = "archive-v4"
"""Bumped when tokenisation or encoding changes (v2: script folding, CJK bigrams; v3:
absolute positions, rare terms inline; v4: members of containers and messages, mail
headers, OCR marks): a new name means a
fresh index, and the catalog is cleared with it so the next sync re-reads every file."""
COMMIT_EVERY_DOCS = 10_000
"""At most this many documents per crash-safe step (texts -> Whoosh commit -> signatures)
and per segment: it bounds the memory of a step."""
COMMIT_EVERY_SECONDS = 5.0
"""A step is committed at least this often, so a kill or a crash costs at most these
seconds of reading. Each step is one more segment (a child's) and one more commit; see
README (Reliability) for the measured cost."""
SLOW_FILE_SECONDS = 1.0
"""When one file has been in hand this long, what was read before it is committed at
once (by a watching thread), so a file that hangs costs only itself."""
MERGE_BUDGET_DOCS = 500
"""A commit merges small segments only while they hold at most this many documents
together (about a second of Python); bigger segments are never merged again."""
MERGE_MIN_SEGMENTS = 3
PARALLEL_MIN_DOCS = 200
"""Batches at least this large are read and indexed by child processes, one segment
each (parallel_indexing.py); smaller ones, such as one changed file, stay in this
process with no process to start."""
INDEXING_PROCESSES = min(2, os.cpu_count() or 1)


class _ViewFile:
    """A read-only file over a memoryview, without copying it.

    Whoosh opens each part of a compound segment as `BufferFile(view)` over the mmap of
    the segment, and BufferFile wraps the view in `BytesIO(view)`, which copies it: a
    searcher over a 100,000-document index held 550 MB of copied index files (and
    spent seconds copying them). With this, the files stay in the OS page cache.
    """

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


def _buffer_file_init(self, buf, name=None, onclose=None):
    self._buf = buf
    self._name = name
    self.file = _ViewFile(buf) if isinstance(buf, memoryview) else BytesIO(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


BufferFile.__init__ = _buffer_file_init  # Whoosh is pinned at 2.7.4; see _ViewFile


class WordTokenizer(Tokenizer):
    """One regex pass with folding (analysis.iter_words): no filter chain, no stop list."""

    def __eq__(self, other):
        return isinstance(other, WordTokenizer)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for position, (word, start, end) in enumerate(iter_words(value)):
            token.text = word
            token.boost = 1.0
            if keeporiginal:
                token.original = value[start:end]
            token.stopped = False
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


class WordPositions(Positions):
    """Positions postings built straight from `analysis.fold_words`: the indexing hot path.

    Whoosh's Positions.word_values runs the analyzer (one Token object per word) and
    pickles each posting's position list; profiling put ~40% of indexing time there.
    This format tokenises with one `findall` (the same words as `iter_words`, so the
    highlighter and the phrase check agree with the index) and encodes the positions as
    a packed array ('B', 'H' or 'I' by the last position, native byte order: the index
    is local derived data; absolute, not deltas, so encoding is one C call). The field's
    analyzer (WordTokenizer) is still what queries use.
    """

    def word_values(self, value, analyzer, **kwargs):
        boost = self.field_boost
        encode = self.encode
        for word, positions in word_positions(value).items():
            yield word, len(positions), len(positions) * boost, encode(positions)

    def encode(self, poslist):
        if len(poslist) == 1 and poslist[0] < len(_SINGLE_POSITION):
            return _SINGLE_POSITION[poslist[0]]  # most postings: one occurrence
        last = poslist[-1]
        code = "B" if last < 0x100 else "H" if last < 0x10000 else "I"
        return pack_uint(len(poslist)) + code.encode() + array(code, poslist).tobytes()

    def decode_positions(self, valuestring):
        return self.position_array(valuestring).tolist()

    @staticmethod
    def position_array(valuestring) -> array:
        """The positions as a packed array: iterating it (set(), map()) stays in C."""
        return array(chr(valuestring[_INT_SIZE]), valuestring[_INT_SIZE + 1:])

    def decode_frequency(self, valuestring):
        return unpack_uint(valuestring[:_INT_SIZE])[0]


def word_positions(value: str) -> dict[str, list[int]]:
    """Each distinct word of a field value with its positions (the words of iter_words)."""
    poses: defaultdict[str, list[int]] = defaultdict(list)
    for position, word in enumerate(fold_words(value)):
        poses[word].append(position)
    return poses


_SINGLE_POSITION = [pack_uint(1) + (b"B" + bytes([p]) if p < 0x100 else
                    b"H" + array("H", [p]).tobytes()) for p in range(8192)]


INLINE_POSTINGS = 8
"""Terms in fewer documents than this keep their postings inside the term table (no
block of their own in the postings file: no pickle, zlib or seek per rare term).
Whoosh 2.7.4 has this option but its own writer calls a misspelt method for it, so
only _ArchiveWriter's flush writes inline postings; every reader handles them."""
POSTINGS_PER_BLOCK = 128


class _TermPool:
    """A segment's postings grouped by field and term as documents arrive.

    Replaces Whoosh's PostingPool, which keeps one tuple per posting in one list and
    sorts them all at commit (a third of indexing time here). Documents arrive in
    docnum order, so each term's list is already sorted; only the distinct terms are
    sorted, once. A term's postings are one flat list (docnum, weight, value, docnum,
    ...): a third of the memory of a tuple per posting. Memory is bounded by the batch
    size (COMMIT_EVERY_DOCS), not by spilling sorted runs to disk.
    """

    def __init__(self):
        self.fields: dict[str, dict[str, list]] = {}
        """field -> term -> [docnum, weight, encoded value, docnum, ...] in docnum order."""
        self._unsorted: set[str] = set()

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
        postings = terms.get(term)
        if postings is None:
            terms[term] = [docnum, weight, vbytes]
            return
        if postings[-3] > docnum:
            self._unsorted.add(fieldname)
        postings += (docnum, weight, vbytes)

    def add_words(self, fieldname: str, docnum: int, text_format: WordPositions,
                  value: str) -> int:
        """All postings of one text field of one document; returns the field length.

        The per-word loop of indexing: kept to a lookup and one append per distinct
        word (the common one-occurrence value comes pre-encoded from a table)."""
        terms = self._terms(fieldname)
        boost = text_format.field_boost
        encode = text_format.encode
        single = _SINGLE_POSITION
        singles = len(single)
        length = 0
        for word, positions in word_positions(value).items():
            count = len(positions)
            length += count
            if count == 1 and positions[0] < singles:
                posting = (docnum, boost, single[positions[0]])
            else:
                posting = (docnum, count * boost, encode(positions))
            postings = terms.get(word)
            if postings is None:
                terms[word] = list(posting)
            else:
                postings += posting
        return length

    def cleanup(self) -> None:
        """Nothing to delete (no temporary files); the memory goes with the writer, or
        with a child process's exit, where freeing a million postings one by one
        would only cost time."""

    def write(self, fieldwriter, schema, lengths_of: Callable[[str], list[int] | None]):
        """Write every term's posting list through the W3 field writer's own blocks."""
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            fieldobj = schema[fieldname]
            has_values = isinstance(fieldobj.format, WordPositions)
            unsorted = fieldname in self._unsorted
            fieldwriter.start_field(fieldname, fieldobj)
            lengths = lengths_of(fieldname)
            for term in sorted(terms):  # str order is UTF-8 byte order
                postings = terms[term]
                ids, weights, values = postings[0::3], postings[1::3], postings[2::3]
                if unsorted:
                    ids, weights, values = zip(*sorted(zip(ids, weights, values, strict=True),
                                                       key=_docnum), strict=True)
                if not has_values:  # Whoosh keeps no values for formats without them
                    values = [value for value in values if value]
                _write_term(fieldwriter, term.encode("utf-8"), ids, weights, values, lengths)
            fieldwriter.finish_field()


def _docnum(posting: tuple) -> int:
    return posting[0]


def _write_term(fieldwriter, tbytes: bytes, ids: Sequence, weights: Sequence, values: Sequence,
                lengths: list[int] | None) -> None:
    """One term: blocks of POSTINGS_PER_BLOCK like W3PostingsWriter.add_posting makes,
    or inline in the term table when the term is rare."""
    fieldwriter.start_term(tbytes)
    postwriter = fieldwriter._postwriter
    total = len(ids)
    for start in range(0, total, POSTINGS_PER_BLOCK):
        if start:
            postwriter._write_block()
        end = start + POSTINGS_PER_BLOCK
        block_ids = array("I", ids[start:end])
        block_weights = array("f", weights[start:end])
        postwriter._ids = block_ids
        postwriter._weights = block_weights
        postwriter._values = values[start:end]
        postwriter._maxweight = max(block_weights)
        if lengths is not None:
            block_lengths = [length for length in map(lengths.__getitem__, block_ids)
                             if length]
            postwriter._minlength = min(block_lengths) if block_lengths else None
            postwriter._maxlength = max(block_lengths) if block_lengths else 0
    if total < INLINE_POSTINGS:
        terminfo = postwriter._terminfo
        terminfo.add_block(postwriter)
        terminfo.set_inlined(postwriter._ids, postwriter._weights, postwriter._values)
        postwriter._terminfo = None
        fieldwriter._tindex.add(pack_ushort(fieldwriter._fieldid) + tbytes,
                                terminfo.to_bytes())
    else:
        fieldwriter.finish_term()


class _ArchiveWriter(SegmentWriter):
    """Whoosh's segment writer with the indexing hot path replaced (see _TermPool).

    add_document is Whoosh's own minus what our schema never uses (per-document and
    per-field boosts, spelling fields, term vectors, custom stored values), with text
    fields tokenised straight into the pool; the flush writes the grouped postings.
    Everything on disk is Whoosh's W3 format: any Whoosh reader opens it.
    """

    def __init__(self, ix, **options):
        super().__init__(ix, codec=W3Codec(compression=1, inlinelimit=INLINE_POSTINGS),
                         **options)
        self.ix = ix
        unsupported = [name for name, fieldobj in self.schema.items()
                       if fieldobj.vector or fieldobj.separate_spelling()]
        if unsupported:
            raise IndexProblem(f"fields the index writer cannot write: {unsupported}")
        self.pool = _TermPool()

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
                length = pool.add_words(name, docnum, fieldobj.format, value)
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

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths_reader = self.per_document_reader()
        doccount = self.docnum

        def lengths_of(fieldname: str) -> list[int] | None:
            column = f"_{fieldname}_len"
            if not lengths_reader.has_column(column):
                return None
            reader = lengths_reader.column_reader(column, LENGTHS_COLUMN)
            return [byte_to_length(reader[docnum]) for docnum in range(doccount)]

        try:
            self.pool.write(self.fieldwriter, self.schema, lengths_of)
        finally:
            lengths_reader.close()
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
            mergetype = _merge_small_segments
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
            self.is_closed = True
            return
        self._commit_toc(final + segments)
        self._finish()

    def successor(self) -> _ArchiveWriter:
        """A writer over the index as this one committed it (keep_lock), holding the
        lock this one held: no other writer gets in between two steps."""
        writer = _ArchiveWriter(self.ix, _lk=False)
        writer.writelock, self.writelock = self.writelock, None
        return writer


def _merge_small_segments(writer: SegmentWriter, segments: list) -> list:
    """Merge the smallest segments together while their documents stay within
    MERGE_BUDGET_DOCS; leave every other segment alone.

    Whoosh's MERGE_SMALL compares the running total of documents with a Fibonacci
    number; on an index of twenty 5,000-document segments its third one-document
    commit merged everything: 26 million postings re-written in Python, ten minutes for
    one changed file. Merging costs Python time per posting, so it must stay small.
    """
    chosen, total = [], 0
    for segment in sorted(segments, key=lambda segment: segment.doc_count_all()):
        total += segment.doc_count_all()
        if total > MERGE_BUDGET_DOCS:
            break
        chosen.append(segment)
    if len(chosen) < MERGE_MIN_SEGMENTS:
        return segments
    for segment in chosen:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if segment not in chosen]


def read_file(job: FileJob) -> Document | RejectedFile:
    """One file of a sync as a Document (with its members' documents as children), or
    the reason it is skipped."""
    try:
        return ingest.load_document(Path(job.path), job.key, job.override, job.options)
    except RejectedFile as rejection:
        return rejection


class SegmentSteps:
    """In a child process: the documents it reads, written as segments cut in steps.

    A segment is not in the index until the parent (which holds the write lock) commits
    it; cutting one every few seconds lets the parent commit what was read so far, so
    a kill or a Cancel loses at most the last step.
    """

    def __init__(self, index_dir: str):
        self.ix = whoosh_index.open_dir(index_dir, indexname=INDEX_NAME)
        self.writer: _ArchiveWriter | None = None
        self.started = time.monotonic()

    def add(self, document: Document, extras: dict[str, dict[str, str]]) -> None:
        """A file's document and its members' (each with its own tags and notes)."""
        if self.writer is None:
            self.writer = _ArchiveWriter(self.ix, _lk=False)
            self.started = time.monotonic()
        for one in document.family():
            self.writer.add_document(**index_fields(one, extras.get(one.key)))

    def due(self, most_docs: int, most_seconds: float) -> bool:
        return self.writer is not None and (
            self.writer.docnum >= most_docs
            or time.monotonic() - self.started >= most_seconds)

    def cut(self) -> object | None:
        """The segment of the documents added since the last cut (None if there are none)."""
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


def _text(**options) -> TEXT:
    field = TEXT(analyzer=WordTokenizer(), **options)
    field.format = WordPositions(field_boost=options.get("field_boost", 1.0))
    return field


def build_schema() -> Schema:
    """Unstemmed analysed text (stems are expanded at query time) plus facet columns.

    Stored fields are only the short metadata a result row shows; the body text lives
    zlib-compressed in the catalog (snippets, reader), never in Whoosh.
    """
    return Schema(
        key=ID(stored=True, unique=True),
        path=STORED(),
        url=STORED(),
        sha256=STORED(),
        title=_text(stored=True, field_boost=2.0),
        author=_text(stored=True),
        source=_text(stored=True),
        body=_text(),
        notes=_text(),
        tags=KEYWORD(commas=True, lowercase=True, sortable=True),
        source_facet=ID(sortable=True),
        date=ID(stored=True),
        year=ID(sortable=True),
        date_newest=ID(sortable=True),
        date_oldest=ID(sortable=True),
        format=ID(stored=True, sortable=True),
        lang=ID(stored=True, sortable=True),
        file_key=ID(),
        parent=ID(stored=True),
        place=STORED(),
        details=STORED(),
        mail_from=_text(stored=True),
        mail_to=_text(),
        mail_cc=_text(),
        sender_facet=ID(sortable=True),
        message_id=ID(),
        thread=KEYWORD(),
        ocr=ID(stored=True),
    )


class ArchiveIndex:
    """The index of one home: a Whoosh index plus its catalog; one writer at a time."""

    def __init__(self, paths: AppPaths):
        finish_swap(paths)
        self.paths = paths.ensure()
        self._write_lock = threading.Lock()
        self._local = threading.local()
        try:
            self.catalog = Catalog(paths.catalog_db, paths.roots_file)
        except sqlite3.DatabaseError as error:
            raise IndexProblem(f"the index catalog {paths.catalog_db} is damaged ({error}); "
                               "rebuild it with `archive-app check --repair`") from error
        self.needs_sync = False
        """True when a fresh index was made for folders indexed before (an upgrade of the
        index format, or a deleted index): the faces start a sync instead of showing none."""
        try:
            self.ix = self._open_or_create()
        except IndexProblem:
            self.catalog.close()
            raise
        self.extra_fields: Callable[[str], dict[str, str]] | None = None
        """Set by the annotation store: a key's tags, notes and the user's metadata edits."""
        self.keys_with_extras: Callable[[], set[str]] | None = None
        """Set by the annotation store: every key that has tags, notes or edits."""

    def fields_for(self, document: Document) -> dict[str, str]:
        """Index fields of a document with the user's own tags, notes and edits applied."""
        extra = self.extra_fields(document.key) if self.extra_fields else {}
        return index_fields(document, extra)

    # -- opening -----------------------------------------------------------------------
    def _open_or_create(self):
        directory = str(self.paths.index_dir)
        if not any(self.paths.index_dir.glob(f"_{INDEX_NAME}_*.toc")):
            if not self.catalog.read_only:
                self.catalog.clear()  # signatures would claim files the new index lacks
                for old in self.paths.index_dir.glob("*archive-v*"):
                    if old.is_dir():
                        shutil.rmtree(old, ignore_errors=True)  # a writer's temporary folder
                    elif f"{INDEX_NAME}_" not in old.name:
                        old.unlink()  # an earlier format's files
            self.needs_sync = bool(self.catalog.roots())
            return whoosh_index.create_in(directory, build_schema(), indexname=INDEX_NAME)
        try:
            ix = whoosh_index.open_dir(directory, indexname=INDEX_NAME)
            with ix.searcher() as searcher:
                searcher.doc_count()
                searcher.document(key="")  # reads the term index of every segment
            return ix
        except Exception as error:  # Whoosh raises many types for a damaged index
            raise IndexProblem(f"the search index in {directory} is damaged ({error}); "
                               "repair it with `archive-app check --repair`") from error

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
        self.catalog.close()

    # -- reading -----------------------------------------------------------------------
    def searcher(self):
        """This thread's Whoosh searcher, refreshed when a commit made it stale."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self.ix.searcher()
        elif not searcher.up_to_date():
            searcher = searcher.refresh()
        self._local.searcher = searcher
        return searcher

    def reader_catalog(self) -> Catalog:
        """This thread's own catalog connection (SQLite connections are per thread)."""
        if threading.current_thread() is threading.main_thread():
            return self.catalog
        catalog = getattr(self._local, "catalog", None)
        if catalog is None:
            catalog = self._local.catalog = Catalog(self.paths.catalog_db,
                                                      self.paths.roots_file)
        return catalog

    def doc_count(self) -> int:
        return self.searcher().doc_count()

    def stored_fields(self, key: str) -> dict | None:
        return self.searcher().document(key=key)

    def document(self, key: str) -> DocumentView | None:
        """Metadata and normalised text of one document, without re-reading its file."""
        stored = self.stored_fields(key)
        text = self.reader_catalog().text(key)
        if stored is None or text is None:
            return None
        body, page_starts = text
        return DocumentView(
            key=key, path=stored.get("path", ""), title=stored.get("title", ""),
            author=stored.get("author", ""), source=stored.get("source", ""),
            date=stored.get("date", ""), url=stored.get("url", ""),
            lang=stored.get("lang", ""), format=stored.get("format", ""),
            text=body, page_starts=page_starts, parent=stored.get("parent", ""),
            place=stored.get("place", ""), details=stored_details(stored))

    def children(self, key: str) -> list[tuple[str, str, str]]:
        """(key, title, format) of the documents read from this one's members (a zip's
        files, a message's attachments), in the order they were read."""
        found = [(fields["key"], fields.get("title", ""), fields.get("format", ""))
                 for fields in self.searcher().documents(parent=key)]
        return sorted(found, key=lambda item: _natural_member_order(item[0]))

    def thread(self, key: str) -> list[tuple[str, str, str, str]]:
        """(key, title, author, date) of the messages of this one's thread: those its
        References and In-Reply-To name and those that name it, oldest first."""
        view = self.document(key)
        if view is None or not view.details.get("message_id"):
            return []
        ids = set(view.details.get("references", "").split())
        ids.update(view.details.get("in_reply_to", "").split())
        ids.add(view.details["message_id"])
        searcher = self.searcher()
        found: dict[str, dict] = {}
        for message_id in ids:
            for fields in searcher.documents(message_id=message_id_term(message_id)):
                found[fields["key"]] = fields
        for fields in searcher.documents(thread=message_id_term(view.details["message_id"])):
            found[fields["key"]] = fields
        return sorted(((k, f.get("title", ""), f.get("author", ""), f.get("date", ""))
                       for k, f in found.items()), key=lambda item: (item[3], item[0]))

    def skipped_files(self) -> list[SkippedFile]:
        return [SkippedFile(r.path, r.skip_code or "", r.skip_reason or "")
                for r in self.catalog.skipped()]

    # -- writing -----------------------------------------------------------------------
    def _writer(self) -> _ArchiveWriter:
        """The one writer of this index (Whoosh's write lock; waits up to 30 s)."""
        try:
            return _ArchiveWriter(self.ix, timeout=30.0, delay=0.25)
        except LockError as error:
            raise IndexProblem("another Archive App process is writing the index; "
                               "try again when it has finished") from error

    def sync(self, folders: list[Path] | None = None, rebuild: bool = False,
             control: JobControl | None = None) -> IndexSummary:
        """Bring the index up to date with corpus folders (all known ones when none given)."""
        control = control or JobControl()
        started = time.perf_counter()
        with self._write_lock:
            roots = [self.catalog.add_root(folder) for folder in folders or []]
            if not folders:
                roots = self.catalog.roots()
            if rebuild:
                self._clear()
            summary = IndexSummary(skipped=self._record_stopped())
            try:
                for root in roots:
                    self._sync_root(root, summary, control)
            except IndexingCancelled:
                summary.seconds = time.perf_counter() - started
                raise
            except IndexProblem:
                self._record_stopped()  # a child that died (out of memory) names its file
                raise
        summary.seconds = time.perf_counter() - started
        return summary

    def _record_stopped(self) -> list[SkippedFile]:
        """Record the files an indexing process was reading when it died (killed while
        a file hung it, out of memory; see in_hand.py) as skipped, so no run reads them
        again until they change. Such a file leaves the index like any skipped one."""
        if self.catalog.read_only:
            return []
        items = to_blame(self.paths.index_dir, left_behind(self.paths.index_dir))
        roots = {root.name: root for root in self.catalog.roots()} if items else {}
        stopped = []
        for item in items:
            root = roots.get(item["root"])
            if root is not None:
                batch = _Batch(self, root)
                batch.skip(item["key"], Path(item["path"]), item["signature"],
                           RejectedFile(STOPPED_CODE, STOPPED_REASON))
                batch.commit()
                stopped.append(SkippedFile(item["path"], STOPPED_CODE, STOPPED_REASON))
        return stopped

    def _clear(self) -> None:
        """A rebuild: the index and catalog start empty, and no file is suspected any
        more (in_hand.py): the user asked for everything to be read again."""
        writer = self._writer()
        writer.commit(mergetype=CLEAR)
        self.catalog.clear()
        with contextlib.suppress(OSError):
            (self.paths.index_dir / SUSPECTS_FILE).unlink()

    def _sync_root(self, root: Root, summary: IndexSummary, control: JobControl) -> None:
        if not root.path.is_dir():
            summary.missing_roots.append(str(root.path))
            return
        control.progress(0, 0, f"scanning {root.path}")
        scan = scan_root(root)
        known = self.catalog.files_of_root(root.name)
        if not scan.found and not scan.unreadable and any(
                record.skip_code is None for record in known.values()):
            # an empty mount point looks exactly like an unplugged drive: keep everything
            summary.missing_roots.append(str(root.path))
            return
        todo = [key for key, (_, sig) in scan.found.items()
                if key not in known or known[key].signature != sig]
        todo_set = set(todo)
        unchanged = [key for key in scan.found if key not in todo_set]
        summary.still_skipped += sum(1 for key in unchanged if known[key].skip_code)
        summary.unchanged += sum(1 for key in unchanged if not known[key].skip_code)
        removed = [key for key in known if key not in scan.found and key not in scan.unreadable]
        self._record_unreadable(root, scan, summary)
        overrides = ingest.read_catalog(root.path) if todo else {}
        removed_hashes = {known[key].sha256: key for key in removed if known[key].sha256}
        old_members = _members_by_file(self.catalog.member_keys(root.name))
        batch = _Batch(self, root)
        _unindex_unreadable(batch, scan, known, summary)
        read_options = self.read_options(root)
        jobs = [FileJob(key, scan.found[key][0], scan.found[key][1],
                        overrides.get(key.split("/", 1)[1]), read_options) for key in todo]
        read = 0
        try:
            for step_done, pairs in self._read(jobs, batch, control):
                for job, outcome in pairs:
                    _account(job, outcome, known, removed_hashes, summary, old_members)
                read += len(pairs)
                if step_done or batch.due():
                    batch.commit(final=False)
        except Cancelled:
            # everything read so far is in the batch: commit it, say what is left
            summary.cancelled = True
            summary.not_read += len(jobs) - read
            self._finish_root(batch, removed, known, summary, old_members)
            raise IndexingCancelled(summary) from None
        except BaseException:
            batch.abandon()
            raise
        self._finish_root(batch, removed, known, summary, old_members)

    @staticmethod
    def _finish_root(batch: _Batch, removed: list[str], known: dict[str, FileRecord],
                     summary: IndexSummary, old_members: dict[str, set[str]]) -> None:
        """The last step of a folder: files deleted from disk leave (with the documents
        read from their members), small segments merge."""
        batch.remove(removed)
        gone = [key for key in removed if known[key].skip_code is None]
        summary.removed += len(gone)
        summary.removed_keys += gone
        summary.removed_keys += [member for key in gone
                                 for member in sorted(old_members.get(key, ()))]
        batch.commit()

    def _read(self, jobs: list[FileJob], batch: _Batch, control: JobControl,
              ) -> Iterator[tuple[bool, list[tuple[FileJob, Document | RejectedFile]]]]:
        """Read the files into the batch, yielding each step's (job, outcome) pairs and
        whether the step must be committed now (a child's segment is complete).

        A large batch is read and indexed by child processes (parallel_indexing), whose
        segments the batch commits as they come; a small one (a few changed files) here,
        with no process to start."""
        if len(jobs) >= PARALLEL_MIN_DOCS and INDEXING_PROCESSES > 1:
            batch.writer = self._writer()  # held (and handed on) until the last step
            extras = self.extras_for([job.key for job in jobs])
            steps = (COMMIT_EVERY_DOCS, COMMIT_EVERY_SECONDS, SLOW_FILE_SECONDS)
            for segment, pairs in read_in_children(
                    self.paths.index_dir, batch.root.name, jobs, extras, control,
                    INDEXING_PROCESSES, steps):
                batch.take(pairs, segment)
                yield True, pairs
            return
        with InHand(self.paths.index_dir) as in_hand, \
                SlowFileWatch(lambda: _slow(in_hand, batch.flush), SLOW_FILE_SECONDS) as watch:
            for done, job in enumerate(jobs, 1):
                control.check_cancelled()
                watch.reading()
                in_hand.hold(batch.root.name, job.key, job.path, job.signature)
                with options.watching(_reporter(control, done - 1, len(jobs), job.path),
                                      control.cancel_event.is_set):
                    outcome = read_file(job)
                in_hand.clear()
                watch.done()
                batch.take([(job, outcome)], here=True)
                yield False, [(job, outcome)]
                control.progress(done, len(jobs), job.path)

    def extras_for(self, keys: list[str]) -> dict[str, dict[str, str]]:
        """The user's tags, notes and edits of those keys that have any, and of the
        members read from them (one store query for the set of such keys, not two per
        document)."""
        if self.extra_fields is None:
            return {}
        if self.keys_with_extras is None:
            return {key: self.extra_fields(key) for key in keys}
        files = set(keys)
        return {key: self.extra_fields(key) for key in self.keys_with_extras()
                if key.split(ingest.CHILD_KEY_SEPARATOR, 1)[0] in files}

    def read_options(self, root: Root) -> ReadOptions:
        """How this folder's files are read: its OCR setting, and the OCR cache, which
        lives in the home beside (not inside) the derived index, so a rebuild keeps it."""
        setting = root.ocr.strip().lower()
        return ReadOptions(ocr=setting != "off",
                           ocr_languages="" if setting in ("", "off", "auto") else setting,
                           ocr_cache_dir=str(self.paths.home / "ocr-cache"))

    def _record_unreadable(self, root: Root, scan: Scan, summary: IndexSummary) -> None:
        records = []
        for key, (path, reason) in scan.unreadable.items():
            summary.skipped.append(SkippedFile(str(path), "unreadable", reason))
            records.append(FileRecord(key, root.name, str(path), "-", None, "unreadable", reason))
        self.catalog.store_files(records)

    def refresh_documents(self, keys: list[str]) -> None:
        """Rewrite index entries from the stored text after tags, notes or metadata changed.

        No file is opened or parsed: this is what makes tagging show up in search at once.
        """
        with self._write_lock:
            writer = self._writer()
            try:
                for key in keys:
                    document = self._stored_document(key)
                    if document is not None:
                        writer.update_document(**self.fields_for(document))
                writer.commit()
            except BaseException:
                writer.abandon()
                raise

    def remove_root(self, root: Root) -> list[str]:
        """Take a corpus folder out of the archive: its documents leave the index first,
        then the catalog forgets its files and the folder. Returns the removed document
        keys; the folder itself is never touched. The user's annotations are the store's
        business (Library marks them orphaned)."""
        with self._write_lock:
            keys = [key for key, record in self.catalog.files_of_root(root.name).items()
                    if record.skip_code is None]
            writer = self._writer()
            try:
                delete_keys(writer, keys)
                writer.commit()
            except BaseException:
                writer.abandon()
                raise
            self.catalog.remove_root(root.name)
        return keys

    def _stored_document(self, key: str) -> Document | None:
        """The document as its file last gave it, from the catalog (no file is read)."""
        record = self.catalog.record(key)
        text = self.catalog.text(key)
        metadata = self.catalog.file_metadata(key)
        about = self.catalog.about(key) or {}
        if record is None or text is None or metadata is None:
            return None
        return Document(key=key, path=record.path,
                        format=about.get("format") or _format_of(record.path),
                        text=text[0], page_starts=text[1], sha256=record.sha256 or "",
                        file_key=record.file_key or "", parent=about.get("parent", ""),
                        place=about.get("place", ""), details=about.get("details", {}),
                        **metadata)


def _unindex_unreadable(batch: _Batch, scan: Scan, known: dict[str, FileRecord],
                        summary: IndexSummary) -> None:
    """An indexed file that the scan now refuses (swapped for a link out of the folder or
    a FIFO, or read through a link by an older version) leaves the index, recorded."""
    for key, (path, reason) in scan.unreadable.items():
        if key in known and known[key].skip_code is None:
            batch.skip(key, Path(path), "-", RejectedFile("unreadable", reason))
            summary.removed += 1
            summary.removed_keys.append(key)


def _format_of(path: str) -> str:
    return ingest.format_of(Path(path))


def _reporter(control: JobControl, done: int, total: int, path: str):
    """A long read's own progress ("OCR 12 / 300 pages") as the job's progress line."""
    return lambda message: control.progress(done, total, f"{path}: {message}")


def _slow(in_hand: InHand, flush: Callable[[], None]) -> None:
    """A file is slow: say so in its marker, and commit what was read before it."""
    in_hand.mark_slow()
    flush()


def _account(job: FileJob, outcome: Document | RejectedFile, known: dict[str, FileRecord],
             removed_hashes: dict[str, str], summary: IndexSummary,
             old_members: dict[str, set[str]] | None = None) -> None:
    """Count one file's outcome in the summary (a move is a new key with an old text).

    A container's members that could not be read are listed among the skipped, by
    their place ("leak.zip › ../etc/passwd"); those read count as documents. Members
    follow their file: those of a moved zip move with it, those a re-read container no
    longer holds are removed (their annotations become orphaned, as a deleted file's)."""
    before = (old_members or {}).get(job.key, set())
    if isinstance(outcome, RejectedFile):
        summary.skipped.append(SkippedFile(job.path, outcome.code, outcome.reason))
        summary.removed_keys += sorted(before)
        return
    for place, code, reason in outcome.skipped_members:
        summary.skipped.append(SkippedFile(place, code, reason))
    children = [document.key for document in outcome.family()[1:]]
    summary.members += len(children)
    if job.key not in known or known[job.key].skip_code is not None:
        summary.added += 1
        old_key = removed_hashes.get(outcome.sha256)
        if old_key:
            summary.moved.append((old_key, job.key))
            moved_before = (old_members or {}).get(old_key, set())
            summary.moved += [(old_key + key[len(job.key):], key) for key in children
                              if old_key + key[len(job.key):] in moved_before]
    else:
        summary.updated += 1
        summary.removed_keys += sorted(before - set(children))
    summary.changed_keys.append(job.key)
    summary.changed_keys += children


def _members_by_file(keys: set[str]) -> dict[str, set[str]]:
    """Member keys grouped by the key of the file they were read from."""
    grouped: dict[str, set[str]] = {}
    for key in keys:
        grouped.setdefault(key.split(ingest.CHILD_KEY_SEPARATOR, 1)[0], set()).add(key)
    return grouped


class _Batch:
    """Documents waiting for the next commit (a step), written in the crash-safe order."""

    def __init__(self, index: ArchiveIndex, root: Root):
        self.index = index
        self.root = root
        self.last_commit = time.monotonic()
        self.documents: list[tuple[Document, str]] = []
        """Every document of the batch with its file signature."""
        self.pending: list[Document] = []
        """Documents still to be added to the index by this process."""
        self.segments: list[object] = []
        """Segments child processes wrote (their documents are in `documents` too)."""
        self.writer: _ArchiveWriter | None = None
        """The writer held while child processes write, so no one else cleans up."""
        self.records: list[FileRecord] = []
        self.removed: list[str] = []

    @property
    def size(self) -> int:
        return len(self.documents) + len(self.records) + len(self.removed)

    def add(self, document: Document, signature: str) -> None:
        self.documents.append((document, signature))

    def take(self, pairs: list[tuple[FileJob, Document | RejectedFile]],
             segment: object | None = None, here: bool = False) -> None:
        """A step's outcomes: documents to add (`here`: by this process; otherwise they
        are in `segment`, a child's) and files to record as skipped."""
        for job, outcome in pairs:
            if isinstance(outcome, RejectedFile):
                self.skip(job.key, Path(job.path), job.signature, outcome)
            else:
                self.add(outcome, job.signature)
                if here:
                    self.pending.append(outcome)
        if segment is not None:
            self.segments.append(segment)

    def due(self) -> bool:
        """Time for a step: enough documents, or enough seconds since the last one."""
        waiting = len(self.documents) + len(self.records)
        return bool(waiting) and (
            waiting >= COMMIT_EVERY_DOCS
            or time.monotonic() - self.last_commit >= COMMIT_EVERY_SECONDS)

    def flush(self) -> None:
        """Commit what was read so far (while a slow file is in hand)."""
        if self.documents or self.records:
            self.commit(final=False)

    def abandon(self) -> None:
        """A failed sync: delete what no commit refers to, release the lock."""
        writer, self.writer = self.writer, None
        if writer is not None:
            writer.abandon(self.segments)
        self.segments = []

    def skip(self, key: str, path: Path, signature: str, rejection: RejectedFile) -> None:
        self.records.append(FileRecord(key, self.root.name, str(path), signature, None,
                                       rejection.code, rejection.reason))
        self.removed.append(key)  # a file that became unreadable leaves the index

    def remove(self, keys: list[str]) -> None:
        self.removed.extend(keys)

    def commit(self, final: bool = True) -> None:
        """Texts -> Whoosh commit -> signatures. Intermediate steps commit without
        merging segments (Whoosh's MERGE_SMALL would rewrite postings in this process);
        the last one lets Whoosh merge the small segments. While child processes write
        (a held writer), an intermediate step keeps the lock and hands it on."""
        self.last_commit = time.monotonic()
        if not self.size and not final:
            return
        writer, self.writer = self.writer, None
        if not self.size:
            if writer is not None:
                writer.abandon(self.segments)
            return
        keep_lock = writer is not None and not final
        catalog = self.index.catalog
        try:
            catalog.store_texts((one.key, one.text, one.page_starts, one.metadata(),
                                 _about(one))
                                for d, _ in self.documents for one in d.family())
            writer = writer or self.index._writer()
            self._delete_old(writer)
            for document in self.pending:
                for one in document.family():
                    writer.add_document(**self.index.fields_for(one))
            writer.commit_with(self.segments, merge=final, keep_lock=keep_lock)
        except BaseException:
            if writer is not None:
                writer.abandon(self.segments)
            self.segments = []
            raise
        if keep_lock:
            self.writer = writer.successor()
        catalog.forget(self.removed)
        catalog.store_files(
            [FileRecord(one.key, self.root.name, one.path, signature if one is d else "-",
                        one.sha256, None, None, one.file_key or None)
             for d, signature in self.documents for one in d.family()] + self.records)
        self.documents, self.pending, self.segments = [], [], []
        self.records, self.removed = [], []

    def _delete_old(self, writer) -> None:
        """Delete the index entries of every key of the batch; this also clears entries a
        crash left in the index without their signatures."""
        delete_keys(writer, dict.fromkeys(self.removed + [d.key for d, _ in self.documents]))


def finish_swap(paths: AppPaths) -> None:
    """A rebuild (health.rebuild_index) killed between its two renames left the old
    index as index.old and none in its place: put it back before anything creates an
    empty one there."""
    old = paths.home / "index.old"
    if paths.index_dir == paths.home / "index" and not paths.index_dir.exists() \
            and old.is_dir():
        os.rename(old, paths.index_dir)


def delete_keys(writer, keys) -> None:
    """Delete the index entries of these files' keys, and of every member read from
    them (each carries its file's key in `file_key`), with one shared searcher (Whoosh's
    update_document opens a reader per document)."""
    if not keys or not writer.segments:
        return
    with writer.searcher() as searcher:
        has_members = "file_key" in searcher.schema and any(
            True for _ in searcher.lexicon("file_key"))
        for key in keys:
            writer.delete_by_term("key", key, searcher=searcher)
            if has_members:
                writer.delete_by_term("file_key", key, searcher=searcher)


def _about(document: Document) -> dict:
    """What the catalog keeps of a document beyond its metadata, so that its index
    entry can be rewritten (tags, edits) without reading the container again."""
    if not (document.parent or document.details or document.place):
        return {}
    return {"format": document.format, "parent": document.parent, "place": document.place,
            "details": document.details}


def stored_details(stored: dict) -> dict[str, str]:
    try:
        value = json.loads(stored.get("details") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _natural_member_order(key: str) -> list:
    return [int(part) if part.isdigit() else part
            for part in re.split(r"(\d+)", key.split(ingest.CHILD_KEY_SEPARATOR, 1)[-1])]


def remove_index(paths: AppPaths) -> None:
    """Delete the derived index folder entirely (used before a rebuild of a damaged index)."""
    if paths.index_dir.exists():
        shutil.rmtree(paths.index_dir)


def iter_keys(index: ArchiveIndex) -> Iterator[str]:
    searcher = index.searcher()
    for fields in searcher.all_stored_fields():
        yield fields["key"]
