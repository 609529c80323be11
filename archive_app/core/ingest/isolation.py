"""Run a risky importer in a child process with a time limit and a memory cap.

A parser in C (pdfium) can crash, loop for minutes or swallow gigabytes on a hostile
file, and a Python thread cannot be stopped from outside; a child process can. Children
come from the core's forkserver (processes.py), so each file costs a fork, not an
interpreter start. The
child's result comes back through a pipe; a child still running at the deadline is
killed and the file skipped.
"""

from __future__ import annotations

import contextlib
import importlib
import resource
from pathlib import Path

from archive_app.core.errors import RejectedFile
from archive_app.core.indexing.processes import forkserver_context
from archive_app.core.ingest.options import reading_with

TIME_LIMIT_SECONDS = 60.0
MEMORY_LIMIT_BYTES = 2 * 1024 ** 3

def _child(module: str, path: str, connection, read_options=None) -> None:
    with contextlib.suppress(ValueError, OSError):  # a lower limit may already be set
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    try:
        with reading_with(read_options):
            result = ("ok", importlib.import_module(module).extract(Path(path)))
    except BaseException as error:  # sent back and judged by the parent
        result = ("error", error)
    try:
        connection.send(result)
    except Exception as error:  # an unpicklable library exception
        connection.send(("error", RuntimeError(str(error))))
    connection.close()


def extract_isolated(module: str, path: Path, label: str,
                     time_limit: float = TIME_LIMIT_SECONDS, options=None):
    """`module.extract(path)` in a child; re-raises its exception, or RejectedFile("timeout").

    `options` (ingest/options.py) are the folder's reading options, set in the child."""
    context = forkserver_context()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(module, str(path), sender, options),
                            daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(time_limit):
            raise RejectedFile("timeout", f"reading this {label} took longer than "
                                          f"{time_limit:.0f} s; it was stopped")
        try:
            status, value = receiver.recv()
        except EOFError:  # the child died: out of memory, or a crash inside a library
            raise RejectedFile("too-large", f"reading this {label} needed more memory than "
                                            "allowed") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if status == "error":
        raise value
    return value
