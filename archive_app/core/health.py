"""`archive-app check`: is the derived index whole and in step with its catalog? Repair it.

Repair never touches the user's annotations: it deletes the derived index folder and
rebuilds it from the corpus folders listed in HOME/roots.json.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archive_app.core.errors import IndexProblem
from archive_app.core.index import ArchiveIndex, SkippedFile, iter_keys, remove_index
from archive_app.core.jobs import JobControl
from archive_app.core.paths import AppPaths


@dataclass
class HealthReport:
    healthy: bool = True
    repaired: bool = False
    documents: int = 0
    problems: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)

    def describe(self) -> str:
        if self.repaired:
            state = "repaired: the index was rebuilt from the corpus"
        else:
            state = "healthy" if self.healthy else "damaged (run `archive-app check --repair`)"
        lines = [f"index: {state}; {self.documents} documents"]
        lines += [f"  problem: {problem}" for problem in self.problems]
        if self.skipped:
            lines.append(f"{len(self.skipped)} files skipped:")
            lines += [f"  {s.path}: {s.code}: {s.reason}" for s in self.skipped]
        return "\n".join(lines)


def inspect(paths: AppPaths) -> HealthReport:
    """Open the index and compare it with the catalog, reporting what does not agree."""
    report = HealthReport()
    try:
        index = ArchiveIndex(paths)
    except IndexProblem as problem:
        report.healthy = False
        report.problems.append(str(problem))
        return report
    try:
        indexed = set(iter_keys(index))
        catalog = index.catalog
        expected = {key for root in catalog.roots()
                    for key, record in catalog.files_of_root(root.name).items()
                    if record.skip_code is None}
        report.documents = len(indexed)
        for key in sorted(expected - indexed)[:20]:
            report.problems.append(f"{key} is recorded as indexed but missing from the index")
        for key in sorted(indexed - expected)[:20]:
            report.problems.append(f"{key} is in the index but not in the catalog")
        for key in sorted(indexed)[:]:
            if catalog.text(key) is None:
                report.problems.append(f"{key} has no stored text")
                break
        report.healthy = not report.problems
        report.skipped = index.skipped_files()
    except Exception as error:  # a damaged segment surfaces while reading
        report.healthy = False
        report.problems.append(f"the index cannot be read: {error}")
    finally:
        index.close()
    return report


def check_index(paths: AppPaths, repair: bool = False,
                control: JobControl | None = None) -> HealthReport:
    report = inspect(paths)
    if report.healthy or not repair:
        return report
    rebuild_index(paths, control)
    after = inspect(paths)
    after.repaired = after.healthy
    after.problems = report.problems + after.problems
    after.healthy = after.healthy
    return after


def rebuild_index(paths: AppPaths, control: JobControl | None = None) -> None:
    """Delete the derived index and index every known corpus folder again.

    Goes through Library so that the user's metadata edits are applied to the new index.
    """
    from archive_app.core.library import Library

    remove_index(paths)
    library = Library(paths)
    try:
        folders = [root.path for root in library.roots() if root.path.is_dir()]
        library.sync(folders, control=control)
    finally:
        library.close()
