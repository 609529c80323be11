"""CSL-JSON: one item per cited document, for reference managers (Zotero, Pandoc...)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping

from archive_app.core.export.author_names import parse_authors
from archive_app.core.export.common import citation_keys, cited_documents, page_range
from archive_app.core.export.kinds import csl_type
from archive_app.core.export.model import Excerpt, ExportOptions

LABEL, SUFFIX, BINARY, NEEDS_TEXTS = "Sources as CSL-JSON", ".json", False, False

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
CONTAINED = ("article-journal", "article-magazine", "article-newspaper", "chapter",
             "entry-dictionary", "entry-encyclopedia", "paper-conference", "post",
             "post-weblog", "webpage")
"""Types whose source is the work they appear in (container-title); for every other
type the source is who published it (publisher): a UN report is not 'In United Nations'."""


def authors(name: str) -> list[dict]:
    """CSL names: persons as family/given, organisations as one literal."""
    return [{"family": n.family, "given": n.given} if n.is_person else {"literal": n.literal}
            for n in parse_authors(name)]


def issued(date: str) -> dict | None:
    """{'date-parts': [[y, m, d]]} from a partial ISO date; {'literal': ...} otherwise."""
    date = date.strip()
    if not date:
        return None
    match = _DATE.match(date)
    if not match:
        return {"literal": date}
    return {"date-parts": [[int(part) for part in match.groups() if part]]}


def item(excerpt: Excerpt, key: str, pages: str = "") -> dict:
    """The CSL item of a document; `pages` are the pages its excerpts are on."""
    kind = csl_type(excerpt)
    data: dict = {"id": key, "type": kind, "title": excerpt.title or excerpt.doc}
    if excerpt.author:
        data["author"] = authors(excerpt.author)
    if excerpt.source:
        data["container-title" if kind in CONTAINED else "publisher"] = excerpt.source
    date = issued(excerpt.date)
    if date:
        data["issued"] = date
    if pages:
        data["page"] = pages
    if excerpt.url:
        data["URL"] = excerpt.url
    if excerpt.accessed and (excerpt.url or kind == "webpage"):
        data["accessed"] = issued(excerpt.accessed)
    if excerpt.lang:
        data["language"] = excerpt.lang
    return data


def cited_pages(excerpts: list[Excerpt]) -> dict[str, str]:
    """Document key -> the pages its excerpts are on, e.g. '3, 12–13'."""
    found: dict[str, list[tuple[int, int]]] = {}
    for excerpt in excerpts:
        if excerpt.pages:
            found.setdefault(excerpt.doc, []).append(excerpt.pages)
    return {doc: ", ".join(page_range(span) for span in merged(spans))
            for doc, spans in found.items()}


def merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Page ranges in order, overlapping or adjacent ones joined: (2, 2), (2, 3) → (2, 3)."""
    out: list[tuple[int, int]] = []
    for first, last in sorted(spans):
        if out and first <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return out


def items(excerpts: list[Excerpt], tick: Callable[[], None] = lambda: None) -> list[dict]:
    documents = cited_documents(excerpts)
    keys = citation_keys(documents)
    pages = cited_pages(excerpts)
    found = []
    for excerpt in documents:
        tick()
        found.append(item(excerpt, keys[excerpt.doc], pages.get(excerpt.doc, "")))
    return found


def render(excerpts: list[Excerpt], options: ExportOptions, texts: Mapping[str, str],
           tick: Callable[[], None]) -> bytes:
    return (json.dumps(items(excerpts, tick), ensure_ascii=False, indent=2) + "\n").encode()
