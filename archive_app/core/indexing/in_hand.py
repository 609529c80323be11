"""The file each indexing process is reading right now, kept on disk so a kill can name it.

A file that hangs an importer or makes the process run out of memory would otherwise be
read again by every following run, which would hang or die on it again. So before
reading a file, the process writes its key and signature into its own small marker file
in the index folder (one `pwrite` into a file it keeps open: no fsync, which a kill does
not need, and a few microseconds per file), and empties it when the read is over. The
marker is locked (`flock`) for the life of the process, so the next run can tell a live
reader from a dead one: a locked marker is someone's work in progress, an unlocked one
with a file in it names the file in hand when its process died.

A file that had been in hand for a while (SLOW_FILE_SECONDS: the marker says "slow")
is recorded as skipped ("stopped") and not read again until it changes: it hung the
reader, or was slow enough to be why the process was killed. A file that was read
normally when the process died (a kill at a random moment) is read again, unless the
same file, unchanged, was in hand at an earlier death too (`suspects.json`): two deaths
on one file are no accident (a file that exhausts memory in an instant).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: no markers (a kill then costs a re-read, as before)
    fcntl = None

MARKER_PREFIX = "reading-"
READING, SLOW, IDLE = b"R", b"S", b"-"
"""The marker's first byte: a file is in hand, it has been for a while, or none is."""
SUSPECTS_FILE = "suspects.json"
MAX_SUSPECTS = 200
STOPPED_CODE = "stopped"
STOPPED_REASON = ("indexing stopped while reading this file; it will be read again when "
                  "it changes")


class InHand:
    """This process's marker: `hold` before reading a file, `clear` after."""

    def __init__(self, index_dir: Path):
        self.fd: int | None = None
        self.path: Path | None = None
        self._written = 0
        if fcntl is None:
            return
        name = f"{MARKER_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}.json"
        temporary = Path(index_dir) / f".{name}.new"
        fd = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            # renamed only once locked, so no one can find it unlocked and take it
            os.replace(temporary, Path(index_dir) / name)
        except OSError:
            os.close(fd)
            with contextlib.suppress(OSError):
                temporary.unlink()
            return
        self.fd, self.path = fd, Path(index_dir) / name

    def hold(self, root: str, key: str, path: str, signature: str) -> None:
        """One write: 'R' and the file as JSON, padded over what an earlier one left."""
        if self.fd is None:
            return
        data = READING + json.dumps({"root": root, "key": key, "path": path,
                                     "signature": signature}).encode("ascii")
        os.pwrite(self.fd, data.ljust(self._written), 0)
        self._written = max(self._written, len(data))

    def mark_slow(self) -> None:
        """The file in hand is taking long: if the process dies now, it is to blame."""
        if self.fd is not None:
            os.pwrite(self.fd, SLOW, 0)

    def clear(self) -> None:
        """One byte: the file is no longer in hand."""
        if self.fd is not None:
            os.pwrite(self.fd, IDLE, 0)

    def close(self) -> None:
        """The process is done reading: the marker goes (it named nothing at fault)."""
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self.fd)
        self.fd = None

    def __enter__(self) -> InHand:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def discard(index_dir: Path, pid: int) -> None:
    """Drop the markers of a child this process killed on purpose (a cancel, a failed
    sibling): the file it held was not at fault and will be read again."""
    for marker in Path(index_dir).glob(f"{MARKER_PREFIX}{pid}-*.json"):
        with contextlib.suppress(OSError):
            marker.unlink()


def left_behind(index_dir: Path) -> list[dict[str, str]]:
    """The files in hand of processes that died, taking their markers away; markers of
    live processes (locked) are left alone."""
    found = []
    if fcntl is None:
        return found
    for marker in sorted(Path(index_dir).glob(f"{MARKER_PREFIX}*.json")):
        try:
            fd = os.open(marker, os.O_RDONLY)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a live process is reading
            data = os.read(fd, 1 << 20)
            with contextlib.suppress(OSError):
                marker.unlink()
        finally:
            os.close(fd)
        if data[:1] in (READING, SLOW):
            with contextlib.suppress(ValueError):
                item = json.loads(data[1:].decode("ascii"))
                if isinstance(item, dict) and {"root", "key", "path", "signature"} <= set(item):
                    item["slow"] = data[:1] == SLOW
                    found.append(item)
    return found


def to_blame(index_dir: Path, items: list[dict]) -> list[dict]:
    """Of the files in hand at deaths (`left_behind`), those not to read again: the slow
    ones, and those in hand at an earlier death too. The others become suspects."""
    path = Path(index_dir) / SUSPECTS_FILE
    try:
        suspects = [tuple(entry) for entry in json.loads(path.read_text(encoding="ascii"))]
    except (OSError, ValueError, TypeError):
        suspects = []
    blamed = []
    for item in items:
        seen = (item["key"], item["signature"])
        if item.get("slow") or seen in suspects:
            blamed.append(item)
            suspects = [entry for entry in suspects if entry != seen]
        else:
            suspects.append(seen)
    if items:
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(suspects[-MAX_SUSPECTS:]), encoding="ascii")
        os.replace(temporary, path)
    return blamed


class SlowFileWatch:
    """A thread that runs `flush` once while one file is in hand for `seconds`.

    Commits happen between files; a file that hangs would hold back everything read
    before it until it ends (or forever). The reading thread calls `reading()` before a
    file and `done()` after it; `flush` runs only in between, and `done()` waits for a
    flush under way, so the reading thread never touches what is being flushed. An
    error of `flush` is raised by `done()`, in the reading thread.
    """

    def __init__(self, flush: Callable[[], None], seconds: float):
        self._flush = flush
        self._seconds = seconds
        self._lock = threading.Lock()
        self._since: float | None = None
        self._error: BaseException | None = None
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="slow-file-watch",
                                        daemon=True)
        self._thread.start()

    def reading(self) -> None:
        with self._lock:
            self._since = time.monotonic()

    def done(self) -> None:
        with self._lock:
            self._since = None
            error, self._error = self._error, None
        if error is not None:
            raise error

    def _watch(self) -> None:
        interval = min(0.2, self._seconds / 4)
        while not self._stopped.wait(interval):
            with self._lock:
                since = self._since
                if since is None or time.monotonic() - since < self._seconds:
                    continue
                self._since = None  # once per file
                try:
                    self._flush()
                except BaseException as error:  # noqa: BLE001 - handed to the reader
                    self._error = error

    def close(self) -> None:
        self._stopped.set()
        self._thread.join()

    def __enter__(self) -> SlowFileWatch:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
