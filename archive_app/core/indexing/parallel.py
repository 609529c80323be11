"""Reading and indexing a large batch of files in child processes, segments in steps.

Whoosh is pure Python, so one process indexes on one core; reading files, tokenising
and writing postings is the whole cost, and it divides cleanly by file. Each child
reads its share of the batch and writes index segments of its own, one per step (every
few seconds, every so many documents, and at once when a file is slow); it sends back
the documents (their text goes to the catalog) or the reason a file was skipped, then
each finished segment.

The parent holds Whoosh's write lock for the whole time, so no other writer can clean
up the children's segment files before they are committed; it commits each segment as
it arrives, after storing the texts of its documents (the crash-safe order of
index.py), and keeps the lock across these steps. A kill or a dead child costs only the
steps not yet committed. On Cancel the children stop before their next file, send the
segment of what they read and exit; one that does not within CANCEL_GRACE_SECONDS (a
slow file) is killed. Children are not daemons, so a PDF child (ingest/isolation.py)
can still be started from them; if the parent is killed, a child exits at once (even
while a file hangs it), leaving its marker (in_hand.py) to name the file it was reading.
A child reads each file in its main thread, so `ingest.load_document` bounds it there
with a timer and a memory cap (ingest/bounds.py) without a process per file.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path

from archive_app.core import ingest
from archive_app.core.engine import Engine
from archive_app.core.entities.matching import EntityMatcher, matcher_for
from archive_app.core.errors import Cancelled, IndexProblem, RejectedFile
from archive_app.core.indexing.in_hand import InHand, SlowFileWatch, discard
from archive_app.core.indexing.model import FileJob, index_fields
from archive_app.core.indexing.processes import forkserver_context
from archive_app.core.ingest import options
from archive_app.core.ingest.documents import Document
from archive_app.core.jobs import JobControl

PROGRESS_INTERVAL_SECONDS = 0.1
"""How often a child reports how far it got and sends the documents read since: small
messages, so unpickling them never holds the parent's GIL (and the window) for long."""
CANCEL_GRACE_SECONDS = 3.0
"""How long a cancelled child may take to finish its file and send its last segment."""

Step = tuple[object | None, list[tuple[FileJob, Document | RejectedFile]]]


def read_in_children(index_dir: Path, index_name: str, root: str, jobs: list[FileJob],
                     user_fields: dict[str, dict[str, str]], control: JobControl,
                     processes: int, steps: tuple[int, float, float],
                     entity_lists: tuple = ()) -> Iterator[Step]:
    """Index `jobs` in `processes` children; yields each complete segment (opaque, for
    the index writer) with the (job, outcome) pairs of the files it answers for.

    `steps` is (documents, seconds, slow-file seconds) per segment; `entity_lists` the
    watch-lists (entities/matching.list_specs) each child matches in its documents.
    Raises IndexProblem when a child dies, the child's own exception when one fails, and
    Cancelled after the last segment when the user stops; in every case the children are
    stopped first.
    """
    context = forkserver_context()
    size = -(-len(jobs) // processes)
    parts = [jobs[start:start + size] for start in range(0, len(jobs), size)]
    stop = context.Event()
    children = []
    finished = False
    try:
        for part in parts:
            receiver, sender = context.Pipe(duplex=False)
            files = {job.key for job in part}
            part_user_fields = {key: value for key, value in user_fields.items()
                           if key.split("//", 1)[0] in files}  # members' keys too
            child = context.Process(target=_child, args=(
                str(index_dir), index_name, root, part, part_user_fields, sender, stop, steps,
                entity_lists),
                daemon=False)
            child.start()
            sender.close()
            children.append((child, receiver))
        yield from _collect([receiver for _, receiver in children], parts, control,
                            len(jobs), stop)
        finished = True
    finally:
        for child, receiver in children:
            if not finished and child.is_alive():
                child.kill()
                child.join()
                discard(index_dir, child.pid)  # its file was not at fault
            child.join()
            receiver.close()


def _collect(receivers: list[Connection], parts: list[list[FileJob]], control: JobControl,
             total: int, stop) -> Iterator[Step]:
    """Wait for the children's messages, reporting their summed progress; yield each
    segment with the outcomes it answers for, in the jobs' order within each child."""
    done = [0] * len(receivers)
    waiting: list[list] = [[] for _ in receivers]
    answered = [0] * len(receivers)
    pending = {receiver: number for number, receiver in enumerate(receivers)}
    deadline = None
    while pending:
        if deadline is None and control.cancel_event.is_set():
            stop.set()
            deadline = time.monotonic() + CANCEL_GRACE_SECONDS
        if deadline is not None and time.monotonic() > deadline:
            break
        for receiver in wait(list(pending), timeout=0.2):
            number = pending[receiver]
            try:
                message = receiver.recv()
            except EOFError:
                raise IndexProblem("an indexing process stopped unexpectedly (out of "
                                   "memory?); what it had not sent is lost, and the file "
                                   "it was reading is skipped from now on; run the "
                                   "indexing again") from None
            if message[0] == "progress":
                done[number] = message[1]
                waiting[number] += message[3]
                control.progress(sum(done), total, message[2])
            elif message[0] == "segment":
                outcomes, waiting[number] = waiting[number], []
                first = answered[number]
                answered[number] += len(outcomes)
                jobs = parts[number][first:answered[number]]
                if outcomes or message[1] is not None:
                    yield message[1], list(zip(jobs, outcomes, strict=True))
            elif message[0] == "done":
                del pending[receiver]
            else:
                raise message[1]
    if deadline is not None:
        raise Cancelled("cancelled by the user")
    if answered != [len(part) for part in parts]:
        raise IndexProblem(f"the indexing processes answered for {sum(answered)} of "
                           f"{total} files; run the indexing again")


class _Sender:
    """A child's messages to the parent: outcomes in small batches, then segments.

    One lock, because the slow-file watch cuts segments from its own thread; the
    outcomes a segment answers for are always sent before it."""

    def __init__(self, connection: Connection, total: int):
        self.connection = connection
        self.total = total
        self.lock = threading.Lock()
        self.unsent: list[Document | RejectedFile] = []
        self.done = 0
        self.path = ""
        self.last_report = 0.0

    def outcome(self, done: int, path: str, outcome: Document | RejectedFile) -> None:
        with self.lock:
            self.unsent.append(outcome)
            self.done, self.path = done, path
            now = time.monotonic()
            if now - self.last_report >= PROGRESS_INTERVAL_SECONDS or done == self.total:
                self._flush()
                self.last_report = now

    def reading(self, done: int, path: str):
        """A callback for a long read's own progress ("OCR 3 / 40 pages"), sent at most
        every PROGRESS_INTERVAL_SECONDS."""
        def say(message: str) -> None:
            with self.lock:
                now = time.monotonic()
                if now - self.last_report >= PROGRESS_INTERVAL_SECONDS:
                    self.connection.send(("progress", self.done or done,
                                          f"{path}: {message}", self.unsent))
                    self.unsent = []
                    self.last_report = now
        return say

    def segment(self, segment: object | None) -> None:
        with self.lock:
            if segment is None and not self.unsent:
                return
            self._flush()
            self.connection.send(("segment", segment))

    def _flush(self) -> None:
        if self.unsent:
            self.connection.send(("progress", self.done, self.path, self.unsent))
            self.unsent = []


def _child(index_dir: str, index_name: str, root: str, jobs: list[FileJob],
           user_fields: dict[str, dict[str, str]], connection: Connection, stop,
           steps: tuple[int, float, float], entity_lists: tuple = ()) -> None:
    # What the forkserver preloaded is never garbage: leave it out of every collection.
    # The collector itself stays on: with it off (as it once was, to save its time on
    # millions of postings) the cyclic garbage of reading files piled up, 1.4 GB a child
    # over 50,000 files, and the run was slower for it.
    gc.freeze()
    _exit_with_parent()
    most_docs, most_seconds, slow_seconds = steps
    sender = _Sender(connection, len(jobs))
    segments = None
    try:
        segments = SegmentSteps(index_dir, index_name, matcher_for(entity_lists))

        def cut() -> None:
            sender.segment(segments.cut())

        in_hand = InHand(Path(index_dir))

        def slow() -> None:  # say so in the marker, send what was read before it
            in_hand.mark_slow()
            cut()

        with in_hand, SlowFileWatch(slow, slow_seconds) as watch:
            for done, job in enumerate(jobs, 1):
                if stop.is_set():
                    break
                watch.reading()
                in_hand.hold(root, job.key, job.path, job.signature)
                with options.watching(sender.reading(done - 1, job.path), stop.is_set):
                    outcome = read_file(job)
                in_hand.clear()
                watch.done()
                if isinstance(outcome, Document):
                    segments.add(outcome, user_fields)
                sender.outcome(done, job.path, outcome)
                if segments.due(most_docs, most_seconds):
                    cut()
            cut()
        connection.send(("done",))
    except BaseException as error:  # sent back and raised by the parent
        if segments is not None:
            segments.abandon()
        try:
            connection.send(("error", error))
        except Exception:  # unpicklable, or the parent is gone
            with contextlib.suppress(OSError):
                connection.send(("error", RuntimeError(str(error))))
    connection.close()


def read_file(job: FileJob) -> Document | RejectedFile:
    """One file of a sync as a Document (with its members' documents as children), or
    the reason it is skipped."""
    try:
        return ingest.load_document(Path(job.path), job.key, job.catalog_metadata, job.options)
    except RejectedFile as rejection:
        return rejection


class SegmentSteps:
    """In a child process: the documents it reads, fed to the engine's segment builder
    and cut into segments in steps.

    A segment is not in the index until the parent (which holds the write lock) commits
    it; cutting one every few seconds lets the parent commit what was read so far, so
    a kill or a Cancel loses at most the last step.
    """

    def __init__(self, index_dir: str, index_name: str, matcher: EntityMatcher | None = None):
        self.builder = Engine.open(index_dir, index_name, check=False).builder()
        self.matcher = matcher
        self.started = time.monotonic()

    def add(self, document: Document, user_fields: dict[str, dict[str, str]]) -> None:
        """A file's document and its members' (each with its own tags and notes)."""
        if not self.builder.count:
            self.started = time.monotonic()
        for one in document.family():
            self.builder.add(index_fields(one, user_fields.get(one.key), self.matcher))

    def due(self, most_docs: int, most_seconds: float) -> bool:
        return self.builder.count > 0 and (
            self.builder.count >= most_docs
            or time.monotonic() - self.started >= most_seconds)

    def cut(self) -> object | None:
        """The segment of the documents added since the last cut (None if there are none)."""
        return self.builder.finish()

    def abandon(self) -> None:
        self.builder.abandon()


def _exit_with_parent() -> None:
    """End this child as soon as the process that started it is gone (killed): a thread
    waits on the parent's sentinel. Otherwise a child stuck on a hanging file would live
    on, holding the lock on its marker, and the next run would hang on that file again."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(1)  # the marker stays behind and names the file in hand

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
