"""Watching the archive's folders, so that what changes in them is indexed within seconds.

Linux's inotify reports every entry created, written, renamed or deleted in a folder it
watches, and costs nothing while nothing happens: the watcher's thread sleeps in `poll`
with no timeout until an event, a stop or a due check wakes it. We call inotify directly
(ctypes over libc's `inotify_init1`, `inotify_add_watch`, `inotify_rm_watch`, and `read`
of its descriptor) rather than through watchdog, because what matters here is exactly
what a wrapper hides: a lost-events overflow must become a full sync, the user's watch
limit a plain message and a cheap fallback, an unplugged drive (IN_UNMOUNT) a folder
checked for its return with a growing pause, and a folder's tree must be watched under
the scan's own rules (no links followed, no dot folders, at most 64 levels).

One watch per folder, added by walking the folders only (their entries' types come from
the directory listing: no file is stat'ed). What the watcher hands on is a `Changes`:
the paths where something happened, gathered until QUIET_SECONDS pass without a new event
(and at most MOST_DELAY_SECONDS after the first, so a file written for minutes is still
seen), and the folders to read in full because events may have been missed (the kernel's
queue overflowed, a folder that had gone came back). `Library.sync_paths` applies it.

Where inotify cannot serve — another system, inotify refused, the watch limit reached,
or a network folder (NFS, SMB, sshfs...: inotify sees only this machine's changes) — a
folder is *polled*: every POLL_SECONDS one stat per folder of its tree (never one per
file), and a folder whose mtime moved is listed again and compared with its last
listing. That sees files added, removed and renamed (and so the usual save, a new file
renamed over the old), not a file rewritten in place; `index` (File ▸ Re-index) does.
A folder that is not there (an unplugged drive, an unmounted share) is checked for with
one stat after RETRY_FIRST_SECONDS, then a pause twice as long each time up to
RETRY_MOST_SECONDS; a folder that was empty when watched (a mount point?) is checked the
same way for a drive mounted over it.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import logging
import math
import os
import select
import stat
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from archive_app.core.indexing.catalog import Root
from archive_app.core.indexing.scanning import IGNORE_FILE, MAX_FOLDER_DEPTH

log = logging.getLogger(__name__)

QUIET_SECONDS = 1.0
"""Changes are handed on once this long has passed without another event."""
MOST_DELAY_SECONDS = 10.0
"""...and at the latest this long after the first of them."""
POLL_SECONDS = 30.0
"""How often a polled folder's folders are stat'ed."""
RETRY_FIRST_SECONDS = 2.0
RETRY_MOST_SECONDS = 60.0
"""A missing folder is looked for after 2 s, then 4, 8 ... at most every 60 s."""
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs", "lustre",
    "gpfs", "ocfs2", "gfs2", "coda", "ncpfs", "davfs", "fuse.sshfs", "fuse.rclone",
    "fuse.s3fs", "fuse.gvfsd-fuse", "fuse.davfs2"})
"""Filesystems whose changes may come from other machines, which inotify never sees."""

IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE = 0x2, 0x4, 0x8
IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x40, 0x80, 0x100, 0x200
IN_DELETE_SELF, IN_MOVE_SELF, IN_UNMOUNT = 0x400, 0x800, 0x2000
IN_Q_OVERFLOW, IN_IGNORED = 0x4000, 0x8000
IN_ONLYDIR, IN_DONT_FOLLOW, IN_EXCL_UNLINK, IN_ISDIR = 0x1000000, 0x2000000, 0x4000000, \
    0x40000000
IN_NONBLOCK, IN_CLOEXEC = os.O_NONBLOCK, getattr(os, "O_CLOEXEC", 0o2000000)
WATCH_MASK = (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO
              | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF
              | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)
CHANGE_MASK = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO \
    | IN_CREATE | IN_DELETE
_EVENT = struct.Struct("iIII")
_READ_SIZE = 64 * 1024
INOTIFY, POLLING, MISSING = "inotify", "polling", "missing"


@dataclass(frozen=True)
class Changes:
    """What happened since the last hand-over: paths (absolute) where a file or folder
    was created, written, deleted or moved from or to; folders to read in full."""

    paths: frozenset[str] = frozenset()
    folders: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.paths or self.folders)


@dataclass(frozen=True)
class WatchStatus:
    """How each folder is watched right now, and why a folder is not watched by inotify."""

    watched: tuple[str, ...] = ()
    polled: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        """One quiet line for a status bar: "Watching 3 folders", and what is amiss."""
        present = len(self.watched) + len(self.polled)
        line = f"Watching {present} folder{'' if present == 1 else 's'}"
        if self.polled:
            line += f" ({len(self.polled)} by polling every {POLL_SECONDS:.0f} s)"
        if self.missing:
            line += f"; {len(self.missing)} not found (checked now and then)"
        return line


class InotifyUnavailable(OSError):
    """inotify cannot be had here (not Linux, or inotify_init1 refused)."""


class _LimitReached(Exception):
    """No more inotify watches may be added (the user's fs.inotify.max_user_watches)."""


class Inotify:
    """One inotify instance: a non-blocking descriptor and its watches, through libc."""

    def __init__(self) -> None:
        if not sys.platform.startswith("linux"):
            raise InotifyUnavailable(errno.ENOSYS, "inotify exists on Linux only")
        name = ctypes.util.find_library("c") or "libc.so.6"
        try:
            libc = ctypes.CDLL(name, use_errno=True)
            init, add, remove = (libc.inotify_init1, libc.inotify_add_watch,
                                 libc.inotify_rm_watch)
        except (OSError, AttributeError) as error:
            raise InotifyUnavailable(errno.ENOSYS, f"no inotify in {name}: {error}") from None
        init.argtypes, init.restype = [ctypes.c_int], ctypes.c_int
        add.argtypes, add.restype = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32], \
            ctypes.c_int
        remove.argtypes, remove.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
        self._add, self._remove = add, remove
        self.fd = init(IN_NONBLOCK | IN_CLOEXEC)
        if self.fd < 0:
            number = ctypes.get_errno()
            raise InotifyUnavailable(number, f"inotify refused: {os.strerror(number)}")

    def add(self, path: str) -> int:
        """Watch a folder (not following a link); OSError with the errno on failure."""
        wd = self._add(self.fd, os.fsencode(path), WATCH_MASK)
        if wd < 0:
            number = ctypes.get_errno()
            raise OSError(number, os.strerror(number), path)
        return wd

    def remove(self, wd: int) -> None:
        self._remove(self.fd, wd)  # a watch already gone (its folder deleted) is fine

    def read(self) -> list[tuple[int, int, int, bytes]]:
        """Every event queued now: (wd, mask, cookie, name); [] when there is none."""
        events = []
        while True:
            try:
                data = os.read(self.fd, _READ_SIZE)
            except BlockingIOError:
                return events
            offset = 0
            while offset + _EVENT.size <= len(data):
                wd, mask, cookie, length = _EVENT.unpack_from(data, offset)
                start = offset + _EVENT.size
                events.append((wd, mask, cookie, data[start:start + length].rstrip(b"\0")))
                offset = start + length
            if len(data) < _READ_SIZE - 4096:
                return events

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


def watch_limit_text() -> str:
    """The user's inotify watch limit as the message names it."""
    try:
        limit = Path("/proc/sys/fs/inotify/max_user_watches").read_text().strip()
    except OSError:
        limit = "?"
    return f"fs.inotify.max_user_watches = {limit}"


def filesystem_of(path: str) -> str:
    """The type of the filesystem `path` lies on ("ext4", "nfs4", "fuse.sshfs"), from
    /proc/self/mountinfo (the longest mount point above it); '' when unknown."""
    try:
        lines = Path("/proc/self/mountinfo").read_text(encoding="utf-8",
                                                       errors="replace").splitlines()
    except OSError:
        return ""
    real = os.path.realpath(path)
    best, kind = -1, ""
    for line in lines:
        fields = line.split(" ")
        if len(fields) < 10 or "-" not in fields[6:]:
            continue
        point = fields[4].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
        separator = fields.index("-", 6)
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and len(point) > best and separator + 1 < len(fields):
            best, kind = len(point), fields[separator + 1]
    return kind


@dataclass
class _Folder:
    """One archive folder as the watcher keeps it."""

    path: str
    mode: str = MISSING
    note: str = ""
    identity: tuple[int, int] | None = None
    """(device, inode) of the folder when watched: a drive mounted over it changes it."""
    next_check: float | None = None
    retry: float = RETRY_FIRST_SECONDS
    listings: dict[str, tuple[int, dict[str, bool]]] = field(default_factory=dict)
    """Polling: each folder of the tree with its mtime and its entries (name: is a folder)."""


def _subfolders(folder: str) -> tuple[dict[str, bool], list[str]]:
    """A folder's entries the scan would look at (name: is a folder; no dot names) and
    its subfolders' paths (links are never followed); nothing if it cannot be listed."""
    entries: dict[str, bool] = {}
    try:
        with os.scandir(folder) as listing:
            for entry in listing:
                if entry.name.startswith("."):
                    continue
                try:
                    entries[entry.name] = entry.is_dir(follow_symlinks=False)
                except OSError:
                    entries[entry.name] = False
    except OSError:
        return {}, []
    return entries, [os.path.join(folder, name) for name, is_dir in entries.items() if is_dir]


class FolderWatcher:
    """Watches folders in a thread of its own; `on_changes(Changes)` and
    `on_status(WatchStatus)` are called from that thread (keep them short: hand the
    work on). `start()` / `stop()`; `set_folders()` changes what is watched."""

    def __init__(self, folders: Iterable[Root | str | os.PathLike[str]],
                 on_changes: Callable[[Changes], None],
                 on_status: Callable[[WatchStatus], None] | None = None, *,
                 quiet: float = QUIET_SECONDS, most_delay: float = MOST_DELAY_SECONDS,
                 poll_seconds: float = POLL_SECONDS, retry_first: float = RETRY_FIRST_SECONDS,
                 retry_most: float = RETRY_MOST_SECONDS, use_inotify: bool = True,
                 watch_limit: int | None = None):
        """`watch_limit` caps this watcher's inotify watches below the system's limit
        (reaching either is handled alike); `use_inotify=False` polls every folder."""
        self.on_changes, self.on_status = on_changes, on_status
        self.quiet, self.most_delay = quiet, most_delay
        self.poll_seconds, self.retry_first, self.retry_most = poll_seconds, retry_first, \
            retry_most
        self.use_inotify, self.watch_limit = use_inotify, watch_limit
        self._wanted = [_folder_path(folder) for folder in folders]
        self._folders: dict[str, _Folder] = {}
        self._inotify: Inotify | None = None
        self._inotify_note = ""
        self._by_wd: dict[int, tuple[_Folder, str]] = {}
        self._wd_of: dict[str, int] = {}
        self._paths: set[str] = set()
        self._full: set[str] = set()
        self._first_event: float | None = None
        self._last_event = 0.0
        self._lock = threading.Lock()
        self._requested: list[str] | None = None
        self._stopping = False
        self._status = WatchStatus()
        self._wake_read, self._wake_write = os.pipe()
        for fd in (self._wake_read, self._wake_write):
            os.set_blocking(fd, False)
        self._thread: threading.Thread | None = None
        self._poller = select.poll()
        self._opened = False
        self.wakeups = 0
        """How often the thread woke up (a test checks that a lost folder does not spin it)."""

    # -- the faces' side -----------------------------------------------------------------
    def start(self) -> None:
        """Watch from a thread of its own (named "folder-watch")."""
        self._thread = threading.Thread(target=self._run, name="folder-watch", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop watching; what was gathered and not yet handed on is dropped (the next
        full sync finds it)."""
        self._stopping = True
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        else:
            self.close()

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def set_folders(self, folders: Iterable[Root | str | os.PathLike[str]]) -> None:
        """Watch these folders from now on (a folder was added to or removed from the
        archive); new ones are watched without a full sync (they were just indexed)."""
        with self._lock:
            self._requested = [_folder_path(folder) for folder in folders]
        self._wake()

    @property
    def status(self) -> WatchStatus:
        with self._lock:
            return self._status

    # -- the thread ------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self.open()
            while not self._stopping:
                self.step()
        except Exception:  # noqa: BLE001 - a watcher that fails must say so, not vanish
            log.exception("the folder watcher stopped")
        finally:
            self.close()

    def open(self) -> None:
        """Set up inotify (if it can be had) and watch every folder (the thread's first
        step; a test may drive `open` and `step` by hand instead of `start`)."""
        if self.use_inotify:
            try:
                self._inotify = Inotify()
                self._poller.register(self._inotify.fd, select.POLLIN)
            except InotifyUnavailable as error:
                self._inotify_note = f"inotify cannot be used here ({error.strerror})"
        self._poller.register(self._wake_read, select.POLLIN)
        self._opened = True
        for path in self._wanted:
            self._add_folder(path, time.monotonic())
        self._report()

    def step(self, timeout: float | None = -1.0) -> None:
        """Wait for the next event or due check (or `timeout` seconds; -1: as long as
        nothing is due, which may be for ever), then handle what is there."""
        if timeout is not None and timeout < 0:
            timeout = self._timeout(time.monotonic())
        # rounded up: a wait of 0 ms while something is due in 0.4 ms would spin
        ready = self._poller.poll(None if timeout is None else max(0, math.ceil(timeout * 1000)))
        self.wakeups += 1
        for fd, _flags in ready:
            if self._inotify is not None and fd == self._inotify.fd:
                for event in self._inotify.read():
                    self._event(*event)
            elif fd == self._wake_read:
                with contextlib.suppress(BlockingIOError):
                    os.read(self._wake_read, 4096)
                self._apply_request()
        now = time.monotonic()
        self._checks(now)
        if self._first_event is not None and (now - self._last_event >= self.quiet
                                              or now - self._first_event >= self.most_delay):
            self.flush()

    def flush(self) -> None:
        """Hand on what was gathered (at once, whatever the quiet period)."""
        changes = Changes(frozenset(self._paths), frozenset(self._full))
        self._paths, self._full, self._first_event = set(), set(), None
        if changes:
            try:
                self.on_changes(changes)
            except Exception:  # noqa: BLE001 - the face's problem; watching goes on
                log.exception("handing on changes failed")

    def close(self) -> None:
        """Release the descriptors (the thread does this as it ends)."""
        if self._inotify is not None:
            self._inotify.close()
            self._inotify = None
        for fd in (self._wake_read, self._wake_write):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._wake_read = self._wake_write = -1

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_write, b"x")

    def _timeout(self, now: float) -> float | None:
        """Seconds until something is due: the hand-over of gathered changes, a check of
        a missing or polled folder. None (sleep until an event) when nothing is."""
        due = [folder.next_check for folder in self._folders.values()
               if folder.next_check is not None]
        if self._first_event is not None:
            due.append(min(self._last_event + self.quiet, self._first_event + self.most_delay))
        return max(0.0, min(due) - now) if due else None

    def _apply_request(self) -> None:
        with self._lock:
            wanted, self._requested = self._requested, None
        if wanted is None:
            return
        for path in [path for path in self._folders if path not in wanted]:
            self._drop(self._folders.pop(path))
        now = time.monotonic()
        for path in wanted:
            if path not in self._folders:
                self._add_folder(path, now)
        self._report()

    # -- folders coming and going ------------------------------------------------------
    def _add_folder(self, path: str, now: float) -> _Folder:
        folder = self._folders.setdefault(path, _Folder(path, retry=self.retry_first))
        self._start(folder, now)
        return folder

    def _start(self, folder: _Folder, now: float) -> bool:
        """Watch a folder by inotify (else by polling); False if it is not there."""
        try:
            info = os.stat(folder.path)
        except OSError:
            info = None
        if info is None or not stat.S_ISDIR(info.st_mode):
            self._missing(folder, now)
            return False
        folder.identity = (info.st_dev, info.st_ino)
        folder.retry = self.retry_first
        folder.next_check = None
        kind = filesystem_of(folder.path)
        if self._inotify is None:
            self._poll_instead(folder, now, self._inotify_note or "inotify is off")
        elif kind in NETWORK_FILESYSTEMS:
            self._poll_instead(folder, now, f"a network folder ({kind}): changes made on "
                               "other machines are not announced")
        else:
            try:
                self._watch_tree(folder, folder.path)
            except _LimitReached:
                self._unwatch_under(folder.path)
                self._poll_instead(folder, now, f"the limit of inotify watches is reached "
                                   f"({watch_limit_text()}; raise it with sysctl)")
                return True
            folder.mode, folder.note = INOTIFY, ""
            if _is_empty(folder.path):  # maybe a mount point with nothing mounted on it
                folder.next_check = now + folder.retry
        return True

    def _missing(self, folder: _Folder, now: float) -> None:
        self._unwatch_under(folder.path)
        folder.mode, folder.note, folder.listings = MISSING, "not found", {}
        folder.next_check = now + folder.retry

    def _poll_instead(self, folder: _Folder, now: float, why: str) -> None:
        folder.mode, folder.note = POLLING, why
        folder.listings = {}
        self._list_tree(folder, folder.path)
        folder.next_check = now + self.poll_seconds

    def _drop(self, folder: _Folder) -> None:
        """No longer watch this folder at all (it left the archive)."""
        self._unwatch_under(folder.path)

    def _lose(self, folder: _Folder) -> None:
        """The folder went (unplugged, unmounted, deleted or renamed): stop watching it
        and look for its return now and then. Its documents stay (as a full sync keeps
        those of a missing folder)."""
        folder.retry = self.retry_first
        self._missing(folder, time.monotonic())
        self._report()

    def _checks(self, now: float) -> None:
        """Whatever check is due: a missing folder's return, a polled folder's folders,
        an empty watched folder's identity."""
        changed = False
        for folder in list(self._folders.values()):
            if folder.next_check is None or folder.next_check > now:
                continue
            if folder.mode == MISSING:
                if self._start(folder, now):
                    self._changed(folder.path, full=True)  # what happened while it was away
                    changed = True
                else:
                    folder.retry = min(folder.retry * 2, self.retry_most)
                    folder.next_check = now + folder.retry
            elif folder.mode == POLLING:
                changed |= self._poll(folder, now)
            else:
                changed |= self._check_identity(folder, now)
        if changed:
            self._report()

    def _check_identity(self, folder: _Folder, now: float) -> bool:
        """An empty watched folder: a drive mounted over it (a new device and inode) is
        a new folder to watch and read in full."""
        try:
            info = os.stat(folder.path)
            identity = (info.st_dev, info.st_ino)
        except OSError:
            identity = None
        if identity == folder.identity:
            folder.retry = min(folder.retry * 2, self.retry_most)
            folder.next_check = now + folder.retry
            return False
        self._unwatch_under(folder.path)
        folder.retry = self.retry_first
        if self._start(folder, now):
            self._changed(folder.path, full=True)
        return True

    # -- inotify ---------------------------------------------------------------------------
    def _watch_tree(self, folder: _Folder, top: str) -> None:
        """Watch `top` and every folder below it the scan would walk into."""
        base = folder.path.rstrip(os.sep) + os.sep
        stack = [top]
        while stack:
            path = stack.pop()
            depth = 0 if path == folder.path else path[len(base):].count(os.sep) + 1
            if depth > MAX_FOLDER_DEPTH:
                continue
            if path not in self._wd_of:
                if self.watch_limit is not None and len(self._wd_of) >= self.watch_limit:
                    raise _LimitReached
                try:
                    wd = self._inotify.add(path)
                except OSError as error:
                    if error.errno == errno.ENOSPC:
                        raise _LimitReached from None
                    continue  # gone meanwhile, or not ours to read: the scan says why
                self._by_wd[wd] = (folder, path)
                self._wd_of[path] = wd
            stack.extend(_subfolders(path)[1])

    def _unwatch_under(self, top: str) -> None:
        """Remove the watches of `top` and of every folder below it."""
        inside = top.rstrip(os.sep) + os.sep
        for path in [path for path in self._wd_of if path == top or path.startswith(inside)]:
            wd = self._wd_of.pop(path)
            self._by_wd.pop(wd, None)
            if self._inotify is not None:
                self._inotify.remove(wd)

    def _event(self, wd: int, mask: int, _cookie: int, name: bytes) -> None:
        if mask & IN_Q_OVERFLOW:
            self._overflowed()
            return
        entry = self._by_wd.get(wd)
        if entry is None:
            return  # a watch removed a moment ago
        folder, path = entry
        if mask & IN_IGNORED:
            self._by_wd.pop(wd, None)
            if self._wd_of.get(path) == wd:
                del self._wd_of[path]
            if path == folder.path and folder.mode == INOTIFY:
                self._lose(folder)
            return
        if not name:
            if path == folder.path and mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT):
                self._lose(folder)
            elif mask & IN_UNMOUNT:  # a drive mounted inside the folder went
                self._changed(path)
            return
        entry_name = os.fsdecode(name)
        if entry_name.startswith(".") and not (path == folder.path
                                              and entry_name == IGNORE_FILE):
            return  # never a document, and the scan never walks into it
        child = os.path.join(path, entry_name)
        if mask & IN_ISDIR:
            if mask & (IN_MOVED_FROM | IN_DELETE):
                self._unwatch_under(child)  # moved away, its watches would name it wrongly
            elif mask & (IN_CREATE | IN_MOVED_TO):
                try:
                    self._watch_tree(folder, child)
                except _LimitReached:
                    self._unwatch_under(folder.path)
                    self._poll_instead(folder, time.monotonic(), "the limit of inotify "
                                       f"watches is reached ({watch_limit_text()}; raise "
                                       "it with sysctl)")
                    self._changed(folder.path, full=True)
                    self._report()
                    return
            else:
                return  # a folder's own attributes: nothing to index
        if mask & CHANGE_MASK:
            self._changed(child)

    def _overflowed(self) -> None:
        """The kernel's queue overflowed and events were lost: watch again whatever
        folders appeared meanwhile and read every inotify-watched folder in full."""
        for folder in self._folders.values():
            if folder.mode == INOTIFY:
                with contextlib.suppress(_LimitReached):
                    self._watch_tree(folder, folder.path)
                self._changed(folder.path, full=True)

    def _changed(self, path: str, full: bool = False) -> None:
        (self._full if full else self._paths).add(path)
        now = time.monotonic()
        if self._first_event is None:
            self._first_event = now
        self._last_event = now

    # -- polling ---------------------------------------------------------------------------
    def _list_tree(self, folder: _Folder, top: str) -> None:
        """Remember the mtime and entries of `top` and of every folder below it."""
        base = folder.path.rstrip(os.sep) + os.sep
        stack = [top]
        while stack:
            path = stack.pop()
            depth = 0 if path == folder.path else path[len(base):].count(os.sep) + 1
            if depth > MAX_FOLDER_DEPTH:
                continue
            try:
                mtime = os.stat(path).st_mtime_ns
            except OSError:
                continue
            entries, subfolders = _subfolders(path)
            folder.listings[path] = (mtime, entries)
            stack.extend(subfolders)

    def _poll(self, folder: _Folder, now: float) -> bool:
        """One stat per folder of the tree; a folder whose mtime moved is listed again,
        and the names that came or went are changes. True if the folder was lost."""
        try:
            os.stat(folder.path)
        except OSError:
            self._lose(folder)
            return True
        for path, (mtime, entries) in list(folder.listings.items()):
            if path not in folder.listings:
                continue  # dropped with a folder that went, below
            try:
                now_mtime = os.stat(path).st_mtime_ns
            except OSError:
                self._forget_listings(folder, path)
                continue
            if now_mtime == mtime:
                continue
            current, _ = _subfolders(path)
            folder.listings[path] = (now_mtime, current)
            for name in entries.keys() | current.keys():
                if entries.get(name) == current.get(name):
                    continue
                child = os.path.join(path, name)
                self._changed(child)
                if entries.get(name):
                    self._forget_listings(folder, child)
                if current.get(name):
                    self._list_tree(folder, child)
        folder.next_check = now + self.poll_seconds
        return False

    @staticmethod
    def _forget_listings(folder: _Folder, top: str) -> None:
        inside = top.rstrip(os.sep) + os.sep
        for path in [p for p in folder.listings if p == top or p.startswith(inside)]:
            del folder.listings[path]

    # -- status ----------------------------------------------------------------------------
    def _report(self) -> None:
        folders = list(self._folders.values())
        status = WatchStatus(
            watched=tuple(f.path for f in folders if f.mode == INOTIFY),
            polled=tuple(f.path for f in folders if f.mode == POLLING),
            missing=tuple(f.path for f in folders if f.mode == MISSING),
            notes=tuple(f"{f.path}: {f.note}" for f in folders if f.mode != INOTIFY and f.note))
        with self._lock:
            if status == self._status:
                return
            self._status = status
        if self.on_status is not None:
            try:
                self.on_status(status)
            except Exception:  # noqa: BLE001
                log.exception("reporting the watch status failed")


def _is_empty(folder: str) -> bool:
    """Whether a folder holds nothing but dot names (the listing stops at the first)."""
    try:
        with os.scandir(folder) as listing:
            return not any(not entry.name.startswith(".") for entry in listing)
    except OSError:
        return True


def _folder_path(folder: Root | str | os.PathLike[str]) -> str:
    return os.path.normpath(os.fspath(folder.path if isinstance(folder, Root) else folder))
