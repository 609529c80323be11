"""`import-annotations FILE.json`: W3C Web Annotations (or Hypothesis's) back into the archive."""

from __future__ import annotations

import argparse
from pathlib import Path

from archive_app.commands import EXIT_FAILURE, EXIT_OK
from archive_app.commands.printing import show
from archive_app.core.annotations.importing import import_file
from archive_app.core.library import Library
from archive_app.core.paths import resolve_home


def add_import_parser(verbs) -> None:
    command = verbs.add_parser(
        "import-annotations",
        help="re-create annotations from a W3C Web Annotation or Hypothesis JSON file")
    command.add_argument("file", metavar="FILE.json")


def cmd_import(args: argparse.Namespace) -> int:
    library = Library(resolve_home(args.home))
    try:
        report = import_file(library, Path(args.file))
    finally:
        library.close()
    for line in report.lines():
        print(show(line))
    return EXIT_OK if not (report.not_found or report.invalid) else EXIT_FAILURE
