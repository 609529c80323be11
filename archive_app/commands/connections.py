"""`copies`: what connects a document to others in the archive (exact copies here)."""

from __future__ import annotations

import argparse
import json
import sys

from archive_app.commands import EXIT_FAILURE, EXIT_OK
from archive_app.commands.printing import show
from archive_app.core.library import Library
from archive_app.core.paths import resolve_home


def cmd_copies(args: argparse.Namespace) -> int:
    """The document and every other document with exactly its text, the document first."""
    library = Library(resolve_home(args.home))
    try:
        view = library.document(args.doc)
        if view is None:
            print(f"archive-app: there is no document '{show(args.doc)}' in the archive",
                  file=sys.stderr)
            return EXIT_FAILURE
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
