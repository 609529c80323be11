"""Timeline figures: what counting a search's matches by date costs, beside the search.

    .venv/bin/python -m bench.timeline_latency [--docs 100000] [--out /tmp/timeline-bench]

Builds (or reuses) the Browse bench's home (bench/browse_latency.py: the benchmark
corpus of real text with dates 2000-2024 to the day, indexed with this checkout's
engine into OUT/home-N), then, for the queries in QUERIES (a rare word to nearly every
document, and two that narrow the dates), times ROUNDS times each in this process:

- search, no timeline: `Searcher.search(q, dates=False)`, the window's search before
  the timeline (top 50 with snippets, facets);
- search with its timeline: `Library.search(q)`, what the window runs now: the same
  plus the date counts (one bincount per segment over the date column) and the bars;
- timeline alone: `Library.timeline(q)`, what `archive-app timeline` runs: every match
  evaluated and counted by date, no top, snippets or facets;
- the counting itself: the engine's date counts over the query's matched set (already
  evaluated) and the bars made of them, which is all a search adds for its timeline.

Before those, once: the first timeline after the archive is opened and searched (no
timeline yet), which reads the index's distinct dates and ranks them (once per commit;
the date sorts share the ranks). Prints median and p95 in ms and the matches and bars
of each query, and writes OUT/timeline-N.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bench.browse_latency import prepare, timed

ROUNDS = 21
LIMIT = 50
"""Hits a window search asks for (gui/session.RESULT_LIMIT)."""
QUERIES = (
    ("rare word", "jchuff"),
    ("two-word AND", "setup front"),
    ("phrase", '"libs graph example"'),
    ("field filter", "title:license"),
    ("field filter and word", "source:copyright license"),
    ("common word", "read"),
    ("nearly everything", "the"),
    ("a year (bars of months)", "read date:2013"),
    ("a month (bars of days)", "read date:2013-06"),
)
"""Fixed queries over the bench corpus's text (bench/queries.py's mix changes with the
hash seed: its ties are broken by set order), from 70 matches to 88,000."""


def say(line: str) -> None:
    print(f"[timeline-bench] {line}", file=sys.stderr, flush=True)


def measure(home: Path, queries: list[tuple[str, str]], rounds: int) -> dict:
    from archive_app.core.library import Library
    from archive_app.core.paths import AppPaths

    library = Library(AppPaths(home))
    figures = []
    try:
        searcher = library.searcher()
        searcher.search(queries[0][1], limit=LIMIT, dates=False)  # norms, facets: warm
        started = time.perf_counter()
        library.timeline(queries[0][1])
        first = round((time.perf_counter() - started) * 1000, 1)
        say(f"the first timeline after opening: {first} ms")
        for name, query in queries:
            timeline = library.timeline(query)
            say(f"{name}: {query!r}: {timeline.total:,} matches, {len(timeline.buckets)} "
                f"bars of {timeline.granularity or '-'}")
            figures.append({
                "class": name, "query": query, "matches": timeline.total,
                "granularity": timeline.granularity, "bars": len(timeline.buckets),
                "search": timed(lambda q=query: searcher.search(q, limit=LIMIT, dates=False),
                                rounds),
                "search_with_timeline": timed(lambda q=query: library.search(q, limit=LIMIT),
                                              rounds),
                "timeline_alone": timed(lambda q=query: library.timeline(q), rounds),
                "counting": timed(_counting(searcher, query), rounds)})
    finally:
        library.close()
    return {"documents": library_count(home), "rounds": rounds,
            "first_timeline_ms": first, "queries": figures}


def _counting(searcher, query: str):
    """The date counts and bars of a matched set already evaluated (what `search` adds)."""
    from archive_app.core.search.query import parse_query
    from archive_app.core.search.timeline import timeline_of

    runner = searcher.index.engine.runner()
    matched = runner.rank(runner.compile(parse_query(query))[0], "relevance", 1)[2]
    return lambda: timeline_of(*runner.date_counts(matched))


def library_count(home: Path) -> int:
    from archive_app.core.library import Library
    from archive_app.core.paths import AppPaths

    library = Library(AppPaths(home))
    try:
        return library.doc_count()
    finally:
        library.close()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.timeline_latency",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/timeline-bench"))
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args(argv)
    out = args.out.resolve()
    _flat, home = prepare(out, args.docs)
    report = measure(home, list(QUERIES), args.rounds)
    report.update(command="python -m bench.timeline_latency " + " ".join(
        sys.argv[1:] if argv is None else argv))
    (out / f"timeline-{args.docs}.json").write_text(json.dumps(report, indent=1))
    print(f"{report['documents']:,} documents, {args.rounds} rounds; median / p95 ms; "
          f"the first timeline after opening {report['first_timeline_ms']} ms")
    print(f"{'query':44} {'matches':>8} {'bars':>9}  {'search':>15}  {'+ timeline':>15}  "
          f"{'timeline alone':>15}  {'counting':>15}")
    for item in report["queries"]:
        cells = [f"{item[key]['median_ms']:6.1f} / {item[key]['p95_ms']:6.1f}"
                 for key in ("search", "search_with_timeline", "timeline_alone", "counting")]
        bars = f"{item['bars']} {item['granularity'] or '-'}"
        print(f"{item['class'] + ': ' + item['query']:44.44} {item['matches']:>8,} {bars:>9}  "
              + "  ".join(cells))
    return report


if __name__ == "__main__":
    main()
