"""`export`: chosen excerpts with their citations to a file in one of the export formats."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive_app.commands import EXIT_FAILURE, EXIT_OK
from archive_app.commands.printing import show
from archive_app.core.annotations.records import Annotation
from archive_app.core.export import (
    FORMATS,
    GROUPINGS,
    STYLES,
    Excerpt,
    ExportOptions,
    NothingToExport,
    check_target,
    excerpts_from_annotations,
    excerpts_from_search,
    export_excerpts,
)
from archive_app.core.library import Library
from archive_app.core.paths import resolve_home


def add_export_parser(verbs: argparse._SubParsersAction) -> None:
    export = verbs.add_parser("export", help="write chosen excerpts with citations to a file")
    export.add_argument("--tag", action="append", help="annotations with this tag (or a "
                        "sub-tag); repeat for several")
    export.add_argument("--query", help="without --tag: the passages around the hits; with "
                        "--tag: only annotations in documents matching the query")
    export.add_argument("--format", required=True, choices=list(FORMATS))
    export.add_argument("-o", "--output", required=True, metavar="FILE")
    export.add_argument("--limit", type=int, default=50, metavar="N",
                        help="with --query alone: at most N documents (50)")
    export.add_argument("--grouping", choices=GROUPINGS,
                        help="tag (default), or document (default for --query alone)")
    export.add_argument("--context", type=int, default=0, metavar="N",
                        help="show up to N characters of whole words around each quote")
    export.add_argument("--title", default="Excerpts", help="title of the export")
    export.add_argument("--no-notes", action="store_true", help="leave the notes out")
    export.add_argument("--bom", action="store_true", help="CSV: start with a UTF-8 BOM")
    export.add_argument("--raw", action="store_true", help="CSV: write cells as they are "
                        "(no ' before = + - @), for tools that are not spreadsheets")
    export.add_argument("--style", choices=list(STYLES), default="short",
                        help="citation style: short (default), apa, chicago (author-date), "
                        "harvard")
    export.add_argument("--user", default="", help="REFI-QDA: the user the coding is filed "
                        "under (default: your login name)")
    export.add_argument("--force", action="store_true", help="overwrite an existing FILE")


def chosen_annotations(library: Library, tags: list[str]) -> list[Annotation]:
    """Annotations with any of the tags (all when none is given), each once."""
    found: dict[int, Annotation] = {}
    for tag in tags or [None]:
        for annotation in library.all_annotations(tag=tag):
            found.setdefault(annotation.id, annotation)
    return sorted(found.values(), key=lambda a: (a.doc, a.start, a.id))


def choose_excerpts(library: Library, args: argparse.Namespace) -> list[Excerpt]:
    context = max(0, args.context)
    if args.query and not args.tag:
        return excerpts_from_search(library, args.query, limit=max(1, args.limit),
                                    context_chars=context)
    annotations = chosen_annotations(library, args.tag or [])
    if args.query:
        matching = {hit.key for hit in
                    library.search(args.query, limit=max(1, library.doc_count())).hits}
        annotations = [a for a in annotations if a.doc in matching]
    return excerpts_from_annotations(library, annotations, context_chars=context)


def cmd_export(args: argparse.Namespace) -> int:
    grouping = args.grouping or ("document" if args.query and not args.tag else "tag")
    options = ExportOptions(format=args.format, grouping=grouping,
                            include_notes=not args.no_notes, context_chars=max(0, args.context),
                            csv_bom=args.bom, title=args.title, csv_raw=args.raw,
                            style=args.style, user=args.user)
    check_target(Path(args.output), args.force)  # refused before the archive is opened
    library = Library(resolve_home(args.home))
    try:
        count, path = export_excerpts(library, lambda: choose_excerpts(library, args),
                                      options, args.output, overwrite=args.force)
    except NothingToExport:
        print("archive-app: nothing to export", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        library.close()
    print(f"wrote {count} excerpts to {show(path)}")
    return EXIT_OK
