"""W3C Web Annotation Data Model (JSON-LD): an AnnotationCollection of the excerpts."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import quote

from archive_app.core.export.common import excerpt_uuid, note_shown
from archive_app.core.export.model import Excerpt, ExportOptions

LABEL, SUFFIX, BINARY, NEEDS_TEXTS = "W3C Web Annotation (JSON-LD)", ".json", False, False

CONTEXT = "http://www.w3.org/ns/anno.jsonld"


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


def target(excerpt: Excerpt) -> dict:
    return {"source": source_uri(excerpt), "selector": [
        {"type": "TextPositionSelector", "start": excerpt.start, "end": excerpt.end},
        {"type": "TextQuoteSelector", "exact": excerpt.quote, "prefix": excerpt.prefix,
         "suffix": excerpt.suffix},
    ]}


def annotation(excerpt: Excerpt, options: ExportOptions) -> dict:
    item: dict = {"id": f"urn:uuid:{excerpt_uuid(excerpt)}", "type": "Annotation"}
    if excerpt.created:
        item["created"] = excerpt.created
    if excerpt.modified:
        item["modified"] = excerpt.modified
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
    return {"@context": CONTEXT, "type": "AnnotationCollection", "label": options.title,
            "total": len(items), "first": {"type": "AnnotationPage", "startIndex": 0,
                                           "items": items}}


def render(excerpts: list[Excerpt], options: ExportOptions, texts: Mapping[str, str],
           tick: Callable[[], None]) -> bytes:
    data = collection(excerpts, options, tick)
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
