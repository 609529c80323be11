"""Reading and indexing a large batch of files in child processes, one segment each.

Whoosh is pure Python, so one process indexes on one core; reading files, tokenising
and writing postings is the whole cost, and it divides cleanly by file. Each child
reads its share of the batch, writes a complete index segment of its own and sends
back the documents (their text goes to the catalog) or the reason a file was skipped.

The parent holds Whoosh's write lock for the whole time, so no other writer can clean
up the children's segment files before they are committed; the segments become part
of the index only when the parent commits them, after storing the texts (the crash-
safe order of index.py). A child that dies or fails means nothing of the batch is
committed and the next run reads it again. Children are not daemons, so a PDF child
(ingest/isolation.py) can still be started from them; if the parent is killed, a child
finishes its share, fails to send it and exits.
"""

from __future__ import annotations

import contextlib
import gc
import time
from multiprocessing.connection import Connection, wait
from pathlib import Path

from archive_app.core.documents import Document
from archive_app.core.errors import IndexProblem, RejectedFile
from archive_app.core.index_model import FileJob
from archive_app.core.jobs import JobControl
from archive_app.core.processes import forkserver_context

PROGRESS_INTERVAL_SECONDS = 0.1
"""How often a child reports how far it got and sends the documents read since: small
messages, so unpickling them never holds the parent's GIL (and the window) for long."""


def read_in_children(index_dir: Path, jobs: list[FileJob], extras: dict[str, dict[str, str]],
                     control: JobControl, done_before: int, total: int, processes: int,
                     ) -> tuple[list[object], list[Document | RejectedFile]]:
    """Index `jobs` in `processes` children; returns their (opaque) segments for the
    index writer and one outcome per job, in the order of `jobs`.

    Raises IndexProblem when a child dies, the child's own exception when one fails,
    and Cancelled when the user stops; in every case the children are stopped first.
    """
    context = forkserver_context()
    size = -(-len(jobs) // processes)
    parts = [jobs[start:start + size] for start in range(0, len(jobs), size)]
    children = []
    finished = False
    try:
        for part in parts:
            receiver, sender = context.Pipe(duplex=False)
            part_extras = {job.key: extras[job.key] for job in part if job.key in extras}
            child = context.Process(target=_child, args=(str(index_dir), part, part_extras,
                                                         sender), daemon=False)
            child.start()
            sender.close()
            children.append((child, receiver))
        segments, outcomes = _collect([receiver for _, receiver in children], control,
                                      done_before, total)
        finished = True
    finally:
        for child, receiver in children:
            if not finished and child.is_alive():
                child.kill()
            child.join()
            receiver.close()
    if len(outcomes) != len(jobs):
        raise IndexProblem(f"the indexing processes answered for {len(outcomes)} of "
                           f"{len(jobs)} files; nothing of this batch was saved")
    return segments, outcomes


def _collect(receivers: list[Connection], control: JobControl, done_before: int,
             total: int) -> tuple[list[object], list[Document | RejectedFile]]:
    """Wait for every child's result, reporting their summed progress meanwhile; the
    segments written and the outcomes in the children's (that is, the jobs') order."""
    done = [0] * len(receivers)
    outcomes: list[list] = [[] for _ in receivers]
    segments: list = [None] * len(receivers)
    pending = {receiver: number for number, receiver in enumerate(receivers)}
    while pending:
        control.check_cancelled()
        for receiver in wait(list(pending), timeout=0.2):
            number = pending[receiver]
            try:
                message = receiver.recv()
            except EOFError:
                raise IndexProblem("an indexing process stopped unexpectedly (out of "
                                   "memory?); nothing of this batch was saved, run the "
                                   "indexing again") from None
            if message[0] == "progress":
                done[number] = message[1]
                outcomes[number] += message[3]
                control.progress(done_before + sum(done), total, message[2])
            elif message[0] == "done":
                segments[number] = message[1]
                del pending[receiver]
            else:
                raise message[1]
    return ([segment for segment in segments if segment is not None],
            [outcome for part in outcomes for outcome in part])


def _child(index_dir: str, jobs: list[FileJob], extras: dict[str, dict[str, str]],
           connection: Connection) -> None:
    from archive_app.core.index import write_segment  # preloaded in the forkserver

    gc.disable()  # a short-lived process building millions of acyclic postings
    last_report = 0.0
    unsent: list[Document | RejectedFile] = []

    def report(done: int, path: str, outcome: Document | RejectedFile) -> None:
        nonlocal last_report, unsent
        unsent.append(outcome)
        now = time.monotonic()
        if now - last_report >= PROGRESS_INTERVAL_SECONDS or done == len(jobs):
            connection.send(("progress", done, path, unsent))
            unsent = []
            last_report = now

    try:
        connection.send(("done", write_segment(index_dir, jobs, extras, report)))
    except BaseException as error:  # sent back and raised by the parent
        try:
            connection.send(("error", error))
        except Exception:  # unpicklable, or the parent is gone
            with contextlib.suppress(OSError):
                connection.send(("error", RuntimeError(str(error))))
    connection.close()
