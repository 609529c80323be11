"""`annotate`, `annotations`, `tags`: the annotation store from the command line."""

from __future__ import annotations

import argparse
import json

from archive_app.commands import EXIT_OK
from archive_app.commands.printing import show
from archive_app.core.annotations.records import Annotation, AnnotationError
from archive_app.core.annotations.regions import Region
from archive_app.core.library import Library
from archive_app.core.paths import resolve_home


def annotation_json(annotation: Annotation) -> dict:
    """The `annotations --json` item of DESIGN.md (plus the colour and the note's context)."""
    found = {"id": annotation.id, "doc": annotation.doc, "quote": annotation.exact,
             "start": annotation.start, "end": annotation.end, "tags": annotation.tags,
             "note": annotation.note, "state": annotation.state}
    if annotation.region is not None:  # a region of a page: no quote, its page and box
        found["page"] = (annotation.page or 0) + 1
        found["region"] = list(annotation.region.as_tuple())
    return found


def cmd_annotate(args: argparse.Namespace) -> int:
    library = Library(resolve_home(args.home))
    try:
        if args.document:
            annotation = library.annotate_document(args.doc, args.tag or [],
                                                   note=args.note or "")
            print(f"annotation {annotation.id} on the whole of {show(annotation.doc)} "
                  f"tags: {show(', '.join(annotation.tags))}")
            return EXIT_OK
        if args.region is not None:
            try:
                region = Region.parse(args.region)
            except ValueError as error:
                raise AnnotationError(str(error)) from None
            annotation = library.annotate_region(args.doc, args.page - 1, region,
                                                 args.tag or [], note=args.note or "")
            print(f"annotation {annotation.id} on {show(annotation.doc)} page {args.page} "
                  f"region {annotation.region.stored()} tags: "
                  f"{show(', '.join(annotation.tags))}")
            return EXIT_OK
        annotation = library.annotate_quote(args.doc, args.quote, args.tag or [],
                                            note=args.note or "", occurrence=args.occurrence)
        print(f"annotation {annotation.id} on {show(annotation.doc)} "
              f"[{annotation.start}:{annotation.end}] tags: {show(', '.join(annotation.tags))}")
    finally:
        library.close()
    return EXIT_OK


def cmd_annotations(args: argparse.Namespace) -> int:
    library = Library(resolve_home(args.home))
    try:
        found = library.all_annotations(tag=args.tag, state=args.state)
        pages = {a.id: library.page_of(a.doc, a.start) for a in found} if not args.json else {}
    finally:
        library.close()
    if args.json:
        print(json.dumps([annotation_json(a) for a in found], ensure_ascii=False))
        return EXIT_OK
    for annotation in found:
        flag = "" if annotation.state == "anchored" else f" ({annotation.state})"
        page = f" p. {pages[annotation.id]}" if pages.get(annotation.id) else ""
        print(f"#{annotation.id} {show(annotation.doc)} "
              f"[{annotation.start}:{annotation.end}]{page}{flag}")
        print(f"   \u201c{show(annotation.shown_quote)}\u201d")
        print(f"   tags: {show(', '.join(annotation.tags)) or '-'}"
              + (f"  note: {show(annotation.note)}" if annotation.note else ""))
    print(f"{len(found)} annotations")
    return EXIT_OK


def cmd_tags(args: argparse.Namespace) -> int:
    library = Library(resolve_home(args.home))
    try:
        tags = library.tags()
    finally:
        library.close()
    if args.json:
        print(json.dumps([{"name": t.name, "count": t.count, "color": t.color} for t in tags],
                         ensure_ascii=False))
        return EXIT_OK
    for tag in tags:
        print(f"{tag.count:6d}  {show(tag.name)}  {show(tag.color)}")
    return EXIT_OK
