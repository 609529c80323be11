"""`archive-app check`: index ↔ corpus ↔ annotation store, verified and repaired.

What is checked: the annotation database's SQLite integrity (precious: reported, never
"repaired" by us — backups are in HOME/backups), the index opens and agrees with its
catalog, the catalog agrees with the corpus on disk (missing, changed, unindexed files),
and every live annotation's anchor still matches its document's text.

The findings come in groups (`CheckGroup`), because they mean different things to a
user: *damage* (index ↔ catalog mismatch, an unreadable index, a failed SQLite integrity
check) and *anchors* that drifted need a repair; a *missing* corpus folder is usually an
unplugged drive; files *not indexed yet* (new, changed or deleted since the last run, or
left by a Cancel) only need a Re-index; files that hit a *limit* (timeout, too large,
stopped while reading) and other *skipped* files are listed with their reasons. Only
damage, anchors and missing folders make `check` fail.

Repair fixes what can be fixed without losing anything: a damaged index is rebuilt
beside the old one (HOME/index.new) from the corpus folders in HOME/roots.json and
swapped in only when complete, so a failed or killed rebuild leaves the old index as it
was; an out-of-date one is re-synced; annotations are re-anchored (or marked orphaned) —
never deleted.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from archive_app.core.errors import ArchiveError, IndexProblem
from archive_app.core.indexing.catalog import Catalog, FileRecord, open_read_only
from archive_app.core.indexing.in_hand import STOPPED_CODE, STOPPED_REASON, left_behind, to_blame
from archive_app.core.indexing.index import ArchiveIndex, SkippedFile, finish_swap, iter_keys
from archive_app.core.indexing.scanning import scan_root
from archive_app.core.jobs import JobControl
from archive_app.core.paths import AppPaths

if TYPE_CHECKING:
    from archive_app.core.library import Library

MAX_LISTED = 20
LIMIT_CODES = frozenset({"timeout", "too-large", "bomb", "memory", STOPPED_CODE})
"""Skip codes of files that hit one of our limits (time, size, memory, a process that
died while reading them): not read again until they change."""
DAMAGE, ANCHORS, MISSING, NOT_INDEXED, LIMITS, SKIPPED = (
    "damage", "anchors", "missing", "not-indexed", "limits", "skipped")
GROUPS = {
    DAMAGE: ("Damage", "run `archive-app check --repair` (Help ▸ Check archive ▸ Repair): "
             "the index is rebuilt from your folders; annotations are kept", True),
    ANCHORS: ("Annotations to re-anchor", "Repair finds them again in their documents",
              True),
    MISSING: ("Folders not found", "plug the drive in again; their documents are kept",
              True),
    NOT_INDEXED: ("Not indexed yet", "run Re-index (`archive-app index`) to read them",
                  False),
    LIMITS: ("Stopped at a limit", "not read again until the file changes", False),
    SKIPPED: ("Skipped files", "not read again until the file changes", False),
}
"""name -> (title, what to do, whether it makes `check` fail), in the order shown."""


@dataclass
class CheckItem:
    """One finding: which file or document (`path`; a key for index entries) and what."""

    path: str
    problem: str
    code: str = ""
    """The skip code for limits and skipped files ('timeout', 'stopped', 'empty', ...)."""

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "problem": self.problem, "code": self.code}


@dataclass
class CheckGroup:
    """Findings of one kind, with what the user can do about them."""

    name: str
    items: list[CheckItem] = field(default_factory=list)

    @property
    def title(self) -> str:
        return GROUPS[self.name][0]

    @property
    def advice(self) -> str:
        return GROUPS[self.name][1]

    @property
    def failing(self) -> bool:
        """Damage, anchors and missing folders make `check` exit 1; the rest does not."""
        return GROUPS[self.name][2]

    @property
    def count(self) -> int:
        return len(self.items)

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "title": self.title, "advice": self.advice,
                "failing": self.failing, "count": self.count,
                "items": [item.to_json() for item in self.items]}


def _empty_groups() -> dict[str, CheckGroup]:
    return {name: CheckGroup(name) for name in GROUPS}


@dataclass
class HealthReport:
    documents: int = 0
    groups: dict[str, CheckGroup] = field(default_factory=_empty_groups)
    """Every group by name, in the order of GROUPS (empty ones included)."""
    index_damaged: bool = False
    out_of_date: bool = False
    store_damaged: bool = False
    anchors_to_fix: int = 0
    fixed: list[str] = field(default_factory=list)
    unfixed: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    """Every skipped file (limits and others) as the index lists them."""

    def group(self, name: str) -> CheckGroup:
        return self.groups[name]

    def add(self, name: str, path: str, problem: str, code: str = "") -> None:
        self.groups[name].items.append(CheckItem(path, problem, code))

    @property
    def problems(self) -> list[str]:
        """Every finding except skipped files, as a sentence (damage first)."""
        return [item.problem for name in (DAMAGE, ANCHORS, MISSING, NOT_INDEXED)
                for item in self.groups[name].items]

    @property
    def damaged(self) -> bool:
        """Something only a repair fixes: index, catalog or store damage, drifted anchors."""
        return bool(self.groups[DAMAGE].items or self.groups[ANCHORS].items)

    @property
    def healthy(self) -> bool:
        """Nothing to do at all: no damage, nothing missing, nothing waiting to be read."""
        return not self.problems

    @property
    def repaired(self) -> bool:
        return bool(self.fixed) and not self.unfixed

    @property
    def failing(self) -> bool:
        """What `check` exits 1 for: damage, drifted anchors or a missing folder (after a
        repair: what it did not fix). Files not indexed yet only need a Re-index."""
        if self.fixed or self.unfixed:
            return bool(self.unfixed)
        return any(group.items for group in self.groups.values() if group.failing)

    def state(self) -> str:
        if self.fixed or self.unfixed:
            return "repaired" if self.repaired else "NOT fully repaired"
        if self.damaged:
            return "damaged (run `archive-app check --repair`)"
        if self.groups[MISSING].items:
            return "corpus folders missing"
        if self.groups[NOT_INDEXED].items:
            return "no damage; files not indexed yet (run `archive-app index`)"
        return "healthy"

    def headline(self) -> str:
        """One sentence for the window."""
        if self.healthy and not (self.fixed or self.unfixed):
            return f"The archive is healthy: {self.documents:,} documents in the index."
        count = {name: group.count for name, group in self.groups.items()}
        parts = []
        if count[DAMAGE] or count[ANCHORS]:
            parts.append(f"{count[DAMAGE] + count[ANCHORS]:,} problems need a repair")
        if count[MISSING]:
            parts.append(f"{count[MISSING]:,} folders not found")
        if count[NOT_INDEXED]:
            parts.append(f"{count[NOT_INDEXED]:,} files not indexed yet (run Re-index)")
        return "; ".join(parts) + f" — {self.documents:,} documents in the index."

    def describe(self, shown: Callable[[object], str] = str) -> str:
        """The whole report for a person, group by group; `shown` renders each field
        that comes from a file: as it is by default, or escaped by the CLI's
        `commands.printing.show` (`check`), so a file name cannot drive the terminal."""
        lines = [f"archive: {self.state()}; {self.documents} documents in the index"]
        for group in self.groups.values():
            if not group.items:
                continue
            lines.append(f"{group.title} ({group.count}): {group.advice}")
            listed = group.items if group.name in (LIMITS, SKIPPED) else \
                group.items[:MAX_LISTED]
            lines += [f"  {shown(item.path)}: {shown(item.code)}: {shown(item.problem)}"
                      if item.code else f"  {shown(item.problem)}" for item in listed]
            if len(listed) < group.count:
                lines.append(f"  … and {group.count - len(listed)} more")
        lines += [f"  fixed: {shown(item)}" for item in self.fixed]
        lines += [f"  NOT fixed: {shown(item)}" for item in self.unfixed]
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        """What `check --json` prints: the groups with counts and items."""
        return {"state": self.state(), "healthy": self.healthy, "damaged": self.damaged,
                "failing": self.failing, "documents": self.documents,
                "groups": [group.to_json() for group in self.groups.values()],
                "fixed": self.fixed, "unfixed": self.unfixed}


def _integrity(path) -> str:
    """SQLite's own verdict on a database file ('ok' when whole)."""
    if not path.exists():
        return "ok"
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            connection.execute("PRAGMA schema_version")
        except sqlite3.OperationalError:  # read-only media: no lock files can be made
            connection.close()
            connection = open_read_only(path)
        try:
            return connection.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        return str(error)


def _check_databases(paths: AppPaths, report: HealthReport) -> None:
    """SQLite's verdict on the annotation database and the index catalog, by their files."""
    verdict = _integrity(paths.annotations_db)
    if verdict != "ok":
        report.store_damaged = True
        report.add(DAMAGE, str(paths.annotations_db),
                   f"the annotation database fails its integrity check: {verdict}")
    catalog_verdict = _integrity(paths.catalog_db)
    if catalog_verdict != "ok":
        report.index_damaged = True
        report.add(DAMAGE, str(paths.catalog_db),
                   f"the index catalog fails its integrity check: {catalog_verdict}")


def inspect_open(paths: AppPaths, index: ArchiveIndex, library: Library | None) -> HealthReport:
    """Everything `check` verifies, without changing anything, in an archive that is open:
    `index` and `library` as `Library.check` hands them (`library` None: the annotation
    store could not be opened, and only the index is checked).

    Callable from any thread: the catalog is read through the thread's own connection."""
    report = HealthReport()
    _check_databases(paths, report)
    _check_index(paths, index, report)
    if library is not None and not report.store_damaged and not report.index_damaged:
        _check_anchors(library, report)
    return report


def inspect(paths: AppPaths) -> HealthReport:
    """Everything `check` verifies in a home that no Library has open (the CLI's `check`;
    in the window, `Library.check`), without changing anything; the archive is opened
    once."""
    library = _open(paths)
    if library is None:
        return _inspect_unopened(paths)
    try:
        return library.check()
    finally:
        library.close()


def _open(paths: AppPaths) -> Library | None:
    """The home's Library, or None when it cannot be used: a damaged annotation database
    is never opened (an open store migrates and backs itself up), nor an index that
    cannot be opened."""
    from archive_app.core.library import Library

    if _integrity(paths.annotations_db) != "ok":
        return None
    try:
        return Library(paths)
    except IndexProblem:
        return None


def _inspect_unopened(paths: AppPaths) -> HealthReport:
    """The report on a home `_open` refused: the files' integrity and, if the index opens
    on its own, the index; never the anchors."""
    report = HealthReport()
    _check_databases(paths, report)
    try:
        index = ArchiveIndex(paths)
    except IndexProblem as problem:
        report.index_damaged = True
        report.add(DAMAGE, str(paths.index_dir), str(problem))
        return report
    try:
        _check_index(paths, index, report)
    finally:
        index.close()
    return report


def _check_index(paths: AppPaths, index: ArchiveIndex, report: HealthReport) -> None:
    catalog = index.reader_catalog()
    try:
        _compare_index_and_catalog(index, catalog, report)
        _compare_catalog_and_corpus(catalog, report)
        _list_skipped(catalog, report)
    except Exception as error:  # a damaged segment can surface only while reading
        report.index_damaged = True
        report.add(DAMAGE, str(paths.index_dir), f"the index cannot be read: {error}")


def _compare_index_and_catalog(index: ArchiveIndex, catalog: Catalog,
                               report: HealthReport) -> None:
    indexed = set(iter_keys(index))
    expected = {key for root in catalog.roots()
                for key, record in catalog.files_of_root(root.name).items()
                if record.skip_code is None}
    for root in catalog.roots():
        expected |= catalog.member_keys(root.name)
    report.documents = len(indexed)
    for key in sorted(expected - indexed):
        report.add(DAMAGE, key, f"{key} is recorded as indexed but missing from the index")
    for key in sorted(indexed - expected):
        report.add(DAMAGE, key, f"{key} is in the index but not in the catalog")
    for key in sorted(indexed):
        if catalog.text(key) is None:
            report.add(DAMAGE, key, f"{key} has no stored text")
    report.index_damaged |= bool(report.groups[DAMAGE].items)


def _compare_catalog_and_corpus(catalog: Catalog, report: HealthReport) -> None:
    """Stat-only comparison with the disk: what an `index` run would change."""
    for root in catalog.roots():
        if not root.path.is_dir():
            report.add(MISSING, str(root.path),
                       f"corpus folder {root.path} is missing (unplugged drive?)")
            report.out_of_date = True
            continue
        scan = scan_root(root)
        known = catalog.files_of_root(root.name)
        changed = sorted(k for k, (_, sig) in scan.found.items()
                         if k in known and known[k].signature != sig)
        new = sorted(k for k in scan.found if k not in known)
        gone = sorted(k for k in known if k not in scan.found and k not in scan.unreadable)
        for label, keys in (("changed since indexing", changed), ("not indexed yet", new),
                            ("deleted from disk", gone)):
            for key in keys:
                report.add(NOT_INDEXED, key, f"{key} is {label}")
        report.out_of_date |= bool(changed or new or gone)


def _list_skipped(catalog: Catalog, report: HealthReport) -> None:
    """Skipped files with their reasons; those that hit a limit form their own group."""
    report.skipped = [SkippedFile(r.path, r.skip_code or "", r.skip_reason or "")
                      for r in catalog.skipped()]
    for skipped in report.skipped:
        group = LIMITS if skipped.code in LIMIT_CODES else SKIPPED
        report.add(group, skipped.path, skipped.reason, skipped.code)


def _check_anchors(library: Library, report: HealthReport) -> None:
    for annotation, view in library.drifted_annotations():
        what = "its document is gone" if view is None else "its anchor no longer matches"
        report.add(ANCHORS, annotation.doc,
                   f"annotation {annotation.id} on {annotation.doc}: {what}")
        report.anchors_to_fix += 1


def check_index(paths: AppPaths, repair: bool = False,
                control: JobControl | None = None) -> HealthReport:
    """Verify; with `repair`, fix what can be fixed and verify again.

    The report after a repair keeps the groups found before it (what was wrong), with
    `fixed` and `unfixed` saying what the repair did. One Library checks, re-syncs,
    re-anchors and checks again; only a rebuild (beside the old index, then swapped in:
    `rebuild_index`) closes it, and a new one is opened on the rebuilt index."""
    library = _open(paths)
    try:
        report = library.check() if library is not None else _inspect_unopened(paths)
        if report.healthy or not repair:
            return report
        fixed, unfixed = [], []
        if report.store_damaged:
            unfixed.append("the annotation database is damaged; it is left untouched — "
                           f"restore a copy from {paths.backups_dir}")
        rebuilt = False
        if report.index_damaged:
            if library is not None:
                library.close()  # the rebuilt index takes the place of the one it has open
                library = None
            try:
                rebuild_index(paths, control)
                fixed.append("the index was rebuilt from the corpus")
                rebuilt = True
            except (ArchiveError, OSError, sqlite3.Error) as error:
                unfixed.append(_not_rebuilt(error))
            if rebuilt:
                library = _open(paths)
        if library is None:
            after = _inspect_unopened(paths)
        else:
            if report.out_of_date and not report.index_damaged:
                try:
                    _resync(library, control)
                    fixed.append("the index was brought up to date with the corpus")
                except (ArchiveError, OSError, sqlite3.Error) as error:
                    unfixed.append(_not_rebuilt(error))
            if report.anchors_to_fix or rebuilt:
                moved = library.reanchor_drifted()
                if moved:
                    fixed.append(f"{moved} annotations were re-anchored or marked orphaned")
            after = library.check()
    finally:
        if library is not None:
            library.close()
    unfixed += [problem for problem in after.problems if problem not in unfixed]
    after.groups = report.groups
    after.fixed, after.unfixed = fixed, unfixed
    return after


def _not_rebuilt(error: Exception) -> str:
    return f"the index could not be rebuilt ({error}); the previous index was left as it was"


def _resync(library: Library, control: JobControl | None) -> None:
    """Bring the index up to date with every corpus folder that is there."""
    library.sync([root.path for root in library.roots() if root.path.is_dir()],
                 control=control)


@dataclass(frozen=True)
class _BesidePaths(AppPaths):
    """The home as seen by a rebuild: the same store and folders, the index in index.new."""

    @property
    def index_dir(self):
        return self.home / "index.new"


def rebuild_index(paths: AppPaths, control: JobControl | None = None) -> None:
    """Index every known corpus folder again into HOME/index.new, then swap it in.

    The old index stays where it is, searchable, until the new one is complete: a rebuild
    that fails, is cancelled or killed leaves it as it was (and index.new is started
    over next time). Goes through a Library on the new index so the user's edits, tags
    and notes reach it. Files that hit a limit (a hang, a kill while reading)
    keep that record, so the rebuild does not hang on them again.
    """
    from archive_app.core.library import Library

    beside = _BesidePaths(paths.home)
    finish_swap(paths)
    died_on = left_behind(paths.index_dir) if paths.index_dir.is_dir() else []
    if beside.index_dir.exists():  # an earlier rebuild that did not finish
        died_on += left_behind(beside.index_dir)
        shutil.rmtree(beside.index_dir)
    stopped = to_blame(paths.index_dir, died_on) if paths.index_dir.is_dir() else []
    beside.ensure()
    try:
        _carry_limits(paths, beside, stopped)
        library = Library(beside)
        try:
            _resync(library, control)
        finally:
            library.close()
        _prune_reading_times(beside)
    except BaseException:
        shutil.rmtree(beside.index_dir, ignore_errors=True)
        raise
    _swap(paths, beside)


def _carry_limits(paths: AppPaths, beside: AppPaths, stopped: list[dict[str, str]]) -> None:
    """Give the new catalog the records of files that hit a limit (from the old one, if
    it can still be read) and of the files in hand when an indexing process or an
    earlier rebuild died on them: unchanged, they are not read again."""
    rows, times = [], []
    try:
        if paths.catalog_db.exists():
            old = sqlite3.connect(f"file:{paths.catalog_db}?mode=ro", uri=True, timeout=10)
            try:
                rows = old.execute(  # copied as stored (a non-UTF-8 name is a BLOB)
                    "SELECT key, root, path, signature, sha256, skip_code, skip_reason FROM "
                    f"files WHERE skip_code IN ({','.join('?' * len(LIMIT_CODES))})",
                    sorted(LIMIT_CODES)).fetchall()
                times = _reading_times(old)
            finally:
                old.close()
    except sqlite3.DatabaseError:
        rows = []  # a damaged catalog: the rebuild reads everything else again
    if not rows and not stopped and not times:
        return
    index = ArchiveIndex(beside)  # first: a new index starts with an empty catalog
    try:
        index.catalog.put_indexed_rows(times)
        with index.catalog.connection as connection:
            connection.executemany(
                "INSERT OR REPLACE INTO files(key, root, path, signature, sha256, skip_code, "
                "skip_reason) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        index.catalog.store_files(
            FileRecord(item["key"], item["root"], item["path"], item["signature"], None,
                       STOPPED_CODE, STOPPED_REASON) for item in stopped)
    finally:
        index.close()


def _reading_times(old: sqlite3.Connection) -> list[tuple]:
    """When each document of the old catalog last changed (catalog.py's `indexed`): a
    document the rebuild reads again unchanged keeps its time, so a repair makes nothing
    new to the saved searches. [] for a catalog made before the times were kept."""
    try:
        return old.execute("SELECT key, fingerprint, at FROM indexed").fetchall()
    except sqlite3.DatabaseError:
        return []


def _prune_reading_times(beside: AppPaths) -> None:
    """The times carried over for documents the rebuild did not find again are dropped."""
    catalog = Catalog(beside.catalog_db, beside.roots_file)
    try:
        catalog.prune_indexed()
    finally:
        catalog.close()


def _swap(paths: AppPaths, beside: AppPaths) -> None:
    """index -> index.old, index.new -> index, then delete index.old. A kill between
    the two renames is finished by `finish_swap` when the index is next opened."""
    old = paths.home / "index.old"
    if old.exists():
        shutil.rmtree(old)
    if paths.index_dir.exists():
        os.rename(paths.index_dir, old)
    os.rename(beside.index_dir, paths.index_dir)
    with contextlib.suppress(OSError):
        shutil.rmtree(old)
