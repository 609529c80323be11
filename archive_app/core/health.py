"""`archive-app check`: index ↔ corpus ↔ annotation store, verified and repaired.

What is checked: the annotation database's SQLite integrity (precious: reported, never
"repaired" by us — backups are in HOME/backups), the index opens and agrees with its
catalog, the catalog agrees with the corpus on disk (missing, changed, unindexed files),
and every live annotation's anchor still matches its document's text.
Repair fixes what can be fixed without losing anything: a damaged index is deleted and
rebuilt from the corpus folders in HOME/roots.json, an out-of-date one is re-synced, and
annotations are re-anchored (or marked orphaned) — never deleted.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from archive_app.core.anchoring import ORPHANED, reanchor
from archive_app.core.catalog import open_read_only
from archive_app.core.errors import IndexProblem
from archive_app.core.index import ArchiveIndex, SkippedFile, iter_keys, remove_index
from archive_app.core.jobs import JobControl
from archive_app.core.paths import AppPaths
from archive_app.core.scanning import scan_root

MAX_LISTED = 20


@dataclass
class HealthReport:
    documents: int = 0
    problems: list[str] = field(default_factory=list)
    index_damaged: bool = False
    out_of_date: bool = False
    store_damaged: bool = False
    anchors_to_fix: int = 0
    fixed: list[str] = field(default_factory=list)
    unfixed: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems

    @property
    def repaired(self) -> bool:
        return bool(self.fixed) and not self.unfixed

    def describe(self) -> str:
        if self.healthy:
            state = "healthy"
        elif self.repaired:
            state = "repaired"
        else:
            state = "problems found" + ("" if self.unfixed or self.fixed else
                                        " (run `archive-app check --repair`)")
        lines = [f"archive: {state}; {self.documents} documents in the index"]
        lines += [f"  problem: {problem}" for problem in self.problems[:MAX_LISTED]]
        if len(self.problems) > MAX_LISTED:
            lines.append(f"  … and {len(self.problems) - MAX_LISTED} more")
        lines += [f"  fixed: {item}" for item in self.fixed]
        lines += [f"  NOT fixed: {item}" for item in self.unfixed]
        if self.skipped:
            lines.append(f"{len(self.skipped)} files skipped:")
            lines += [f"  {s.path}: {s.code}: {s.reason}" for s in self.skipped]
        return "\n".join(lines)


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


def inspect(paths: AppPaths) -> HealthReport:
    """Everything `check` verifies, without changing anything."""
    report = HealthReport()
    verdict = _integrity(paths.annotations_db)
    if verdict != "ok":
        report.store_damaged = True
        report.problems.append(f"the annotation database fails its integrity check: {verdict}")
    catalog_verdict = _integrity(paths.catalog_db)
    if catalog_verdict != "ok":
        report.index_damaged = True
        report.problems.append(f"the index catalog fails its integrity check: {catalog_verdict}")
    try:
        index = ArchiveIndex(paths)
    except IndexProblem as problem:
        report.index_damaged = True
        report.problems.append(str(problem))
        return report
    try:
        _compare_index_and_catalog(index, report)
        _compare_catalog_and_corpus(index, report)
        report.skipped = index.skipped_files()
    except Exception as error:  # a damaged segment can surface only while reading
        report.index_damaged = True
        report.problems.append(f"the index cannot be read: {error}")
    finally:
        index.close()
    if not report.store_damaged and not report.index_damaged:
        _check_anchors(paths, report)
    return report


def _compare_index_and_catalog(index: ArchiveIndex, report: HealthReport) -> None:
    indexed = set(iter_keys(index))
    catalog = index.catalog
    expected = {key for root in catalog.roots()
                for key, record in catalog.files_of_root(root.name).items()
                if record.skip_code is None}
    report.documents = len(indexed)
    problems = [f"{key} is recorded as indexed but missing from the index"
                for key in sorted(expected - indexed)]
    problems += [f"{key} is in the index but not in the catalog"
                 for key in sorted(indexed - expected)]
    problems += [f"{key} has no stored text" for key in sorted(indexed)
                 if catalog.text(key) is None]
    if problems:
        report.index_damaged = True
        report.problems += problems


def _compare_catalog_and_corpus(index: ArchiveIndex, report: HealthReport) -> None:
    """Stat-only comparison with the disk: what an `index` run would change."""
    for root in index.catalog.roots():
        if not root.path.is_dir():
            report.problems.append(f"corpus folder {root.path} is missing (unplugged drive?)")
            report.out_of_date = True
            continue
        scan = scan_root(root)
        known = index.catalog.files_of_root(root.name)
        changed = sorted(k for k, (_, sig) in scan.found.items()
                         if k in known and known[k].signature != sig)
        new = sorted(k for k in scan.found if k not in known)
        gone = sorted(k for k in known if k not in scan.found and k not in scan.unreadable)
        for label, keys in (("changed since indexing", changed), ("not indexed yet", new),
                            ("deleted from disk", gone)):
            report.problems += [f"{key} is {label}" for key in keys]
        report.out_of_date |= bool(changed or new or gone)


def _drifted_annotations(library):
    """Live annotations whose document is gone or whose anchor no longer matches its text."""
    for annotation in library.all_annotations():
        if annotation.state == ORPHANED:
            continue
        view = library.index.document(annotation.doc)
        if view is None or view.text[annotation.start:annotation.end] != annotation.exact:
            yield annotation, view


def _check_anchors(paths: AppPaths, report: HealthReport) -> None:
    from archive_app.core.library import Library

    library = Library(paths)
    try:
        for annotation, view in _drifted_annotations(library):
            what = "its document is gone" if view is None else "its anchor no longer matches"
            report.problems.append(f"annotation {annotation.id} on {annotation.doc}: {what}")
            report.anchors_to_fix += 1
    finally:
        library.close()


def check_index(paths: AppPaths, repair: bool = False,
                control: JobControl | None = None) -> HealthReport:
    """Verify; with `repair`, fix what can be fixed and verify again."""
    report = inspect(paths)
    if report.healthy or not repair:
        return report
    fixed, unfixed = [], []
    if report.store_damaged:
        unfixed.append("the annotation database is damaged; it is left untouched — restore "
                       f"a copy from {paths.backups_dir}")
    if report.index_damaged:
        rebuild_index(paths, control)
        fixed.append("the index was rebuilt from the corpus")
    elif report.out_of_date:
        _resync(paths, control)
        fixed.append("the index was brought up to date with the corpus")
    if not report.store_damaged and (report.anchors_to_fix or report.index_damaged):
        moved = reanchor_all(paths)
        if moved:
            fixed.append(f"{moved} annotations were re-anchored or marked orphaned")
    after = inspect(paths)
    remaining = [p for p in after.problems if "corpus folder" not in p]
    unfixed += remaining
    unfixed += [p for p in after.problems if "corpus folder" in p]
    after.problems = report.problems
    after.fixed, after.unfixed = fixed, unfixed
    return after


def _resync(paths: AppPaths, control: JobControl | None) -> None:
    from archive_app.core.library import Library

    library = Library(paths)
    try:
        library.sync([root.path for root in library.roots() if root.path.is_dir()],
                     control=control)
    finally:
        library.close()


def reanchor_all(paths: AppPaths) -> int:
    """Re-anchor every live annotation whose anchor no longer matches; return how many."""
    from archive_app.core.library import Library

    library = Library(paths)
    changed = 0
    try:
        for annotation, view in list(_drifted_annotations(library)):
            if view is None:
                library.annotations.mark_orphaned(annotation.doc)
            else:
                record = library.index.catalog.record(annotation.doc)
                library.annotations.place(annotation.id, reanchor(annotation.anchor, view.text),
                                          view.text, record.sha256 if record else "")
            changed += 1
    finally:
        library.close()
    return changed


def rebuild_index(paths: AppPaths, control: JobControl | None = None) -> None:
    """Delete the derived index and index every known corpus folder again.

    Goes through Library (in `_resync`) so the user's edits, tags and notes reach it.
    """
    remove_index(paths)
    _resync(paths, control)
