"""`folders` and `folders remove PATH`: the archive's corpus folders from the command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from archive_app.commands import EXIT_OK
from archive_app.commands.printing import show
from archive_app.core.indexing import names
from archive_app.core.indexing.folders import FolderSummary
from archive_app.core.library import Library
from archive_app.core.paths import resolve_home


def add_folders_parser(verbs: argparse._SubParsersAction) -> None:
    folders = verbs.add_parser("folders", help="list the archive's folders (documents, "
                                               "skipped files), or remove one")
    folders.add_argument("--json", action="store_true", help="machine-readable output")
    actions = folders.add_subparsers(dest="folders_action", metavar="ACTION")
    remove = actions.add_parser("remove", help="take a folder out of the archive; its "
                                               "annotations are kept, marked orphaned")
    remove.add_argument("path", metavar="PATH", help="the folder, as it was added")
    ocr = actions.add_parser("ocr", help="set how a folder's scans and images are read: "
                                         "auto (the language from the script), off, or "
                                         "Tesseract languages such as fas or eng+ara")
    ocr.add_argument("path", metavar="PATH", help="the folder, as it was added")
    ocr.add_argument("setting", metavar="SETTING", help="auto, off, or languages (eng+fas)")


def folder_json(summary: FolderSummary) -> dict:
    return {"name": summary.name, "path": _path(summary), "documents": summary.documents,
            "ocr": summary.ocr or "auto",
            "missing": summary.missing,
            "skipped": [{"path": s.path, "code": s.code, "reason": s.reason}
                        for s in summary.skipped]}


def _path(summary: FolderSummary) -> str:
    """The folder as people see it: a name's odd (not UTF-8) bytes as U+FFFD, as in every
    other output (raw, they made `--json` invalid UTF-8)."""
    return names.shown(str(summary.path))


def describe(summary: FolderSummary) -> list[str]:
    """The human lines of one folder: name, path, counts, then each skipped file's reason."""
    missing = " (missing: unplugged drive?)" if summary.missing else ""
    lines = [f"{show(summary.name)}: {show(_path(summary))}{missing}",
             f"  {summary.documents} documents, {len(summary.skipped)} skipped, "
             f"OCR {summary.ocr or 'auto'}"]
    lines += [f"  {show(s.path)}: {s.code}: {show(s.reason)}" for s in summary.skipped]
    return lines


def cmd_folders(args: argparse.Namespace) -> int:
    library = Library(resolve_home(args.home))
    try:
        if getattr(args, "folders_action", None) == "ocr":
            root, marked = library.set_folder_ocr(Path(args.path), args.setting)
            where = show(names.shown(str(root.path)))
            print(f"OCR for {where}: {root.ocr or 'auto'}; {marked} files will be read "
                  "again by the next `archive-app index`")
            return EXIT_OK
        if getattr(args, "folders_action", None) == "remove":
            removed = library.remove_folder(Path(args.path))
            noun = "annotation" if removed.orphaned == 1 else "annotations"
            where = show(names.shown(str(removed.root.path)))
            print(f"removed {where}: {removed.documents} documents left the index; "
                  f"{removed.orphaned} {noun} kept, marked orphaned "
                  "(the folder itself is untouched)")
            return EXIT_OK
        summaries = library.folders()
    finally:
        library.close()
    if args.json:
        print(json.dumps({"folders": [folder_json(s) for s in summaries]},
                         ensure_ascii=False))
    elif not summaries:
        print("no folders yet: add one with `archive-app index FOLDER`")
    else:
        for summary in summaries:
            print("\n".join(describe(summary)))
    return EXIT_OK
