"""The command-line face of the core: index, search, check (see the contract in DESIGN.md).

Exit codes: 0 success, 1 failure (missing folder, damaged index), 2 bad usage or a query
that cannot be parsed. The GUI is imported only inside the `gui` verb.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from archive_app.core.errors import ArchiveError, QueryError
from archive_app.core.index import ArchiveIndex, IndexSummary
from archive_app.core.paths import resolve_home
from archive_app.core.search import SORTS, Searcher, SearchResults

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="archive-app",
        description="Offline archive browser: index folders of documents, search, tag, quote.")
    parser.add_argument("--home", help="data folder (default: $ARCHIVE_APP_HOME or the "
                                       "platform's user data folder)")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")

    index = verbs.add_parser("index", help="add folders to the archive and bring it up to date")
    index.add_argument("paths", nargs="*", metavar="PATH",
                       help="corpus folders (default: every folder indexed before)")
    index.add_argument("--rebuild", action="store_true", help="start the index over")

    search = verbs.add_parser("search", help="search the archive")
    search.add_argument("query", nargs="?", help="the query (see README: Search syntax)")
    search.add_argument("--batch", metavar="FILE", help="run one query per line of FILE")
    search.add_argument("--limit", type=_positive_int, default=10, help="hits to show (10)")
    search.add_argument("--offset", type=_non_negative_int, default=0, help="hits to skip")
    search.add_argument("--sort", choices=SORTS, default="relevance")
    search.add_argument("--json", action="store_true", help="machine-readable output")

    check = verbs.add_parser("check", help="verify the index and list skipped files")
    check.add_argument("--repair", action="store_true", help="rebuild a damaged index")
    return parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verb is None:
        parser.print_help()
        return EXIT_USAGE
    handlers = {"index": cmd_index, "search": cmd_search, "check": cmd_check}
    try:
        return handlers[args.verb](args)
    except QueryError as error:
        print(f"archive-app: bad query: {error.message}", file=sys.stderr)
        return EXIT_USAGE
    except ArchiveError as error:
        print(f"archive-app: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("archive-app: interrupted", file=sys.stderr)
        return EXIT_FAILURE


def open_index(args: argparse.Namespace) -> ArchiveIndex:
    return ArchiveIndex(resolve_home(args.home))


# -- index ---------------------------------------------------------------------------------
def cmd_index(args: argparse.Namespace) -> int:
    folders = [Path(p) for p in args.paths]
    for folder in folders:
        if not folder.is_dir():
            print(f"archive-app: {folder} is not a folder", file=sys.stderr)
            return EXIT_FAILURE
    index = open_index(args)
    try:
        if not folders and not index.catalog.roots():
            print("archive-app: no corpus folder yet: run `archive-app index FOLDER`",
                  file=sys.stderr)
            return EXIT_USAGE
        summary = index.sync(folders, rebuild=args.rebuild)
        print(format_summary(summary, index.doc_count()))
    finally:
        index.close()
    return EXIT_OK


def format_summary(summary: IndexSummary, total: int) -> str:
    lines = [f"{summary.added} added, {summary.updated} updated, {summary.removed} removed, "
             f"{summary.unchanged} unchanged, {len(summary.skipped)} skipped "
             f"in {summary.seconds:.2f} s; {total} documents in the index"]
    if summary.still_skipped:
        lines.append(f"  {summary.still_skipped} unchanged files were skipped before; "
                     "`archive-app check` lists why")
    for old, new in summary.moved:
        lines.append(f"  moved: {old} -> {new}")
    for skipped in summary.skipped:
        lines.append(f"  skipped {skipped.path}: {skipped.code}: {skipped.reason}")
    return "\n".join(lines)


# -- search --------------------------------------------------------------------------------
def cmd_search(args: argparse.Namespace) -> int:
    if (args.query is None) == (args.batch is None):
        print("archive-app: give either a QUERY or --batch FILE", file=sys.stderr)
        return EXIT_USAGE
    index = open_index(args)
    try:
        searcher = Searcher(index)
        if args.batch:
            return run_batch(searcher, Path(args.batch), args)
        results = searcher.search(args.query, limit=args.limit, offset=args.offset,
                                  sort=args.sort)
        if args.json:
            print(json.dumps(results_json(results), ensure_ascii=False))
        else:
            print(format_results(results, color=sys.stdout.isatty()))
    finally:
        index.close()
    return EXIT_OK


def run_batch(searcher: Searcher, batch_file: Path, args: argparse.Namespace) -> int:
    """One query a line, one process: a bad line reports its error and the batch goes on."""
    try:
        lines = batch_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as error:
        print(f"archive-app: cannot read {batch_file}: {error.strerror}", file=sys.stderr)
        return EXIT_FAILURE
    status = EXIT_OK
    for line in lines:
        query = line.strip()
        if not query:
            continue
        started = time.perf_counter()
        try:
            results = searcher.search(query, limit=args.limit, offset=args.offset,
                                      sort=args.sort)
        except QueryError as error:
            elapsed = round((time.perf_counter() - started) * 1000, 3)
            status = EXIT_USAGE
            if args.json:
                print(json.dumps({"query": query, "error": error.message,
                                  "elapsed_ms": elapsed}, ensure_ascii=False))
            else:
                print(f"{query}\terror: {error.message}")
            continue
        elapsed = round((time.perf_counter() - started) * 1000, 3)
        if args.json:
            print(json.dumps({**results_json(results), "elapsed_ms": elapsed},
                             ensure_ascii=False))
        else:
            print(f"{query}\t{results.total} documents\t{elapsed:.1f} ms")
        sys.stdout.flush()
    return status


def results_json(results: SearchResults) -> dict:
    """The `search --json` object of DESIGN.md, exactly."""
    return {
        "query": results.query,
        "total": results.total,
        "hits": [{
            "doc": hit.key, "path": hit.path, "title": hit.title, "author": hit.author,
            "source": hit.source, "date": hit.date, "score": hit.score,
            "snippets": [{"text": s.text, "highlights": [list(span) for span in s.highlights]}
                         for s in hit.snippets],
        } for hit in results.hits],
    }


def mark(text: str, spans: list[tuple[int, int]], color: bool) -> str:
    """The snippet with its hits marked: bold on a terminal, [brackets] in a pipe."""
    opening, closing = ("\033[1;33m", "\033[0m") if color else ("[", "]")
    out, last = [], 0
    for start, end in spans:
        out += [text[last:start], opening, text[start:end], closing]
        last = end
    out.append(text[last:])
    return "".join(out)


def format_results(results: SearchResults, color: bool = False) -> str:
    shown = f"{results.offset + 1}-{results.offset + len(results.hits)} of " if results.hits else ""
    lines = [f"{shown}{results.total} documents for {results.query!r} "
             f"({results.elapsed_ms:.0f} ms, sorted by {results.sort})"]
    if results.suggestion:
        lines.append(f"Did you mean: {results.suggestion}")
    for number, hit in enumerate(results.hits, results.offset + 1):
        lines.append("")
        lines.append(f"{number}. {hit.title or hit.key}")
        where = " · ".join(part for part in (hit.author, hit.source, hit.date) if part)
        lines.append(f"   {where + ' · ' if where else ''}{hit.path}")
        for snippet in hit.snippets:
            lines.append(f"   … {mark(snippet.text, snippet.highlights, color)} …")
    return "\n".join(lines)


# -- check ---------------------------------------------------------------------------------
def cmd_check(args: argparse.Namespace) -> int:
    from archive_app.core.health import check_index

    report = check_index(resolve_home(args.home), repair=args.repair)
    print(report.describe())
    return EXIT_OK if report.healthy or report.repaired else EXIT_FAILURE
