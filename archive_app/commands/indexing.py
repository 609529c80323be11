"""`index` and `check`: bring the archive up to date, verify and repair the index."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive_app.commands import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from archive_app.core.index_model import IndexSummary
from archive_app.core.library import Library
from archive_app.core.paths import resolve_home


def cmd_index(args: argparse.Namespace) -> int:
    folders = [Path(p) for p in args.paths]
    for folder in folders:
        if not folder.is_dir():
            print(f"archive-app: {folder} is not a folder", file=sys.stderr)
            return EXIT_FAILURE
    library = Library(resolve_home(args.home))
    try:
        if not folders and not library.roots():
            print("archive-app: no corpus folder yet: run `archive-app index FOLDER`",
                  file=sys.stderr)
            return EXIT_USAGE
        summary = library.sync(folders, rebuild=args.rebuild)
        print(format_summary(summary, library.doc_count()))
        attention = len(library.needs_attention())
        if attention:
            print(f"  {attention} annotations need attention (orphaned or re-anchored): "
                  "`archive-app annotations --state orphaned`")
    finally:
        library.close()
    return EXIT_OK


def format_summary(summary: IndexSummary, total: int) -> str:
    lines = [f"{summary.added} added, {summary.updated} updated, {summary.removed} removed, "
             f"{summary.unchanged} unchanged, {len(summary.skipped)} skipped "
             f"in {summary.seconds:.2f} s; {total} documents in the index"]
    for folder in summary.missing_roots:
        lines.append(f"  corpus folder {folder} is missing or empty (unplugged drive?): its "
                     "documents stay in the index, marked missing; `index --rebuild` drops them")
    if summary.still_skipped:
        lines.append(f"  {summary.still_skipped} unchanged files were skipped before; "
                     "`archive-app check` lists why")
    for old, new in summary.moved:
        lines.append(f"  moved: {old} -> {new}")
    for skipped in summary.skipped:
        lines.append(f"  skipped {skipped.path}: {skipped.code}: {skipped.reason}")
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    from archive_app.core.health import check_index

    report = check_index(resolve_home(args.home), repair=args.repair)
    print(report.describe())
    return EXIT_OK if report.healthy or report.repaired else EXIT_FAILURE


