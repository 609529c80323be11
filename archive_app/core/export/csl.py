"""CSL-JSON: one item per cited document, for reference managers (Zotero, Pandoc...)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping

from archive_app.core.export.common import citation_keys, cited_documents, split_name
from archive_app.core.export.model import Excerpt, ExportOptions

LABEL, SUFFIX, BINARY, NEEDS_TEXTS = "Sources as CSL-JSON", ".json", False, False

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def item_type(excerpt: Excerpt) -> str:
    """'webpage' for web pages, 'article' for what a source published, else 'document'."""
    if excerpt.format == "html" or (excerpt.url and not excerpt.source):
        return "webpage"
    return "article" if excerpt.source else "document"


def authors(name: str) -> list[dict]:
    people = []
    for part in (p.strip() for p in name.split(";")):
        if not part:
            continue
        split = split_name(part)
        people.append({"family": split[0], "given": split[1]} if split else {"literal": part})
    return people


def issued(date: str) -> dict | None:
    """{'date-parts': [[y, m, d]]} from a partial ISO date; {'literal': ...} otherwise."""
    date = date.strip()
    if not date:
        return None
    match = _DATE.match(date)
    if not match:
        return {"literal": date}
    return {"date-parts": [[int(part) for part in match.groups() if part]]}


def item(excerpt: Excerpt, key: str) -> dict:
    data: dict = {"id": key, "type": item_type(excerpt),
                  "title": excerpt.title or excerpt.doc}
    if excerpt.author:
        data["author"] = authors(excerpt.author)
    if excerpt.source:
        data["container-title"] = excerpt.source
    date = issued(excerpt.date)
    if date:
        data["issued"] = date
    if excerpt.url:
        data["URL"] = excerpt.url
    if excerpt.lang:
        data["language"] = excerpt.lang
    return data


def items(excerpts: list[Excerpt], tick: Callable[[], None] = lambda: None) -> list[dict]:
    documents = cited_documents(excerpts)
    keys = citation_keys(documents)
    found = []
    for excerpt in documents:
        tick()
        found.append(item(excerpt, keys[excerpt.doc]))
    return found


def render(excerpts: list[Excerpt], options: ExportOptions, texts: Mapping[str, str],
           tick: Callable[[], None]) -> bytes:
    return (json.dumps(items(excerpts, tick), ensure_ascii=False, indent=2) + "\n").encode()
