"""W3C Web Annotation Data Model (JSON-LD): an AnnotationCollection of the excerpts.

The collection and its one page have ids (the model's §5.1 and §5.2 require them):
urn:uuid IRIs made from the export's annotations, title and time, so the same export
gets the same ids. The page and each annotation carry their own `@context` (and the
page a description of its collection in `partOf`), so one copied out of the file on its
own is still complete.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import quote

from archive_app.core.export.common import (
    UUID_SHAPE,
    excerpt_uuid,
    note_shown,
    stable_uuid,
    timestamp,
)
from archive_app.core.export.model import Excerpt, ExportOptions

LABEL, SUFFIX, BINARY, NEEDS_TEXTS = "W3C Web Annotation (JSON-LD)", ".json", False, False

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
ANNOTATION_URN = "urn:archive-app:annotation:"
IRI_SHAPE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def source_uri(excerpt: Excerpt) -> str:
    """The document's file URI, or an archive URN when its path is not absolute."""
    path = Path(excerpt.path)
    if path.is_absolute():
        return path.as_uri()
    return "urn:archive-app:" + quote(excerpt.doc, safe="/")


def bodies(excerpt: Excerpt, options: ExportOptions) -> list[dict]:
    found = []
    note = note_shown(excerpt, options)
    if note:
        found.append({"type": "TextualBody", "value": note, "format": "text/plain",
                      "purpose": "commenting"})
    found += [{"type": "TextualBody", "purpose": "tagging", "value": tag}
              for tag in excerpt.tags]
    return found


def is_document_note(excerpt: Excerpt) -> bool:
    """A note on a whole document: stored as an empty passage at 0 (an import of a target
    with no selector), written back as such a target."""
    return excerpt.whole_document or (excerpt.start == excerpt.end == 0 and not excerpt.quote
                                      and excerpt.region is None)


PDF_FRAGMENT = "http://tools.ietf.org/rfc/rfc3778"
"""RFC 3778's PDF fragment identifiers: `page=N` (1-based) names a page of a PDF."""
MEDIA_FRAGMENT = "http://www.w3.org/TR/media-frags/"
"""W3C Media Fragments: `xywh=pixel:x,y,w,h` names a rectangle of an image."""


def region_selector(excerpt: Excerpt) -> dict:
    """A region of a page: for a PDF, a FragmentSelector `page=N` refined by one with
    `xywh=` (in PDF points, which this archive treats as the page's pixels at 72 dpi);
    for an image, the `xywh=` selector alone (in the image's pixels)."""
    region = excerpt.region
    box = ",".join(str(round(value)) for value in region.as_tuple())
    rectangle = {"type": "FragmentSelector", "conformsTo": MEDIA_FRAGMENT,
                 "value": f"xywh=pixel:{box}"}
    if excerpt.format != "pdf":
        return rectangle
    page = excerpt.pages[0] if excerpt.pages else 1
    return {"type": "FragmentSelector", "conformsTo": PDF_FRAGMENT, "value": f"page={page}",
            "refinedBy": rectangle}


def target(excerpt: Excerpt) -> dict:
    if excerpt.region is not None:
        return {"source": source_uri(excerpt), "selector": region_selector(excerpt)}
    if is_document_note(excerpt):
        return {"source": source_uri(excerpt)}
    return {"source": source_uri(excerpt), "selector": [
        {"type": "TextPositionSelector", "start": excerpt.start, "end": excerpt.end},
        {"type": "TextQuoteSelector", "exact": excerpt.quote, "prefix": excerpt.prefix,
         "suffix": excerpt.suffix},
    ]}


def annotation_id(excerpt: Excerpt) -> str:
    """Our uuids as urn:uuid IRIs; an imported annotation keeps the id its file gave it
    (an IRI as it was, a Hypothesis id under our URN), so importing the export again
    recognises it."""
    made = excerpt_uuid(excerpt)
    if UUID_SHAPE.fullmatch(made):
        return f"urn:uuid:{made}"
    if IRI_SHAPE.match(made):
        return made
    return ANNOTATION_URN + quote(made, safe="")


def annotation(excerpt: Excerpt, options: ExportOptions) -> dict:
    item: dict = {"@context": CONTEXT, "id": annotation_id(excerpt), "type": "Annotation"}
    if excerpt.created:
        item["created"] = excerpt.created
    if excerpt.modified:
        item["modified"] = excerpt.modified
    if excerpt.creator:  # who made an imported annotation; the user's own have none
        item["creator"] = {"type": "Person", "name": excerpt.creator}
    found = bodies(excerpt, options)
    item["motivation"] = ("commenting" if note_shown(excerpt, options)
                          else "tagging" if excerpt.tags else "highlighting")
    if found:
        item["body"] = found
    item["target"] = target(excerpt)
    return item


def collection(excerpts: list[Excerpt], options: ExportOptions,
               tick: Callable[[], None] = lambda: None) -> dict:
    items = []
    for excerpt in excerpts:
        tick()
        items.append(annotation(excerpt, options))
    made = stable_uuid("collection", options.title, timestamp(options),
                       *(item["id"] for item in items))
    collection_id = f"urn:uuid:{made}"
    part_of = {"id": collection_id, "type": "AnnotationCollection", "label": options.title,
               "total": len(items)}
    page = {"@context": CONTEXT, "id": f"urn:uuid:{stable_uuid('page', made, 0)}",
            "type": "AnnotationPage", "partOf": part_of, "startIndex": 0, "items": items}
    return {"@context": CONTEXT, "id": collection_id, "type": "AnnotationCollection",
            "label": options.title, "total": len(items), "first": page}


def render(excerpts: list[Excerpt], options: ExportOptions, texts: Mapping[str, str],
           tick: Callable[[], None]) -> bytes:
    data = collection(excerpts, options, tick)
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
