"""`index` and `check`: bring the archive up to date, verify and repair the index."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from archive_app.commands import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from archive_app.commands.printing import show
from archive_app.core.indexing.model import IndexSummary
from archive_app.core.library import Library
from archive_app.core.paths import resolve_home


def cmd_index(args: argparse.Namespace) -> int:
    folders = [Path(p) for p in args.paths]
    for folder in folders:
        if not folder.is_dir():
            print(f"archive-app: {show(folder)} is not a folder", file=sys.stderr)
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
        lines.append(f"  corpus folder {show(folder)} is missing or empty (unplugged drive?): its "
                     "documents stay in the index, marked missing; `index --rebuild` drops them")
    if summary.still_skipped:
        lines.append(f"  {summary.still_skipped} unchanged files were skipped before; "
                     "`archive-app check` lists why")
    for old, new in summary.moved:
        lines.append(f"  moved: {show(old)} -> {show(new)}")
    for skipped in summary.skipped:
        lines.append(f"  skipped {show(skipped.path)}: {show(skipped.code)}: "
                     f"{show(skipped.reason)}")
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    """Exit 1 only for damage, drifted anchors or a missing folder (what a user must act
    on); files not indexed yet, limits and skipped files are listed with exit 0."""
    from archive_app.core.indexing.health import check_index

    report = check_index(resolve_home(args.home), repair=args.repair)
    if getattr(args, "json", False):
        text = json.dumps(report.to_json(), ensure_ascii=False, indent=2)
        # a non-UTF-8 file name's lone surrogates, as the JSON escapes they are
        print(text.encode("utf-8", "backslashreplace").decode("utf-8"))
    else:
        print(format_check(report))
    return EXIT_FAILURE if report.failing else EXIT_OK


def format_check(report) -> str:
    """The report group by group, each field from a file escaped (`show`)."""
    return report.describe(show)
