"""The Whoosh index: schema, the word tokenizer, incremental sync of corpus folders, rebuild.

Every Whoosh type stays in this module and in search.py; the rest of the app sees our
own dataclasses. The index is derived data: anything wrong with it is fixed by a rebuild
from the corpus, never by touching the user's annotations.

Sync reads no file contents for unchanged files: it compares a stat signature (mtime,
size, and those of the file's metadata sidecar and the root's catalog.csv) with the one
recorded in the catalog. Order of writes per batch: texts -> Whoosh commit -> signatures,
so a crash at any moment costs at most a re-read of the files of the last batch.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import time
from array import array
from collections.abc import Callable, Iterator
from itertools import accumulate
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.formats import Positions
from whoosh.index import LockError
from whoosh.system import _INT_SIZE, pack_uint, unpack_uint
from whoosh.writing import CLEAR

from archive_app.core import ingest
from archive_app.core.analysis import fold_words, iter_words
from archive_app.core.catalog import Catalog, FileRecord, Root
from archive_app.core.documents import Document
from archive_app.core.errors import IndexProblem, RejectedFile
from archive_app.core.index_model import DocumentView, IndexSummary, SkippedFile, index_fields
from archive_app.core.jobs import JobControl
from archive_app.core.paths import AppPaths
from archive_app.core.scanning import Scan, scan_root

__all__ = ["INDEX_NAME", "ArchiveIndex", "DocumentView", "IndexSummary", "SkippedFile",
           "index_fields", "iter_keys", "remove_index", "scan_root"]

INDEX_NAME = "archive-v2"
"""Bumped when tokenisation changes (v2: script folding, CJK bigrams): a new name means a
fresh index, and the catalog is cleared with it so the next sync re-reads every file."""
COMMIT_EVERY_DOCS = 10_000
"""Documents per crash-safe batch (texts -> Whoosh commit -> signatures). Larger batches
mean fewer segments and less commit overhead; a crash costs at most one batch re-read."""
WRITER_LIMIT_MB = 128
"""Whoosh's in-memory posting pool per writer process before it spills a sorted run."""
PARALLEL_MIN_DOCS: int | None = None
"""Batches at least this large would be indexed by two processes (whoosh MpWriter,
multisegment). Off: measured on 2 cores it was slower (98 vs 117 docs/s on 2k docs,
106 on 10k) because the parent (reading files, building fields, pickling them for the
children) is itself one busy core; and a SIGKILLed parent leaves its children blocked
on their queue for ever. Kept for machines with more cores; set an int to enable."""
WRITER_PROCS = min(2, os.cpu_count() or 1)


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
    highlighter and the phrase check agree with the index) and encodes the position
    deltas as a packed array ('B', 'H' or 'I' by the largest delta, native byte order:
    the index is local derived data). The field's analyzer (WordTokenizer) is still what
    queries use. Indexes created before this format keep Whoosh's own Positions (the
    schema is stored in the index), so both read correctly.
    """

    def word_values(self, value, analyzer, **kwargs):
        poses: dict[str, list[int]] = {}
        for position, word in enumerate(fold_words(value)):
            found = poses.get(word)
            if found is None:
                poses[word] = [position]
            else:
                found.append(position)
        boost = self.field_boost
        encode = self.encode
        for word, positions in poses.items():
            yield word, len(positions), len(positions) * boost, encode(positions)

    def encode(self, poslist):
        if len(poslist) == 1 and poslist[0] < len(_SINGLE_POSITION):
            return _SINGLE_POSITION[poslist[0]]  # most postings: one occurrence
        deltas = [poslist[0]]
        deltas += [b - a for a, b in zip(poslist, poslist[1:], strict=False)]
        top = max(deltas)
        code = "B" if top < 0x100 else "H" if top < 0x10000 else "I"
        return pack_uint(len(poslist)) + code.encode() + array(code, deltas).tobytes()

    def decode_positions(self, valuestring):
        code = chr(valuestring[_INT_SIZE])
        return list(accumulate(array(code, valuestring[_INT_SIZE + 1:])))

    def decode_frequency(self, valuestring):
        return unpack_uint(valuestring[:_INT_SIZE])[0]


_SINGLE_POSITION = [pack_uint(1) + (b"B" + bytes([p]) if p < 0x100 else
                    b"H" + array("H", [p]).tobytes()) for p in range(8192)]


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
    )


class ArchiveIndex:
    """The index of one home: a Whoosh index plus its catalog; one writer at a time."""

    def __init__(self, paths: AppPaths):
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
                for old in self.paths.index_dir.glob("*archive-v1*"):
                    old.unlink()
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
            text=body, page_starts=page_starts)

    def skipped_files(self) -> list[SkippedFile]:
        return [SkippedFile(r.path, r.skip_code or "", r.skip_reason or "")
                for r in self.catalog.skipped()]

    # -- writing -----------------------------------------------------------------------
    def _writer(self, parallel: bool = False):
        """A writer; `parallel` gives a whoosh MpWriter whose sub-processes each write
        their own segment (multisegment: no single-process merge of their postings)."""
        options = {"limitmb": WRITER_LIMIT_MB, "timeout": 30.0, "delay": 0.25}
        if parallel and WRITER_PROCS > 1:
            options.update(procs=WRITER_PROCS, multisegment=True, batchsize=250)
        try:
            return self.ix.writer(**options)
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
            summary = IndexSummary()
            for root in roots:
                self._sync_root(root, summary, control)
        summary.seconds = time.perf_counter() - started
        return summary

    def _clear(self) -> None:
        writer = self._writer()
        writer.commit(mergetype=CLEAR)
        self.catalog.clear()

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
        batch = _Batch(self, root)
        for done, key in enumerate(todo, 1):
            control.check_cancelled()
            path, signature = scan.found[key]
            relative = key.split("/", 1)[1]
            try:
                document = ingest.load_document(path, key, overrides.get(relative))
            except RejectedFile as rejection:
                batch.skip(key, path, signature, rejection)
                summary.skipped.append(SkippedFile(str(path), rejection.code, rejection.reason))
            else:
                is_new = key not in known or known[key].skip_code is not None
                batch.add(document, signature)
                if is_new:
                    summary.added += 1
                    old_key = removed_hashes.get(document.sha256)
                    if old_key:
                        summary.moved.append((old_key, key))
                else:
                    summary.updated += 1
                summary.changed_keys.append(key)
            if batch.size >= COMMIT_EVERY_DOCS:
                batch.commit(final=False)
            control.progress(done, len(todo), str(path))
        batch.remove(removed)
        gone = [key for key in removed if known[key].skip_code is None]
        summary.removed += len(gone)
        summary.removed_keys += gone
        batch.commit()

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
                writer.cancel()
                raise

    def _stored_document(self, key: str) -> Document | None:
        """The document as its file last gave it, from the catalog (no file is read)."""
        record = self.catalog.record(key)
        text = self.catalog.text(key)
        metadata = self.catalog.file_metadata(key)
        if record is None or text is None or metadata is None:
            return None
        return Document(key=key, path=record.path, format=_format_of(record.path),
                        text=text[0], page_starts=text[1], sha256=record.sha256 or "",
                        **metadata)


def _format_of(path: str) -> str:
    return ingest.format_of(Path(path))


class _Batch:
    """Documents waiting for the next commit, written in the crash-safe order."""

    def __init__(self, index: ArchiveIndex, root: Root):
        self.index = index
        self.root = root
        self.documents: list[tuple[Document, str]] = []
        self.records: list[FileRecord] = []
        self.removed: list[str] = []

    @property
    def size(self) -> int:
        return len(self.documents) + len(self.records) + len(self.removed)

    def add(self, document: Document, signature: str) -> None:
        self.documents.append((document, signature))

    def skip(self, key: str, path: Path, signature: str, rejection: RejectedFile) -> None:
        self.records.append(FileRecord(key, self.root.name, str(path), signature, None,
                                       rejection.code, rejection.reason))
        self.removed.append(key)  # a file that became unreadable leaves the index

    def remove(self, keys: list[str]) -> None:
        self.removed.extend(keys)

    def commit(self, final: bool = True) -> None:
        """Texts -> Whoosh commit -> signatures. Intermediate batches commit without
        merging segments (Whoosh's MERGE_SMALL would rewrite postings in this process);
        the last one lets Whoosh merge the small segments."""
        if not self.size:
            return
        catalog = self.index.catalog
        catalog.store_texts((d.key, d.text, d.page_starts, d.metadata())
                            for d, _ in self.documents)
        parallel = (PARALLEL_MIN_DOCS is not None
                    and len(self.documents) >= PARALLEL_MIN_DOCS)
        writer = self.index._writer(parallel=parallel)
        try:
            self._delete_old(writer)
            remaining = sum(segment.doc_count() for segment in writer.segments)
            for document, _ in self.documents:
                writer.add_document(**self.index.fields_for(document))
            writer.commit(merge=final)
        except BaseException:
            writer.cancel()
            raise
        if parallel:
            # MpWriter gives up silently on a sub-process that died: never record the
            # signatures (which would make the loss permanent) of a short commit.
            expected = remaining + len(self.documents)
            found = self.index.ix.doc_count()
            if found != expected:
                raise IndexProblem(f"the index writer lost documents ({found} indexed, "
                                   f"{expected} expected); run the indexing again")
        catalog.forget(self.removed)
        catalog.store_files(
            [FileRecord(d.key, self.root.name, d.path, signature, d.sha256, None, None)
             for d, signature in self.documents] + self.records)
        self.documents, self.records, self.removed = [], [], []

    def _delete_old(self, writer) -> None:
        """Delete the index entries of every key of the batch, with one shared searcher
        (update_document opens a reader per document). Also clears entries a crash
        left in the index without their signatures."""
        if not writer.segments:
            return
        keys = dict.fromkeys(self.removed + [d.key for d, _ in self.documents])
        with writer.searcher() as searcher:
            for key in keys:
                writer.delete_by_term("key", key, searcher=searcher)


def remove_index(paths: AppPaths) -> None:
    """Delete the derived index folder entirely (used before a rebuild of a damaged index)."""
    if paths.index_dir.exists():
        shutil.rmtree(paths.index_dir)


def iter_keys(index: ArchiveIndex) -> Iterator[str]:
    searcher = index.searcher()
    for fields in searcher.all_stored_fields():
        yield fields["key"]
