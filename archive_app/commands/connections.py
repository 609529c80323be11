"""`copies`, `similar`, `reuse`: what connects a document to others in the archive."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from archive_app.commands import EXIT_FAILURE, EXIT_OK
from archive_app.commands.printing import show
from archive_app.core.export.reuse_report import write_reuse_report
from archive_app.core.library import Library
from archive_app.core.paths import resolve_home


def _no_document(doc: str) -> int:
    print(f"archive-app: there is no document '{show(doc)}' in the archive", file=sys.stderr)
    return EXIT_FAILURE


def cmd_copies(args: argparse.Namespace) -> int:
    """The document and every other document with exactly its text, the document first."""
    library = Library(resolve_home(args.home))
    try:
        view = library.document(args.doc)
        if view is None:
            return _no_document(args.doc)
        found = [(args.doc, view.path), *library.copies(args.doc)]
    finally:
        library.close()
    if args.json:
        print(json.dumps([{"doc": doc, "path": str(path)} for doc, path in found],
                         ensure_ascii=False))
    else:
        print(f"{len(found)} {'copy' if len(found) == 1 else 'copies'} of this text")
        for doc, path in found:
            print(f"{show(doc)}\t{show(str(path))}")
    return EXIT_OK


def cmd_similar(args: argparse.Namespace) -> int:
    """The documents most like DOC: `[{"doc", "similarity"}]` with --json."""
    library = Library(resolve_home(args.home))
    try:
        if library.document(args.doc) is None:
            return _no_document(args.doc)
        found = library.similar(args.doc, most=args.limit)
    finally:
        library.close()
    if args.json:
        print(json.dumps([{"doc": doc, "similarity": value} for doc, value in found],
                         ensure_ascii=False))
    else:
        print(f"{len(found)} similar document{'' if len(found) == 1 else 's'}")
        for doc, value in found:
            print(f"{value:.2f}\t{show(doc)}")
    return EXIT_OK


def cmd_reuse(args: argparse.Namespace) -> int:
    """Clusters of documents sharing a passage: `[{"passage", "docs": [{"doc", "start",
    "end"}]}]` with --json; --csv and --html write the report with dates."""
    library = Library(resolve_home(args.home))
    try:
        report = library.reuse_report(args.min_words)
        written = []
        for kind, target in (("csv", args.csv), ("html", args.html)):
            if target:
                write_reuse_report(report, Path(target), kind, library.document_title)
                written.append(target)
    finally:
        library.close()
    if args.json:
        print(json.dumps([{"passage": cluster.passage,
                           "docs": [{"doc": p.doc, "start": p.start, "end": p.end}
                                    for p in cluster.places]}
                          for cluster in report.clusters], ensure_ascii=False))
    else:
        print(f"{len(report.clusters)} reused passage{'' if len(report.clusters) == 1 else 's'}"
              f" of {report.min_words}+ words")
        for cluster in report.clusters:
            first = cluster.places[0]
            print(f"\n{len(cluster.places)} documents; earliest {show(first.doc)} "
                  f"({show(cluster.dates.get(first.doc) or 'undated')}):")
            print(f"  “{show(_short(cluster.passage))}”")
            for place in cluster.places[1:]:
                print(f"  also {show(place.doc)} "
                      f"({show(cluster.dates.get(place.doc) or 'undated')})")
    if not report.complete:
        print("archive-app: the report stopped at its bound of text pairs; narrow it with "
              "a larger --min-words", file=sys.stderr)
    for target in written:
        print(f"wrote {show(str(target))}", file=sys.stderr)
    return EXIT_OK


def _short(passage: str, most: int = 160) -> str:
    flat = " ".join(passage.split())
    return flat if len(flat) <= most else flat[:most - 1] + "…"
