"""The Whoosh index: schema, the word tokenizer, incremental sync of corpus folders, rebuild.

Every Whoosh type stays in this module and in search/searcher.py; the rest of the app sees our
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
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from archive_app.core import ingest
from archive_app.core.engine import ArchiveWriter, Engine
from archive_app.core.entities.matching import matcher_for
from archive_app.core.errors import Cancelled, IndexProblem, RejectedFile
from archive_app.core.indexing import names
from archive_app.core.indexing.catalog import Catalog, FileRecord, Root
from archive_app.core.indexing.in_hand import (
    STOPPED_CODE,
    STOPPED_REASON,
    SUSPECTS_FILE,
    InHand,
    SlowFileWatch,
    left_behind,
    to_blame,
)
from archive_app.core.indexing.model import (
    DocumentView,
    FileJob,
    IndexingCancelled,
    IndexSummary,
    SkippedFile,
    index_fields,
    message_id_term,
)
from archive_app.core.indexing.parallel import read_file, read_in_children
from archive_app.core.indexing.scanning import IGNORE_FILE, Scan, scan_paths, scan_root
from archive_app.core.ingest import options
from archive_app.core.ingest.documents import Document
from archive_app.core.ingest.options import ReadOptions
from archive_app.core.jobs import JobControl
from archive_app.core.metadata import metadata_from_stored
from archive_app.core.paths import AppPaths

__all__ = ["INDEX_NAME", "ArchiveIndex", "DocumentView", "IndexSummary", "SkippedFile",
           "finish_swap", "index_fields", "iter_keys", "remove_index", "scan_root"]

INDEX_NAME = "archive-v7"
"""Bumped when tokenisation or encoding changes (v2: script folding, CJK bigrams; v3:
absolute positions, rare terms inline; v4: members of containers and messages, mail
headers, OCR marks; v5: array postings, core/engine; v6: entities, watch-lists' and
patterns'; v7: `content`, the group of exact copies): a new name means a
fresh index, and the catalog is cleared with it so the next sync re-reads every file."""
COMMIT_EVERY_DOCS = 10_000
"""At most this many documents per crash-safe step (texts -> Whoosh commit -> signatures)
and per segment: it bounds the memory of a step."""
REFRESH_STEP_DOCS = 5_000
"""Documents a refresh (a watch-list saved, a tag renamed) rewrites per commit: one step's
new segment is held in memory until it is written (about 170 MB for 5,000 documents)."""
COMMIT_EVERY_SECONDS = 5.0
"""A step is committed at least this often, so a kill or a crash costs at most these
seconds of reading. Each step is one more segment (a child's) and one more commit; see
README (Reliability) for the measured cost."""
SLOW_FILE_SECONDS = 1.0
"""When one file has been in hand this long, what was read before it is committed at
once (by a watching thread), so a file that hangs costs only itself."""
PARALLEL_MIN_DOCS = 200
"""Batches at least this large are read and indexed by child processes, one segment
each (parallel.py); smaller ones, such as one changed file, stay in this
process with no process to start."""
INDEXING_PROCESSES = min(2, os.cpu_count() or 1)
USER_FIELDS_PER_KEY_BELOW = 64
"""A refresh of fewer keys than this asks the store for each key's user fields (tagging
one document stays two small queries); a larger one first reads which keys have any."""


class ArchiveIndex:
    """The index of one home: a Whoosh index plus its catalog; one writer at a time."""

    def __init__(self, paths: AppPaths,
                 user_fields: Callable[[str], dict[str, str]] | None = None,
                 keys_with_user_fields: Callable[[], set[str]] | None = None,
                 entity_lists: Callable[[], tuple] | None = None):
        """`user_fields` gives a key's user fields (its tags, notes and the user's
        metadata edits), and `keys_with_user_fields` every key that has some (the
        annotation store's, from the Library); without them the index holds what the
        files say."""
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
            self.engine = self._open_or_create()
        except IndexProblem:
            self.catalog.close()
            raise
        self.user_fields = user_fields
        self.keys_with_user_fields = keys_with_user_fields
        self.entity_lists: Callable[[], tuple] = entity_lists or tuple
        self._entity_specs: tuple | None = None
        self._entity_matcher = None
        """The watch-lists as plain tuples (entities/matching.list_specs), asked at each
        sync and refresh."""

    def fields_for(self, document: Document) -> dict[str, str]:
        """Index fields of a document with the user's own tags, notes and edits applied."""
        user_fields = self.user_fields(document.key) if self.user_fields else {}
        return index_fields(document, user_fields, self.entity_matcher())

    def entity_matcher(self):
        """The watch-lists' matcher, built again only when the lists are another object
        (the Library keeps one tuple until a list changes): a refresh of 100,000
        documents asks for it 100,000 times."""
        specs = self.entity_lists()
        if specs is not self._entity_specs:
            self._entity_specs, self._entity_matcher = specs, matcher_for(specs)
        return self._entity_matcher

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
            return Engine.create(directory, INDEX_NAME)
        return Engine.open(directory, INDEX_NAME)

    def close(self) -> None:
        self.engine.close()
        self.catalog.close()

    # -- reading -----------------------------------------------------------------------
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
        return self.engine.doc_count()

    def stored_fields(self, key: str) -> dict | None:
        return self.engine.stored_fields(key)

    def document(self, key: str) -> DocumentView | None:
        """Metadata and normalised text of one document, without re-reading its file."""
        stored = self.stored_fields(key)
        text = self.reader_catalog().text(key)
        if stored is None or text is None:
            return None
        body, page_starts = text
        return DocumentView(
            key=key, path=stored.get("path", ""), text=body, page_starts=page_starts,
            parent=stored.get("parent", ""), place=stored.get("place", ""),
            details=stored_details(stored), **metadata_from_stored(stored))

    def children(self, key: str) -> list[tuple[str, str, str]]:
        """(key, title, format) of the documents read from this one's members (a zip's
        files, a message's attachments), in the order they were read."""
        found = [(fields["key"], fields.get("title", ""), fields.get("format", ""))
                 for fields in self.engine.documents(parent=key)]
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
        found: dict[str, dict] = {}
        for message_id in ids:
            for fields in self.engine.documents(message_id=message_id_term(message_id)):
                found[fields["key"]] = fields
        for fields in self.engine.documents(
                thread=message_id_term(view.details["message_id"])):
            found[fields["key"]] = fields
        return sorted(((k, f.get("title", ""), f.get("author", ""), f.get("date", ""))
                       for k, f in found.items()), key=lambda item: (item[3], item[0]))

    def skipped_files(self) -> list[SkippedFile]:
        return [SkippedFile(r.path, r.skip_code or "", r.skip_reason or "")
                for r in self.catalog.skipped()]

    # -- writing -----------------------------------------------------------------------
    def _writer(self) -> ArchiveWriter:
        """The one writer of this index (the engine's write lock; waits up to 30 s)."""
        return self.engine.writer()

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
                if not self.catalog.read_only:
                    self.engine.tidy()  # merges a tier the last commit left overflowing
                if rebuild and not self.catalog.read_only:
                    self.catalog.prune_indexed()  # the times of documents gone meanwhile
            except IndexingCancelled:
                summary.seconds = time.perf_counter() - started
                raise
            except IndexProblem:
                self._record_stopped()  # a child that died (out of memory) names its file
                raise
        summary.seconds = time.perf_counter() - started
        return summary

    def sync_paths(self, paths: Iterable[str | os.PathLike[str]],
                   folders: Iterable[str | os.PathLike[str]] = (),
                   control: JobControl | None = None) -> IndexSummary:
        """Follow what happened at these paths (files or folders created, changed,
        deleted, or moved from or to there; the watcher's events) and read the archive
        folders named in `folders` in full, in one run under the write lock.

        The cost is that of the paths: each is looked at alone (scanning.scan_paths: an
        lstat, a folder's walk when it is one), the catalog is asked only about the keys
        at and below them, and the files there are read, removed or moved exactly as by
        a full sync (the same signatures, link rules, .archiveignore, bounds, members
        and crash-safe steps). A path that changes what every file of its folder is
        (the folder itself, its .archiveignore or catalog.csv) has the folder read in
        full; so has a name that two files' odd bytes spell alike. Paths outside every
        archive folder are left alone."""
        control = control or JobControl()
        started = time.perf_counter()
        everything = {os.path.normpath(os.fspath(folder)) for folder in folders}
        with self._write_lock:
            summary = IndexSummary(skipped=self._record_stopped())
            try:
                for root in self.catalog.roots():
                    relatives = _relatives_in(root, paths)
                    if relatives is None or os.fspath(root.path) in everything:
                        summary.rescanned.append(str(root.path))
                        self._sync_root(root, summary, control)
                    elif relatives:
                        self._sync_some(root, relatives, summary, control)
                if not self.catalog.read_only and (summary.indexed or summary.removed
                                                   or summary.rescanned):
                    self.engine.tidy()
            except IndexingCancelled:
                summary.seconds = time.perf_counter() - started
                raise
            except IndexProblem:
                self._record_stopped()
                raise
        summary.seconds = time.perf_counter() - started
        return summary

    def prepare_for_changes(self) -> None:
        """Read now what the first targeted sync would otherwise read, each segment's
        keys (Engine.prepare_deletions), so the watcher's first change costs only
        itself. Under the write lock, so no sync merges a segment away meanwhile."""
        if self.catalog.read_only:
            return
        with self._write_lock:
            self.engine.prepare_deletions()

    def _sync_some(self, root: Root, relatives: set[str], summary: IndexSummary,
                   control: JobControl) -> None:
        """A targeted sync of some paths of one folder (see `sync_paths`)."""
        if not root.path.is_dir():
            summary.missing_roots.append(str(root.path))
            return
        scan = scan_paths(root, relatives | self._sidecar_documents(root, relatives))
        known = self.catalog.files_under(root.name, scan.regions or [])
        if any(key in known and known[key].path != path
               for key, (path, _) in scan.found.items()):
            # two names whose odd bytes read alike: only the whole walk orders them
            summary.rescanned.append(str(root.path))
            self._sync_root(root, summary, control)
            return
        old_members = _members_by_file(self.catalog.member_keys_of(list(known)))
        self._follow(root, scan, known, old_members, summary, control)

    def _sidecar_documents(self, root: Root, relatives: set[str]) -> set[str]:
        """The documents whose signature a changed sidecar is part of: `NAME.meta.json`
        signs NAME and every NAME.EXT of its folder (scanning._sidecar_signature)."""
        documents = set()
        top = os.fspath(root.path)
        for relative in relatives:
            if not relative.endswith(ingest.SIDECAR_SUFFIX):
                continue
            base = relative[:-len(ingest.SIDECAR_SUFFIX)]
            documents.add(base)
            stem = base.rsplit("/", 1)[-1]
            prefix = f"{root.name}/{names.key_text(base)}."
            for record in self.catalog.files_starting(root.name, prefix):
                name = os.path.basename(record.path)
                if os.path.splitext(name)[0] == stem and record.path.startswith(top + os.sep):
                    documents.add(record.path[len(top) + 1:].replace(os.sep, "/"))
        return documents

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
        writer.commit_clear()
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
        self._follow(root, scan, known, _members_by_file(self.catalog.member_keys(root.name)),
                     summary, control)

    def _follow(self, root: Root, scan: Scan, known: dict[str, FileRecord],
                old_members: dict[str, set[str]], summary: IndexSummary,
                control: JobControl) -> None:
        """Make the index say what the scan found: `known` is what the catalog recorded
        where the scan looked (the whole root, or a targeted scan's regions), and
        `old_members` the members read from those files before. Changed and new files
        are read, vanished ones leave, a vanished key whose text appears under a new key
        is a move."""
        todo = [key for key, (_, sig) in scan.found.items()
                if key not in known or known[key].signature != sig]
        todo_set = set(todo)
        unchanged = [key for key in scan.found if key not in todo_set]
        summary.still_skipped += sum(1 for key in unchanged if known[key].skip_code)
        summary.unchanged += sum(1 for key in unchanged if not known[key].skip_code)
        removed = [key for key in known if key not in scan.found and key not in scan.unreadable]
        self._record_unreadable(root, scan, summary)
        catalog_metadata = ingest.read_catalog(
            root.path, {key.split("/", 1)[1] for key in todo}) if todo else {}
        removed_hashes = {known[key].sha256: key for key in removed if known[key].sha256}
        batch = _Batch(self, root)
        _unindex_unreadable(batch, scan, known, summary)
        read_options = self.read_options(root)
        jobs = [FileJob(key, scan.found[key][0], scan.found[key][1],
                        catalog_metadata.get(key.split("/", 1)[1]), read_options) for key in todo]
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

        A large batch is read and indexed by child processes (parallel.py), whose
        segments the batch commits as they come; a small one (a few changed files) here,
        with no process to start."""
        if len(jobs) >= PARALLEL_MIN_DOCS and INDEXING_PROCESSES > 1:
            batch.writer = self._writer()  # held (and handed on) until the last step
            user_fields = self.user_fields_for([job.key for job in jobs])
            steps = (COMMIT_EVERY_DOCS, COMMIT_EVERY_SECONDS, SLOW_FILE_SECONDS)
            for segment, pairs in read_in_children(
                    self.paths.index_dir, INDEX_NAME, batch.root.name, jobs, user_fields, control,
                    INDEXING_PROCESSES, steps, self.entity_lists()):
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

    def user_fields_for(self, keys: list[str]) -> dict[str, dict[str, str]]:
        """The user fields of those keys that have any, and of the
        members read from them (one store query for the set of such keys, not two per
        document)."""
        if self.user_fields is None:
            return {}
        if self.keys_with_user_fields is None:
            return {key: self.user_fields(key) for key in keys}
        files = set(keys)
        return {key: self.user_fields(key) for key in self.keys_with_user_fields()
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
        """Rewrite index entries from the stored text after tags, notes, metadata or the
        watch-lists changed.

        No file is opened or parsed: this is what makes tagging show up in search at once.
        A watch-list can name most of the archive, so nothing here costs a step per key
        beyond the document's own fields: the catalog is read a few hundred keys a query
        (Catalog.stored_documents), the old entries are deleted in one batch
        (delete_keys, which checks each segment's key hashes once; Whoosh's
        update_document opened a reader of every segment for every key: half the time
        of a refresh at 10,000 documents, and more with more segments), the user fields
        of a large batch come from one store query for the keys that have any, and
        each step of REFRESH_STEP_DOCS documents is one commit under the one writer: a
        crash or an error leaves the index as the last step left it (every document in
        it either old or refreshed), and the memory of a step is bounded (a refresh of
        76,000 documents in one segment would hold gigabytes).
        """
        keys = list(dict.fromkeys(keys))  # a key twice would be added twice
        for start in range(0, len(keys), REFRESH_STEP_DOCS):
            self._refresh_step(keys[start:start + REFRESH_STEP_DOCS])

    def _refresh_step(self, keys: list[str]) -> None:
        if not keys:  # (an undo of a saved search touches no document)
            return
        with self._write_lock:
            writer = self._writer()
            try:
                user_fields = self._user_fields_of(keys)
                matcher = self.entity_matcher()
                written = []
                for row in self.catalog.stored_documents(keys):
                    document = _stored_document(*row)
                    writer.add_document(**index_fields(
                        document, user_fields(document.key), matcher))
                    written.append(document.key)
                # the old entries are in the committed segments only, so deleting them
                # after the adds touches none of the new ones
                writer.delete_keys(written, members=False)
                writer.commit()
            except BaseException:
                writer.abandon()
                raise

    def _user_fields_of(self, keys: list[str]) -> Callable[[str], dict[str, str]]:
        """Key -> its user fields, for a refresh of `keys`. Few keys (a tag, a note)
        ask the store per key; many (a watch-list) ask once which keys have any user
        fields (`keys_with_user_fields`) and per key only for those: most documents a
        list names have none, and would each cost two store queries for nothing."""
        if self.user_fields is None:
            return lambda key: {}
        if self.keys_with_user_fields is None or len(keys) < USER_FIELDS_PER_KEY_BELOW:
            return self.user_fields
        having = self.keys_with_user_fields() & set(keys)
        return lambda key: self.user_fields(key) if key in having else {}

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
                writer.delete_keys(keys)
                writer.commit()
            except BaseException:
                writer.abandon()
                raise
            self.catalog.remove_root(root.name)
        return keys


def _stored_document(record: FileRecord, text: str, page_starts: list[int],
                     metadata: dict, about: dict) -> Document:
    """The document as its file last gave it, from the catalog's row (no file is read)."""
    about = about or {}
    return Document(key=record.key, path=record.path,
                    format=about.get("format") or _format_of(record.path),
                    text=text, page_starts=page_starts, sha256=record.sha256 or "",
                    file_key=record.file_key or "", parent=about.get("parent", ""),
                    place=about.get("place", ""), details=about.get("details", {}),
                    **metadata)


def _relatives_in(root: Root, paths: Iterable[str | os.PathLike[str]]) -> set[str] | None:
    """The corpus-relative (POSIX) forms of those paths that lie in this folder; None
    when one of them asks for the whole folder: the folder itself, or its
    .archiveignore or catalog.csv, which every file's verdict or signature depends on.
    Paths are taken as given (normalised, not resolved): a link is judged by its name."""
    top = os.fspath(root.path)
    inside = top.rstrip(os.sep) + os.sep
    found: set[str] = set()
    for path in paths:
        path = os.path.normpath(os.fspath(path))
        if path == top:
            return None
        if not path.startswith(inside):
            continue
        relative = path[len(inside):].replace(os.sep, "/")
        if relative in (IGNORE_FILE, ingest.CATALOG_NAME):
            return None
        found.add(relative)
    return found


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
        self.writer: ArchiveWriter | None = None
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
        """Texts -> Whoosh commit -> signatures. Every step may make one tiered merge
        (merge.py), so the segments stay few all through a long sync and the work of
        merging is spread over it (leaving it all to the last step made a million-
        document sync end in one merge of 678 segments). While child processes write
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
            writer.commit_with(self.segments, keep_lock=keep_lock)
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
        writer.delete_keys(dict.fromkeys(self.removed + [d.key for d, _ in self.documents]))


def finish_swap(paths: AppPaths) -> None:
    """A rebuild (health.rebuild_index) killed between its two renames left the old
    index as index.old and none in its place: put it back before anything creates an
    empty one there."""
    old = paths.home / "index.old"
    if paths.index_dir == paths.home / "index" and not paths.index_dir.exists() \
            and old.is_dir():
        os.rename(old, paths.index_dir)


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
    for fields in index.engine.all_stored_fields():
        yield fields["key"]
