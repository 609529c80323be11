"""BibTeX: one @article or @misc entry per cited document, special characters escaped."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from archive_app.core.export.common import citation_keys, cited_documents, split_name
from archive_app.core.export.model import Excerpt, ExportOptions

LABEL, SUFFIX, BINARY, NEEDS_TEXTS = "Sources as BibTeX", ".bib", False, False

_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&",
            "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
            "^": r"\textasciicircum{}"}
_SPECIAL_RE = re.compile("|".join(re.escape(char) for char in _SPECIAL))
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def escape(text: str) -> str:
    """Escape BibTeX/LaTeX special characters (in one pass, so nothing is escaped twice)."""
    return _SPECIAL_RE.sub(lambda match: _SPECIAL[match.group()], " ".join(text.split()))


def escape_url(url: str) -> str:
    """URLs are verbatim fields: only braces (which would unbalance the entry) are encoded."""
    return url.strip().replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")


def author_field(name: str) -> str:
    people = []
    for part in (p.strip() for p in name.split(";")):
        if not part:
            continue
        split = split_name(part)
        people.append(f"{escape(split[0])}, {escape(split[1])}" if split
                      else "{" + escape(part) + "}")
    return " and ".join(people)


def fields(excerpt: Excerpt) -> list[tuple[str, str]]:
    found = []
    if excerpt.author:
        found.append(("author", author_field(excerpt.author)))
    found.append(("title", "{" + escape(excerpt.title or excerpt.doc) + "}"))
    if excerpt.source:
        found.append(("journal", escape(excerpt.source)))
    date = excerpt.date.strip()
    if date[:4].isdigit():
        found.append(("year", date[:4]))
        if len(date) >= 7 and date[5:7].isdigit() and 1 <= int(date[5:7]) <= 12:
            found.append(("month", _MONTHS[int(date[5:7]) - 1]))
    if excerpt.url:
        found.append(("url", escape_url(excerpt.url)))
    if excerpt.lang:
        found.append(("language", escape(excerpt.lang)))
    return found


def entry(excerpt: Excerpt, key: str) -> str:
    kind = "article" if excerpt.source else "misc"
    lines = []
    for name, value in fields(excerpt):
        lines.append(f"  {name} = {value}," if name == "month" else f"  {name} = {{{value}}},")
    return f"@{kind}{{{key},\n" + "\n".join(lines) + "\n}\n"


def render(excerpts: list[Excerpt], options: ExportOptions, texts: Mapping[str, str],
           tick: Callable[[], None]) -> bytes:
    documents = cited_documents(excerpts)
    keys = citation_keys(documents)
    entries = []
    for excerpt in documents:
        tick()
        entries.append(entry(excerpt, keys[excerpt.doc]))
    return "\n".join(entries).encode("utf-8")
