"""`browse [FOLDER]`: the archive without a query, a folder at a time (core/browse.py)."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from archive_app.commands import EXIT_OK
from archive_app.commands.printing import show
from archive_app.core.browse import COLUMNS, SEP, BrowseFolder, BrowseRow, FolderListing
from archive_app.core.errors import ArchiveError
from archive_app.core.library import Library
from archive_app.core.paths import resolve_home

DEFAULT_LIMIT = 100


def add_browse_parser(verbs: argparse._SubParsersAction) -> None:
    browse = verbs.add_parser(
        "browse", help="list a folder: its subfolders (with counts), skipped files and "
                       "documents (title, author, source, date, format, pages, size, ...)")
    browse.add_argument("folder", nargs="?", default="", metavar="FOLDER",
                        help="a folder as `browse` names it (corpus/leaks, a zip's or a "
                             "mailbox's key), or a folder on disk; default: the archive")
    browse.add_argument("--sort", default="title", metavar="COLUMN", type=_sort_column,
                        help=f"one of {', '.join(COLUMNS)}; --sort=-COLUMN sorts "
                             "descending (default: title)")
    browse.add_argument("--descending", action="store_true", help="largest, latest, Z first")
    browse.add_argument("--filter", action="append", default=[], metavar="CLAUSE",
                        help="keep documents matching a facet filter, as in a search: "
                             "format:pdf, lang:fa, source:\"UN News\", author:..., tag:x, "
                             "date:2013 (repeat to AND them)")
    browse.add_argument("--limit", type=int, default=DEFAULT_LIMIT,
                        help=f"documents to show ({DEFAULT_LIMIT}; 0 for all)")
    browse.add_argument("--offset", type=int, default=0, help="documents to skip")
    browse.add_argument("--json", action="store_true", help="machine-readable output")


def _sort_column(text: str) -> str:
    if text.lstrip("-") not in COLUMNS:
        raise argparse.ArgumentTypeError(f"use one of {', '.join(COLUMNS)}")
    return text


def cmd_browse(args: argparse.Namespace) -> int:
    column = args.sort.lstrip("-")
    descending = args.sort.startswith("-") != args.descending
    library = Library(resolve_home(args.home))
    try:
        folder = _address(library, args.folder)
        listing = library.browse(folder, sort=column, descending=descending,
                                 filters=args.filter)
    finally:
        library.close()
    offset = max(0, args.offset)
    stop = None if args.limit <= 0 else offset + args.limit
    rows = listing.rows(offset, stop)
    if args.json:
        print(json.dumps(listing_json(listing, rows, offset), ensure_ascii=False))
    else:
        print("\n".join(describe(listing, rows, offset)))
    return EXIT_OK


def _address(library: Library, folder: str) -> str:
    """A browse address as given, or the address of a folder on disk (`./corpus/leaks`)."""
    if not folder or SEP in folder or not os.path.exists(folder):
        return folder
    address = library.browse_address(Path(folder))
    if address is None:
        raise ArchiveError(f"{folder} is not inside a folder of this archive")
    return address


def listing_json(listing: FolderListing, rows: list[BrowseRow], offset: int) -> dict:
    return {"folder": listing.address, "name": listing.name, "kind": listing.kind,
            "parent": listing.parent, "documents_under": listing.documents_under,
            "skipped_under": listing.skipped_under, "total": listing.total,
            "offset": offset, "sort": listing.sort, "descending": listing.descending,
            "filters": list(listing.filters),
            "folders": [folder.as_dict() for folder in listing.folders],
            "skipped": [{"path": s.path, "code": s.code, "reason": s.reason}
                        for s in listing.skipped],
            "documents": [row.as_dict() for row in rows]}


def describe(listing: FolderListing, rows: list[BrowseRow], offset: int) -> list[str]:
    """The human lines: the folder and its counts, its subfolders, its skipped files
    with their reasons, then one line per document, every field escaped (`show`)."""
    where = show(listing.address) if listing.address else "the archive"
    filtered = f" matching {show(' '.join(listing.filters))}" if listing.filters else ""
    lines = [f"{where}: {_count(listing.documents_under, 'document')}{filtered}, "
             f"{listing.skipped_under:,} skipped"]
    for folder in listing.folders:
        lines.append(f"  {_folder_label(folder)}  {_count(folder.documents, 'document')}"
                     + (f", {folder.skipped:,} skipped" if folder.skipped else "")
                     + ("  (missing)" if folder.missing else ""))
    for skipped in listing.skipped:
        lines.append(f"  skipped {show(skipped.path)}: {skipped.code}: {show(skipped.reason)}")
    if listing.total:
        order = f"{'-' if listing.descending else ''}{listing.sort}"
        lines.append(f"{_count(listing.total, 'document')} here, by {order}:")
    for row in rows:
        extra = [value for value in (row.author, row.source, row.date) if value]
        size = f"{row.size:,} B" if row.size is not None else ""
        pages = f"{row.pages} p." if row.pages else ""
        notes = _count(row.annotations, "annotation") if row.annotations else ""
        facts = ", ".join(part for part in (row.format, pages, size, notes) if part)
        lines.append(f"  {show(row.title)}" + (f" — {show(' · '.join(extra))}" if extra else "")
                     + f" [{show(facts)}]")
        lines.append(f"    {show(row.key)}")
    shown_to = offset + len(rows)
    if shown_to < listing.total:
        lines.append(f"… {listing.total - shown_to:,} more (--offset {shown_to})")
    return lines


def _folder_label(folder: BrowseFolder) -> str:
    kind = "" if folder.kind in ("folder", "root") else f" ({folder.kind})"
    return f"{show(folder.name)}/{kind}  [{show(folder.address)}]"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
