"""`timeline QUERY`: a search's matches by year, month or day; as JSON, SVG or PNG."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from archive_app.commands import EXIT_OK
from archive_app.commands.printing import show
from archive_app.core.export import check_target
from archive_app.core.export.timeline_chart import write_timeline_chart
from archive_app.core.library import Library
from archive_app.core.paths import resolve_home
from archive_app.core.search.timeline import Timeline

BAR_WIDTH = 40
"""Characters of the longest bar in the text chart."""


def add_timeline_parser(verbs: argparse._SubParsersAction) -> None:
    timeline = verbs.add_parser(
        "timeline", help="a search's matches counted by year, month or day (as the range "
                         "of their dates asks), the undated apart; as text, JSON, SVG, PNG")
    timeline.add_argument("query", metavar="QUERY", help="the query (see README: Search "
                                                         "syntax)")
    timeline.add_argument("--filter", action="append", default=[], metavar="CLAUSE",
                          help="AND a facet filter, as the window's chips do: date:2013, "
                               "format:pdf, source:\"UN News\" (repeat for several)")
    timeline.add_argument("--json", action="store_true", help="machine-readable output")
    timeline.add_argument("--svg", metavar="FILE", help="also write the chart as SVG")
    timeline.add_argument("--png", metavar="FILE", help="also write the chart as PNG")
    timeline.add_argument("--force", action="store_true", help="overwrite existing FILEs")


def cmd_timeline(args: argparse.Namespace) -> int:
    charts = [(kind, Path(path)) for kind, path in (("svg", args.svg), ("png", args.png))
              if path]
    for _kind, path in charts:  # refused before the archive is opened
        check_target(path, args.force)
    library = Library(resolve_home(args.home))
    if library.needs_sync:
        print("archive-app: the index was reset (new format or deleted): run `archive-app "
              "index` to fill it again", file=sys.stderr)
    try:
        timeline = library.timeline(args.query, args.filter)
    finally:
        library.close()
    if args.json:
        print(json.dumps(timeline_json(args.query, args.filter, timeline), ensure_ascii=False))
    else:
        print("\n".join(describe(args.query, args.filter, timeline)))
    title = " ".join([args.query, *args.filter])
    for kind, path in charts:
        written = write_timeline_chart(timeline, path, kind, title=title, overwrite=args.force)
        print(f"wrote the timeline to {show(written)}",
              file=sys.stderr if args.json else sys.stdout)
    return EXIT_OK


def timeline_json(query: str, filters: list[str], timeline: Timeline) -> dict:
    """`timeline --json`: DESIGN.md's shape; every bar from the first dated match to the
    last, empty ones included."""
    return {"query": query, "filters": list(filters), **timeline.as_dict()}


def describe(query: str, filters: list[str], timeline: Timeline) -> list[str]:
    """The human lines: what was counted, then a bar of █ per bucket with its count
    (a run of empty buckets on one line), then what the bars leave out."""
    asked = show(repr(" ".join([query, *filters])))
    noun = "document" if timeline.total == 1 else "documents"
    head = f"{timeline.total:,} {noun} for {asked}"
    if timeline.span_label():
        head += f": {timeline.span_label()}"
    lines = [head]
    width = max((len(bucket.label) for bucket in timeline.buckets), default=0)
    peak = timeline.peak
    empty: list[str] = []

    def flush() -> None:
        if empty:
            span = empty[0] if len(empty) == 1 else f"{empty[0]} – {empty[-1]}"
            lines.append(f"  {span}: none")
            empty.clear()

    for bucket in timeline.buckets:
        if not bucket.count:
            empty.append(bucket.label)
            continue
        flush()
        bar = "█" * max(1, round(BAR_WIDTH * bucket.count / peak))
        lines.append(f"  {bucket.label:<{width}}  {bar} {bucket.count:,}")
    flush()
    if timeline.apart_label():
        lines.append(f"Not on the bars: {timeline.apart_label()}")
    return lines
