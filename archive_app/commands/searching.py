"""`search`: one query or a batch, as text for people or JSON for scripts."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from archive_app.commands import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from archive_app.commands.printing import show
from archive_app.core.errors import QueryError
from archive_app.core.library import Library
from archive_app.core.paths import resolve_home
from archive_app.core.search.searcher import Searcher, SearchResults

MAX_COPIES_LISTED = 5
"""Copies a result lists by path in the text output; `copies DOC` lists them all."""


def cmd_search(args: argparse.Namespace) -> int:
    if (args.query is None) == (args.batch is None):
        print("archive-app: give either a QUERY or --batch FILE", file=sys.stderr)
        return EXIT_USAGE
    library = Library(resolve_home(args.home))
    if library.needs_sync:
        print("archive-app: the index was reset (new format or deleted): run `archive-app "
              "index` to fill it again", file=sys.stderr)
    try:
        searcher = library.searcher()
        if args.batch:
            return run_batch(searcher, Path(args.batch), args)
        results = library.search(args.query, limit=args.limit, offset=args.offset,
                                 sort=args.sort, within=args.within, copies=args.copies)
        # the library's search: it adds rename notices
        if args.json:
            print(json.dumps(results_json(results), ensure_ascii=False))
        else:
            print(format_results(results, color=sys.stdout.isatty()))
    finally:
        library.close()
    return EXIT_OK


def run_batch(searcher: Searcher, batch_file: Path, args: argparse.Namespace) -> int:
    """One query a line, one process: a bad line reports its error and the batch goes on."""
    try:
        lines = batch_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as error:
        print(f"archive-app: cannot read {show(batch_file)}: {error.strerror}", file=sys.stderr)
        return EXIT_FAILURE
    status = EXIT_OK
    for line in lines:
        query = line.strip()
        if not query:
            continue
        started = time.perf_counter()
        try:
            results = searcher.search(query, limit=args.limit, offset=args.offset,
                                      sort=args.sort, copies=args.copies)
        except QueryError as error:
            elapsed = round((time.perf_counter() - started) * 1000, 3)
            status = EXIT_USAGE
            if args.json:
                print(json.dumps({"query": query, "error": error.message,
                                  "elapsed_ms": elapsed}, ensure_ascii=False))
            else:
                print(f"{show(query)}\terror: {show(error.message)}")
            continue
        elapsed = round((time.perf_counter() - started) * 1000, 3)
        if args.json:
            print(json.dumps({**results_json(results), "elapsed_ms": elapsed},
                             ensure_ascii=False))
        else:
            print(f"{show(query)}\t{results.total} documents\t{elapsed:.1f} ms")
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
    """The snippet with its hits marked: bold on a terminal, [brackets] in a pipe.

    The snippet's own pieces are shown escaped; only our marks are raw escapes."""
    opening, closing = ("\033[1;33m", "\033[0m") if color else ("[", "]")
    out, last = [], 0
    for start, end in spans:
        out += [show(text[last:start]), opening, show(text[start:end]), closing]
        last = end
    out.append(show(text[last:]))
    return "".join(out)


def format_results(results: SearchResults, color: bool = False) -> str:
    shown = f"{results.offset + 1}-{results.offset + len(results.hits)} of " if results.hits else ""
    lines = [f"{shown}{results.total} documents for {show(repr(results.query))} "
             f"({results.elapsed_ms:.0f} ms, sorted by {results.sort})"]
    lines += [f"Note: {show(notice)}." for notice in results.notices]
    if results.suggestion:
        lines.append(f"Did you mean: {show(results.suggestion)}")
    for number, hit in enumerate(results.hits, results.offset + 1):
        lines.append("")
        lines.append(f"{number}. {show(hit.title or hit.key)}")
        where = show(" · ".join(part for part in (hit.author, hit.source, hit.date) if part))
        missing = "" if hit.available else "  [file missing: deleted or drive unplugged]"
        lines.append(f"   {where + ' · ' if where else ''}{show(hit.path)}{missing}")
        if hit.place:
            lines.append(f"   inside {show(hit.place)}")
        if hit.ocr:
            lines.append("   (text read by OCR)")
        if hit.copies:
            lines.append(f"   {hit.copy_count} copies, also at:")
            lines += [f"     {show(path)}" for _, path in hit.copies[:MAX_COPIES_LISTED]]
            if len(hit.copies) > MAX_COPIES_LISTED:
                lines.append(f"     and {len(hit.copies) - MAX_COPIES_LISTED} more "
                             f"(archive-app copies {show(hit.key)})")
        for snippet in hit.snippets:
            page = f" (p. {snippet.page})" if snippet.page else ""
            lines.append(f"   … {mark(snippet.text, snippet.highlights, color)} …{page}")
    return "\n".join(lines)


