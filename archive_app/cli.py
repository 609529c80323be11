"""The command-line face of the core: index, search, check (see the contract in DESIGN.md).

Exit codes: 0 success, 1 failure (missing folder, damaged index), 2 bad usage or a query
that cannot be parsed. The GUI is imported only inside the `gui` verb.
"""

from __future__ import annotations

import argparse
import os
import sys

from archive_app.commands import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from archive_app.commands.annotating import cmd_annotate, cmd_annotations, cmd_tags
from archive_app.commands.browsing import add_browse_parser, cmd_browse
from archive_app.commands.connections import cmd_copies, cmd_reuse, cmd_similar
from archive_app.commands.exporting import add_export_parser, cmd_export
from archive_app.commands.folders import add_folders_parser, cmd_folders
from archive_app.commands.importing import add_import_parser, cmd_import
from archive_app.commands.indexing import cmd_check, cmd_index
from archive_app.commands.printing import show
from archive_app.commands.saved import add_saved_parser, cmd_saved
from archive_app.commands.searching import cmd_search
from archive_app.commands.timeline import add_timeline_parser, cmd_timeline
from archive_app.commands.watching import add_watch_parser, cmd_watch
from archive_app.commands.watchlists import add_watchlist_parser, cmd_watchlist
from archive_app.core.errors import ArchiveError, QueryError
from archive_app.core.paths import resolve_home
from archive_app.core.search.searcher import COPIES, SORTS


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
    search.add_argument("--within", metavar="QUERY", action="append", default=[],
                        help="search within the results of QUERY (repeatable)")
    search.add_argument("--copies", choices=COPIES, default="collapse",
                        help="exact copies (files with the same text) as one result "
                        "listing the others (collapse, the default) or each on its own")

    copies = verbs.add_parser("copies", help="list the exact copies of a document "
                              "(other files with the same text)")
    copies.add_argument("doc", metavar="DOC", help="document key, as search --json shows")
    copies.add_argument("--json", action="store_true",
                        help='a list of {"doc", "path"}, the document itself first')

    similar = verbs.add_parser("similar", help="list the documents most like a document "
                               "(near-duplicates: shared word shingles)")
    similar.add_argument("doc", metavar="DOC", help="document key, as search --json shows")
    similar.add_argument("--limit", type=_positive_int, default=50, help="at most (50)")
    similar.add_argument("--json", action="store_true",
                         help='a list of {"doc", "similarity"}, most similar first')

    reuse = verbs.add_parser("reuse", help="list the passages several documents share, "
                             "each led by the earliest dated document")
    reuse.add_argument("--min-words", type=_positive_int, default=30,
                       help="shortest passage reported, in words (30)")
    reuse.add_argument("--json", action="store_true",
                       help='a list of {"passage", "docs": [{"doc", "start", "end"}]}')
    reuse.add_argument("--csv", metavar="FILE", help="also write the report as CSV")
    reuse.add_argument("--html", metavar="FILE", help="also write the report as HTML")

    check = verbs.add_parser("check", help="verify the index and list skipped files")
    check.add_argument("--repair", action="store_true", help="rebuild a damaged index")
    check.add_argument("--json", action="store_true",
                       help="the findings as JSON groups (damage, not indexed yet, ...)")

    annotate = verbs.add_parser("annotate", help="tag a passage (or a region of a page) "
                                "of a document")
    annotate.add_argument("doc", metavar="DOC", help="document key, as search --json shows")
    what = annotate.add_mutually_exclusive_group(required=True)
    what.add_argument("--quote", help="the passage's exact words")
    what.add_argument("--document", action="store_true",
                      help="tag or note the whole document")
    what.add_argument("--region", metavar="LEFT,TOP,WIDTH,HEIGHT",
                      help="a rectangle of a page with no text (PDF points, an image's "
                      "pixels, from the page's top left); with --page")
    annotate.add_argument("--page", type=_positive_int, default=1,
                          help="with --region: the page, 1-based (1)")
    annotate.add_argument("--occurrence", type=_positive_int, default=1,
                          help="which occurrence of the quote (1)")
    annotate.add_argument("--tag", action="append", help="a tag (repeat for several)")
    annotate.add_argument("--note", help="a note on the passage")

    annotations = verbs.add_parser("annotations", help="list annotations")
    annotations.add_argument("--tag", help="only those with this tag (or a sub-tag)")
    annotations.add_argument("--state", choices=("anchored", "reanchored", "orphaned"))
    annotations.add_argument("--json", action="store_true")

    tags = verbs.add_parser("tags", help="list tags with their counts and colours")
    tags.add_argument("--json", action="store_true")

    add_folders_parser(verbs)
    add_browse_parser(verbs)
    add_timeline_parser(verbs)
    add_export_parser(verbs)
    add_import_parser(verbs)
    add_saved_parser(verbs, _positive_int, _non_negative_int)
    add_watchlist_parser(verbs, _positive_int)
    add_watch_parser(verbs)

    gui = verbs.add_parser("gui", help="open the desktop window (the default)")
    gui.add_argument("--query", help="search for this when the window opens")
    gui.add_argument("--screenshot", metavar="FILE",
                     help="open the first result, save a PNG of the window and exit")
    gui.add_argument("--size", type=_window_size, metavar="WxH",
                     help="with --screenshot: the window's size (default 1400x900)")
    gui.add_argument("--folders", action="store_true",
                     help="with --screenshot: open File ▸ Folders… and save it instead")
    gui.add_argument("--view", choices=("text", "page"), default="text",
                     help="with --screenshot: show the first result's text (the default) "
                     "or its original page, hits boxed (PDFs, scans, images)")
    return parser


def _window_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError("give the size as WIDTHxHEIGHT, e.g. 1024x700") \
            from None
    return width, height


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
        args.verb, args.query, args.screenshot = "gui", None, None
        args.size, args.folders = None, False
    handlers = {"index": cmd_index, "search": cmd_search, "check": cmd_check, "gui": cmd_gui,
                "annotate": cmd_annotate, "annotations": cmd_annotations, "tags": cmd_tags,
                "export": cmd_export, "folders": cmd_folders, "import-annotations": cmd_import,
                "browse": cmd_browse, "saved": cmd_saved, "timeline": cmd_timeline,
                "watchlist": cmd_watchlist, "watch": cmd_watch, "copies": cmd_copies,
                "similar": cmd_similar, "reuse": cmd_reuse}
    try:
        return handlers[args.verb](args)
    except QueryError as error:
        print(f"archive-app: bad query: {show(error.message)}", file=sys.stderr)
        return EXIT_USAGE
    except ArchiveError as error:
        print(f"archive-app: {show(error)}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("archive-app: interrupted", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:  # `archive-app search ... | head`: the reader left, fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


# -- gui -----------------------------------------------------------------------------------
def cmd_gui(args: argparse.Namespace) -> int:
    """The desktop window; Qt is imported only here so the other verbs never need it."""
    if args.screenshot:  # a screenshot needs no display: render offscreen unless told
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from archive_app.gui.app import run_gui

    return run_gui(resolve_home(args.home), query=args.query, screenshot=args.screenshot,
                   size=args.size, folders=args.folders, view=args.view)
