"""Finding a corpus folder's files with stat only: the cheap half of an incremental sync.

A file's signature (mtime, size, and those of its metadata sidecar and the root's
catalog.csv) is compared with the one the catalog recorded; only files whose signature
changed are opened. `.archiveignore` keeps a corpus's own notes out of the index.

The walk is hostile-folder proof (a leak's author may have shaped it): an explicit stack
instead of recursion, at most MAX_FOLDER_DEPTH levels, links judged by where they finally
lead (corpus_files.py), only regular files taken as documents, and names that are not
UTF-8 given printable keys (names.py). Whatever is left out for such a reason is put in
`Scan.unreadable` with the reason, so the index records it and `check` lists it.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from archive_app.core import ingest
from archive_app.core.indexing import corpus_files, names
from archive_app.core.indexing.catalog import Root
from archive_app.core.ingest.sidecars import MAX_CATALOG_BYTES, MAX_SIDECAR_BYTES

MAX_FOLDER_DEPTH = 64
"""Folders below this many levels are not read (a leak can nest thousands of them)."""
TOO_DEEP = f"folder deeper than {MAX_FOLDER_DEPTH} levels{corpus_files.NOT_READ}"
SAME_KEY = "another file's name reads the same once its odd bytes are escaped" + (
    corpus_files.NOT_READ)
IGNORE_FILE = ".archiveignore"
MAX_IGNORE_BYTES = 1024 * 1024


@dataclass
class Scan:
    """One root's files as found on disk: key -> (path, signature).

    `unreadable` holds key -> (path, reason) for what was found but not taken: files that
    cannot be stat'ed, links out of the folder, FIFOs and devices, refused sidecars,
    catalog.csv or .archiveignore, and folders beyond the depth limit.
    """

    root: Root
    found: dict[str, tuple[str, str]] = field(default_factory=dict)
    unreadable: dict[str, tuple[str, str]] = field(default_factory=dict)
    regions: list[str] | None = None
    """None for a scan of the whole root; for a scan of some paths only (`scan_paths`),
    the key of each path looked at: what was found at and below these keys is all there
    is there now, and nothing is said of the rest of the root."""


def _signature(stat_result: os.stat_result, *extra: str) -> str:
    return ":".join([str(stat_result.st_mtime_ns), str(stat_result.st_size), *extra])


def _stat_signature(path: str | Path) -> str:
    try:
        return _signature(os.stat(path))
    except OSError:
        return "-"


def _parse_ignore(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.startswith("#")]


def _ignore_patterns(folder: str, real_root: str) -> tuple[list[str], str | None]:
    """(patterns, why the file was refused or None): only a small regular file inside."""
    path = os.path.join(folder, IGNORE_FILE)
    if not os.path.lexists(path):
        return [], None
    try:
        data = corpus_files.read_small_file(path, real_root, MAX_IGNORE_BYTES)
        return _parse_ignore(data.decode("utf-8")), None
    except corpus_files.NotRead as refused:
        return [], refused.reason
    except UnicodeDecodeError:
        return [], "not UTF-8 text" + corpus_files.NOT_READ


def read_ignore_patterns(folder: Path) -> list[str]:
    """Glob patterns from FOLDER/.archiveignore (one a line, '#' comments), like .gitignore.

    A pattern without '/' matches a file name anywhere; one with '/' matches the
    corpus-relative path. Lets a corpus keep its README or provenance notes unindexed.
    A FIFO, a device, a link leaving the folder or a file over 1 MB gives no patterns.
    """
    return _ignore_patterns(str(folder), corpus_files.real_folder(folder))[0]


def is_ignored(relative: str, patterns: list[str]) -> bool:
    name = relative.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(relative if "/" in p else name, p.lstrip("/"))
               for p in patterns)


def _entries(folder: str) -> tuple[list[os.DirEntry], str | None]:
    """A folder's entries in name order, or none and the reason it cannot be listed."""
    try:
        with os.scandir(folder) as listing:
            return sorted(listing, key=lambda entry: entry.name), None
    except OSError as error:
        return [], f"cannot read the folder: {error.strerror or error}"


class _Walk:
    """One scan in progress: the root, its resolved path, its ignore patterns and the Scan."""

    def __init__(self, root: Root):
        self.scan = Scan(root)
        self.top = str(root.path)
        self.real_root = corpus_files.real_folder(self.top)
        self.ignored, reason = _ignore_patterns(self.top, self.real_root)
        if reason:
            self.refuse(IGNORE_FILE, os.path.join(self.top, IGNORE_FILE), reason)
        self.catalog_sig = self._catalog_signature()
        self._folders: dict[str, bool] = {}
        self._maildirs: dict[str, bool] = {}

    def key(self, relative: str) -> str:
        return f"{self.scan.root.name}/{names.key_text(relative)}"

    def refuse(self, relative: str, path: str, reason: str) -> None:
        self.scan.unreadable[self.key(relative)] = (path, reason)

    def _catalog_signature(self) -> str:
        """catalog.csv's signature; a refused one (link out, FIFO, over 64 MB) is recorded."""
        path = os.path.join(self.top, ingest.CATALOG_NAME)
        if not os.path.lexists(path):
            return "-"
        reason, info = corpus_files.refusal(path, self.real_root, MAX_CATALOG_BYTES)
        if reason:
            self.refuse(ingest.CATALOG_NAME, path, reason)
        return _signature(info) if info is not None else "-"

    def run(self) -> Scan:
        """Depth-first in name order, like os.walk, but with a stack: no recursion limit."""
        self._walk(self.top, "", 0)
        return self.scan

    def _walk(self, top: str, top_prefix: str, top_depth: int) -> None:
        """Walk the folder `top` (the root, or a folder below it at `top_prefix`)."""
        stack = [(top, top_prefix, top_depth)]
        while stack:
            folder, prefix, depth = stack.pop()
            entries, reason = _entries(folder)
            if reason:
                if prefix:  # an unlistable root looks missing: its documents are kept
                    self.refuse(prefix.rstrip("/"), folder, reason)
                continue
            subfolders = self._folder(folder, prefix, depth, entries)
            stack.extend(reversed(subfolders))

    def region(self, relative: str) -> None:
        """What the walk would find at `relative` and below it, looking at that path
        alone: one lstat of it (and of the folders above it, once each), the walk of
        its subtree if it is a folder; none of its folder's other entries is listed.

        The walk's own rules decide: a name starting with '.' anywhere on the path, a
        folder above it that is a link or not a folder, or a depth past the limit and
        the walk never gets there; a link, a folder, a document name are judged by the
        same methods as an entry of `os.scandir`."""
        if not relative:
            self._walk(self.top, "", 0)
            return
        parts = relative.split("/")
        if any(part.startswith(".") for part in parts):
            return
        folder = self.top
        for depth, part in enumerate(parts[:-1], 1):
            folder = os.path.join(folder, part)
            if depth > MAX_FOLDER_DEPTH:
                self.refuse("/".join(parts[:depth]), folder, TOO_DEEP)
                return
            if not self._is_folder(folder):
                return
        depth = len(parts) - 1
        entry = _PathEntry.of(os.path.join(folder, parts[-1]))
        if isinstance(entry, str):
            self.scan.unreadable[self.key(relative)] = (os.path.join(folder, parts[-1]), entry)
            return
        if entry is None:
            return
        if entry.is_symlink():
            self._link(entry, relative)
        elif entry.is_dir(follow_symlinks=False):
            if depth + 1 > MAX_FOLDER_DEPTH:
                self.refuse(relative, entry.path, TOO_DEEP)
            else:
                self._walk(entry.path, relative + "/", depth + 1)
        elif self._wanted(entry.name, relative, self._in_maildir(folder)):
            self._file(entry, relative, _Siblings(folder))

    def _is_folder(self, folder: str) -> bool:
        """A real folder (not a link to one): the walk goes into it by this name."""
        known = self._folders.get(folder)
        if known is None:
            try:
                known = stat.S_ISDIR(os.lstat(folder).st_mode)
            except OSError:
                known = False
            self._folders[folder] = known
        return known

    def _in_maildir(self, folder: str) -> bool:
        known = self._maildirs.get(folder)
        if known is None:
            known = self._maildirs[folder] = ingest.in_maildir(folder)
        return known

    def _folder(self, folder: str, prefix: str, depth: int,
                entries: list[os.DirEntry]) -> list[tuple[str, str, int]]:
        """Take one folder's files; return its subfolders to walk (within the limit)."""
        by_name = {entry.name: entry for entry in entries}
        maildir = ingest.in_maildir(folder)
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            relative = prefix + entry.name
            if entry.is_symlink():
                self._link(entry, relative)
            elif entry.is_dir(follow_symlinks=False):
                if depth + 1 > MAX_FOLDER_DEPTH:
                    self.refuse(relative, entry.path, TOO_DEEP)
                else:
                    subfolders.append((entry.path, relative + "/", depth + 1))
            elif self._wanted(entry.name, relative, maildir):
                self._file(entry, relative, by_name)
        return subfolders

    def _wanted(self, name: str, relative: str, maildir: bool = False) -> bool:
        """A document name (any file of a Maildir's cur/new: a message) that
        .archiveignore does not exclude."""
        wanted = ingest.is_document_name(name) or (
            maildir and not name.lower().endswith(ingest.SIDECAR_SUFFIX))
        return wanted and not (self.ignored and is_ignored(relative, self.ignored))

    def _link(self, entry: os.DirEntry, relative: str) -> None:
        """A link is never a document itself: one inside leads to a file (or folder) the
        walk reaches by its own name, so it is skipped (indexed once, as its target);
        one leading out of the folder, a loop or a dangling link is recorded."""
        reason, _ = corpus_files.link_refusal(entry.path, self.real_root)
        if reason == corpus_files.OUTSIDE_FOLDER or (
                reason and self._wanted(entry.name, relative)):
            self.refuse(relative, entry.path, reason)

    def _file(self, entry: os.DirEntry, relative: str,
              by_name: dict[str, os.DirEntry]) -> None:
        """A document: only a regular file, signed with its sidecar and catalog.csv."""
        key = self.key(relative)
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError as error:
            self.scan.unreadable[key] = (entry.path,
                                         f"cannot read the file: {error.strerror or error}")
            return
        if not stat.S_ISREG(info.st_mode):
            self.scan.unreadable[key] = (entry.path, corpus_files.not_regular(info.st_mode))
            return
        if key in self.scan.found:
            self.scan.unreadable[key + "\ufffd"] = (entry.path, SAME_KEY)
            return
        sidecar_sig = self._sidecar_signature(entry.name, relative, by_name)
        self.scan.found[key] = (entry.path, _signature(info, sidecar_sig, self.catalog_sig))

    def _sidecar_signature(self, name: str, relative: str,
                           by_name: dict[str, os.DirEntry]) -> str:
        """The first sidecar present (NAME.ext.meta.json, then NAME.meta.json); a refused
        one (link out, FIFO, over 1 MB) is recorded, and load_document refuses it too."""
        for sidecar in (name + ingest.SIDECAR_SUFFIX,
                        os.path.splitext(name)[0] + ingest.SIDECAR_SUFFIX):
            entry = by_name.get(sidecar)
            if entry is None:
                continue
            reason, info = corpus_files.refusal(entry.path, self.real_root,
                                                MAX_SIDECAR_BYTES)
            if reason:
                self.refuse(relative[:len(relative) - len(name)] + sidecar, entry.path, reason)
            return _signature(info) if info is not None else "-"
        return "-"


class _PathEntry:
    """One path as `os.scandir` would have given it, from one lstat: a targeted scan
    looks at the changed paths themselves, never at the rest of their folder."""

    def __init__(self, path: str, info: os.stat_result):
        self.path = path
        self.name = os.path.basename(path)
        self._info = info

    @classmethod
    def of(cls, path: str) -> _PathEntry | str | None:
        """The entry, None if nothing is there, or why it cannot be looked at."""
        try:
            return cls(path, os.lstat(path))
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as error:
            return f"cannot read the file: {error.strerror or error}"

    def is_symlink(self) -> bool:
        return stat.S_ISLNK(self._info.st_mode)

    def is_dir(self, follow_symlinks: bool = False) -> bool:
        return stat.S_ISDIR(self._info.st_mode)  # only ever asked without following

    def stat(self, follow_symlinks: bool = False) -> os.stat_result:
        return self._info


class _Siblings:
    """A folder's entries by name, looked up one name at a time (a file's sidecars)."""

    def __init__(self, folder: str):
        self.folder = folder

    def get(self, name: str) -> _PathEntry | None:
        entry = _PathEntry.of(os.path.join(self.folder, name))
        return entry if isinstance(entry, _PathEntry) else None


def outermost(relatives: set[str]) -> list[str]:
    """The paths not below another one of the set (a folder's walk covers its files), in
    name order; '' (the root itself) covers everything."""
    kept: list[str] = []
    for relative in sorted(relatives):
        if kept and (kept[-1] == "" or relative.startswith(kept[-1] + "/")):
            continue
        kept.append(relative)
    return kept


def scan_paths(root: Root, relatives: set[str]) -> Scan:
    """The root's scan restricted to some paths (corpus-relative, POSIX) and what lies
    below them: what `scan_root` would have found there, at the cost of those paths.

    `Scan.regions` holds each path's key: a key recorded at or below one of them and not
    found is gone from disk. The root's own small files (.archiveignore, catalog.csv)
    are read as by a full scan, so the paths get the same signatures."""
    walk = _Walk(root)
    regions = outermost(relatives)
    for relative in regions:
        walk.region(relative)
    walk.scan.regions = [walk.key(relative) if relative else root.name
                         for relative in regions]
    return walk.scan


def scan_root(root: Root) -> Scan:
    """Walk a corpus folder with stat only: no document is opened.

    Plain string operations per file, no pathlib objects (building 100,000 Paths was a
    third of a re-scan): a re-scan of unchanged files is this loop and one stat each
    (os.scandir's entries; links cost a realpath and a stat more).
    """
    return _Walk(root).run()
