"""`watch`: keep the archive up to date while its folders change, in the foreground.

One line on stdout per batch of changes applied (escaped, or one JSON object with
`--json`), so a script can follow what was indexed; how the folders are watched (and
when one goes missing or comes back) goes to stderr. Ctrl+C stops it, exit 0.
"""

from __future__ import annotations

import argparse
import json
import queue
import signal
import sys

from archive_app.commands import EXIT_OK, EXIT_USAGE
from archive_app.commands.printing import show
from archive_app.core.indexing.model import IndexSummary
from archive_app.core.indexing.watching import Changes, WatchStatus
from archive_app.core.library import Library
from archive_app.core.paths import resolve_home

MOST_NAMES = 10
"""A human line names at most this many documents of each kind, then says how many more."""


def add_watch_parser(verbs: argparse._SubParsersAction) -> None:
    watch = verbs.add_parser("watch", help="index what changes in the archive's folders as it "
                                           "happens, until Ctrl+C")
    watch.add_argument("--json", action="store_true",
                       help="one JSON object per batch of changes instead of a line")
    watch.add_argument("--poll", action="store_true",
                       help="check the folders every 30 s instead of using inotify")


def _stop_on_signals() -> None:
    """Ctrl+C (SIGINT) and SIGTERM stop watching cleanly. Set explicitly: a process
    started in the background by a non-interactive shell inherits SIGINT ignored, and
    Python then never raises KeyboardInterrupt, so `kill -INT` did nothing."""
    def stop(number, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, stop)


def cmd_watch(args: argparse.Namespace) -> int:
    _stop_on_signals()
    library = Library(resolve_home(args.home))
    try:
        if not library.roots():
            print("archive-app: no corpus folder yet: run `archive-app index FOLDER`",
                  file=sys.stderr)
            return EXIT_USAGE
        changes: queue.Queue[Changes] = queue.Queue()
        statuses: queue.Queue[WatchStatus] = queue.Queue()
        watcher = library.watcher(changes.put, statuses.put, use_inotify=not args.poll)
        watcher.start()
        try:
            library.prepare_for_changes()  # the first change then costs only itself
            _follow(library, changes, statuses, args.json)
        except KeyboardInterrupt:
            print("archive-app: stopped watching", file=sys.stderr)
        finally:
            watcher.stop()
    finally:
        library.close()
    return EXIT_OK


def _follow(library: Library, changes: queue.Queue, statuses: queue.Queue,
            as_json: bool) -> None:
    """Apply each batch as it comes (this thread is the only writer) until interrupted."""
    while True:
        while not statuses.empty():
            _say_status(statuses.get())
        try:
            batch = changes.get(timeout=0.5)
        except queue.Empty:
            continue
        paths, folders = set(batch.paths), set(batch.folders)
        while not changes.empty():  # what came while the last batch was applied
            more = changes.get()
            paths |= more.paths
            folders |= more.folders
        summary = library.sync_paths(paths, folders)
        for folder in summary.missing_roots:
            print(f"archive-app: folder {show(folder)} is missing: its documents stay",
                  file=sys.stderr)
        if summary.indexed or summary.removed or summary.skipped or summary.rescanned:
            print(batch_json(summary) if as_json else batch_line(summary), flush=True)


def _say_status(status: WatchStatus) -> None:
    print(f"archive-app: {show(status.describe())}", file=sys.stderr)
    for note in status.notes:
        print(f"archive-app:   {show(note)}", file=sys.stderr)


def batch_line(summary: IndexSummary) -> str:
    """One line: the counts, then the documents changed, removed and moved (escaped)."""
    line = (f"{summary.added} added, {summary.updated} updated, {summary.removed} removed, "
            f"{len(summary.skipped)} skipped in {summary.seconds:.2f} s")
    moved_to = {new for _, new in summary.moved}
    moved_from = {old for old, _ in summary.moved}
    groups = (("changed", [key for key in summary.changed_keys if key not in moved_to]),
              ("removed", [key for key in summary.removed_keys if key not in moved_from]),
              ("moved", [f"{old} -> {new}" for old, new in summary.moved]),
              ("read in full", summary.rescanned))
    for label, items in groups:
        if items:
            shown = ", ".join(show(item) for item in items[:MOST_NAMES])
            more = f" and {len(items) - MOST_NAMES} more" if len(items) > MOST_NAMES else ""
            line += f"; {label}: {shown}{more}"
    return line


def batch_json(summary: IndexSummary) -> str:
    """One JSON object on one line (a non-UTF-8 name as the escapes it is)."""
    data = {"added": summary.added, "updated": summary.updated, "removed": summary.removed,
            "changed": summary.changed_keys, "removed_keys": summary.removed_keys,
            "moved": [list(pair) for pair in summary.moved],
            "skipped": [{"path": s.path, "code": s.code, "reason": s.reason}
                        for s in summary.skipped],
            "rescanned": summary.rescanned, "seconds": round(summary.seconds, 3)}
    text = json.dumps(data, ensure_ascii=False)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
