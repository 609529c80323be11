"""`saved`: searches kept under a name, listed with what is new since each was last run.

    saved add NAME [QUERY] [--filter CLAUSE]... [--sort S] [--replace]
    saved list [--json]          each with how many documents are new since its last run
    saved run NAME [--json]      the same output as `search` (and the run is recorded)
    saved delete NAME
    saved export FILE [--force]  /  saved import FILE
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from archive_app.commands import EXIT_FAILURE, EXIT_OK
from archive_app.commands.printing import show
from archive_app.commands.searching import format_results, results_json
from archive_app.core.annotations.saved_searches import SavedSearch
from archive_app.core.library import Library
from archive_app.core.paths import resolve_home
from archive_app.core.search.searcher import SORTS


def add_saved_parser(verbs: argparse._SubParsersAction, positive_int, non_negative_int) -> None:
    saved = verbs.add_parser("saved", help="saved searches: add, list (with what is new "
                             "since each was run), run, delete, export, import")
    actions = saved.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="save a search under a name")
    add.add_argument("name", metavar="NAME")
    add.add_argument("query", nargs="?", default="", metavar="QUERY",
                     help="the query, as for `search` (may be empty with --filter)")
    add.add_argument("--filter", action="append", default=[], metavar="CLAUSE",
                     help="a facet filter, as the window's chips: format:pdf, "
                          "source:\"UN News\", date:2013, tag:x (repeat to AND them)")
    add.add_argument("--sort", choices=SORTS, default="relevance")
    add.add_argument("--replace", action="store_true",
                     help="replace a saved search of the same name")

    listing = actions.add_parser("list", help="every saved search with its new documents")
    listing.add_argument("--json", action="store_true", help="machine-readable output")

    run = actions.add_parser("run", help="run a saved search (as `search` prints it)")
    run.add_argument("name", metavar="NAME")
    run.add_argument("--limit", type=positive_int, default=10, help="hits to show (10)")
    run.add_argument("--offset", type=non_negative_int, default=0, help="hits to skip")
    run.add_argument("--json", action="store_true", help="the `search --json` object")

    delete = actions.add_parser("delete", help="delete a saved search")
    delete.add_argument("name", metavar="NAME")

    export = actions.add_parser("export", help="write every saved search to a JSON file")
    export.add_argument("file", metavar="FILE")
    export.add_argument("--force", action="store_true", help="replace an existing file")

    importing = actions.add_parser(
        "import", help="add the saved searches of an exported file (a name already here "
                       "is skipped, the one here kept)")
    importing.add_argument("file", metavar="FILE")


def cmd_saved(args: argparse.Namespace) -> int:
    library = Library(resolve_home(args.home))
    try:
        return ACTIONS[args.action](library, args)
    finally:
        library.close()


def _add(library: Library, args: argparse.Namespace) -> int:
    saved = library.save_search(args.name, args.query, args.filter, args.sort,
                                replace_existing=args.replace)
    print(f"saved search {show(repr(saved.name))}: {show(describe_search(saved))}")
    return EXIT_OK


def _list(library: Library, args: argparse.Namespace) -> int:
    searches = library.saved_searches()
    if args.json:
        print(json.dumps([search.as_dict() for search in searches], ensure_ascii=False))
        return EXIT_OK
    if not searches:
        print("no saved searches (save one with `archive-app saved add NAME QUERY`)")
    for search in searches:
        print(show(list_line(search)))
    return EXIT_OK


def list_line(search: SavedSearch) -> str:
    """One saved search for people: its name, what is new, what it searches."""
    if search.problem:
        status = f"cannot run: {search.problem}"
    else:
        status = f"{search.new or 0:,} new"
    return (f"{search.name}  ({status})  {describe_search(search)}  last run "
            f"{search.last_run[:19].replace('T', ' ')} UTC")


def describe_search(search: SavedSearch) -> str:
    parts = [repr(search.query)] if search.query else []
    parts += [f"[{clause}]" for clause in search.filters]
    if search.sort != "relevance":
        parts.append(f"sorted by {search.sort}")
    return " ".join(parts)


def _run(library: Library, args: argparse.Namespace) -> int:
    _saved, results = library.run_saved_search(args.name, limit=args.limit,
                                               offset=args.offset)
    if args.json:
        print(json.dumps(results_json(results), ensure_ascii=False))
    else:
        print(format_results(results, color=sys.stdout.isatty()))
    return EXIT_OK


def _delete(library: Library, args: argparse.Namespace) -> int:
    gone = library.delete_saved_search(args.name)
    print(f"deleted saved search {show(repr(gone.name))}")
    return EXIT_OK


def _export(library: Library, args: argparse.Namespace) -> int:
    count = library.export_saved_searches(Path(args.file), overwrite=args.force)
    print(f"exported {count} saved searches to {show(args.file)}")
    return EXIT_OK


def _import(library: Library, args: argparse.Namespace) -> int:
    report = library.import_saved_searches(Path(args.file))
    for line in report.lines():
        print(show(line))
    return EXIT_FAILURE if report.invalid else EXIT_OK


ACTIONS = {"add": _add, "list": _list, "run": _run, "delete": _delete, "export": _export,
           "import": _import}
