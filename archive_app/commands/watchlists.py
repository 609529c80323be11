"""`watchlist`: named lists of people, units and companies, matched in every document.

    watchlist import FILE --name LIST   a CSV file, `name,alias,alias,…` a line
    watchlist list [--json]             every list with its entities
    watchlist export LIST -o FILE [--force]
    watchlist delete LIST
    watchlist cooccur QUERY [--json] [--csv FILE] [--most N]
                                        which entities of QUERY's results appear together
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from archive_app.commands import EXIT_OK
from archive_app.commands.printing import show
from archive_app.core.library import Library
from archive_app.core.paths import resolve_home


def add_watchlist_parser(verbs: argparse._SubParsersAction, positive_int) -> None:
    watch = verbs.add_parser("watchlist", help="watch-lists of names (with aliases in any "
                             "script) found in every document: import, list, export, "
                             "delete, co-occurrence")
    actions = watch.add_subparsers(dest="action", metavar="ACTION", required=True)
    importing = actions.add_parser("import", help="a CSV file as a list (name,alias,… a line)")
    importing.add_argument("file", metavar="FILE")
    importing.add_argument("--name", required=True, metavar="LIST", help="the list's name")
    listing = actions.add_parser("list", help="every list with its entities")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    export = actions.add_parser("export", help="write a list as CSV")
    export.add_argument("list", metavar="LIST")
    export.add_argument("-o", "--output", required=True, metavar="FILE")
    export.add_argument("--force", action="store_true", help="replace an existing file")
    delete = actions.add_parser("delete", help="delete a list")
    delete.add_argument("list", metavar="LIST")
    cooccur = actions.add_parser("cooccur", help="entity × entity: documents in common "
                                 "among a query's results")
    cooccur.add_argument("query", metavar="QUERY")
    cooccur.add_argument("--most", type=positive_int, default=30,
                         help="the commonest N entities (30)")
    cooccur.add_argument("--json", action="store_true", help="machine-readable output")
    cooccur.add_argument("--csv", metavar="FILE", help="write the table as CSV")


def cmd_watchlist(args: argparse.Namespace) -> int:
    library = Library(resolve_home(args.home))
    try:
        return ACTIONS[args.action](library, args)
    finally:
        library.close()


def _import(library: Library, args: argparse.Namespace) -> int:
    saved, problems = library.import_watchlist(Path(args.file), args.name)
    for problem in problems:
        print(show(f"left out: {problem}"))
    print(show(f"watch-list {saved.name!r}: {len(saved.entities):,} entities"))
    return EXIT_OK


def _list(library: Library, args: argparse.Namespace) -> int:
    lists = library.watchlists()
    if args.json:
        print(json.dumps([{"name": found.name, "color": found.color,
                           "entities": [{"name": e.name, "aliases": list(e.aliases)}
                                        for e in found.entities]} for found in lists],
                         ensure_ascii=False))
        return EXIT_OK
    if not lists:
        print("no watch-lists (import one with `archive-app watchlist import FILE --name "
              "LIST`)")
    for found in lists:
        print(show(f"{found.name}  ({len(found.entities):,} entities, {found.color})"))
        for entity in found.entities:
            aliases = f": {', '.join(entity.aliases)}" if entity.aliases else ""
            print(show(f"  {entity.name}{aliases}"))
    return EXIT_OK


def _export(library: Library, args: argparse.Namespace) -> int:
    count = library.export_watchlist(args.list, Path(args.output), overwrite=args.force)
    print(show(f"exported {count:,} entities to {args.output}"))
    return EXIT_OK


def _delete(library: Library, args: argparse.Namespace) -> int:
    gone = library.delete_watchlist(args.list)
    print(show(f"deleted watch-list {gone.name!r}"))
    return EXIT_OK


def _cooccur(library: Library, args: argparse.Namespace) -> int:
    table = library.cooccurrence(args.query, most=args.most)
    if args.csv:
        Path(args.csv).write_text(table.to_csv(), encoding="utf-8")
    if args.json:
        print(json.dumps(table.as_dict(), ensure_ascii=False))
        return EXIT_OK
    if not table.entities:
        print(show(f"no watch-list entity in the results of {args.query!r}"))
    for name, count in table.entities:
        print(show(f"{name}: {_documents(count)}"))
    for first, second, count in table.pairs():
        print(show(f"  {first} + {second}: {_documents(count)} together"))
    return EXIT_OK


def _documents(count: int) -> str:
    return f"{count:,} document" + ("" if count == 1 else "s")


ACTIONS = {"import": _import, "list": _list, "export": _export, "delete": _delete,
           "cooccur": _cooccur}
