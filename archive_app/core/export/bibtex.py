"""BibTeX: one entry per cited document, of a type whose required fields it has.

@article (a journal or newspaper source), @techreport (a report with its institution),
@book, or @misc, which requires nothing: an entry never lacks a field its type needs.
Dates keep their day for biblatex (`date`) and give `year`/`month` for BibTeX styles;
`pages` are the PDF pages the excerpts are on; `urldate` the day a web page was saved.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from archive_app.core.export.author_names import parse_authors
from archive_app.core.export.common import citation_keys, cited_documents
from archive_app.core.export.csl import cited_pages
from archive_app.core.export.kinds import bibtex_type
from archive_app.core.export.model import Excerpt, ExportOptions

LABEL, SUFFIX, BINARY, NEEDS_TEXTS = "Sources as BibTeX", ".bib", False, False

_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&",
            "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
            "^": r"\textasciicircum{}"}
_SPECIAL_RE = re.compile("|".join(re.escape(char) for char in _SPECIAL))
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def escape(text: str) -> str:
    """Escape BibTeX/LaTeX special characters (in one pass, so nothing is escaped twice).

    BibTeX counts braces even after a backslash, so `\\{` keeps an entry whole only when
    it has its `\\}`: a brace without a partner becomes \\textbraceleft{} or
    \\textbraceright{} (a source named '}0' would otherwise end its field early).
    """
    text = " ".join(text.split())
    lone = _unpaired_braces(text)

    def special(match: re.Match[str]) -> str:
        char = match.group()
        if match.start() in lone:
            return r"\textbraceleft{}" if char == "{" else r"\textbraceright{}"
        return _SPECIAL[char]

    return _SPECIAL_RE.sub(special, text)


def _unpaired_braces(text: str) -> set[int]:
    """Positions of the braces that close nothing or are never closed."""
    opened: list[int] = []
    lone: set[int] = set()
    for index, char in enumerate(text):
        if char == "{":
            opened.append(index)
        elif char == "}":
            if opened:
                opened.pop()
            else:
                lone.add(index)
    return lone | set(opened)


def escape_url(url: str) -> str:
    """URLs are verbatim fields: only braces (which would unbalance the entry) are encoded."""
    return url.strip().replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")


def author_field(name: str) -> str:
    """'Doe, Jane and Smith, John'; an organisation in braces, so BibTeX keeps it whole."""
    people = [f"{escape(n.family)}, {escape(n.given)}" if n.is_person
              else "{" + escape(n.literal) + "}" for n in parse_authors(name)]
    return " and ".join(people)


_SOURCE_FIELD = {"article": "journal", "techreport": "institution", "book": "publisher",
                 "misc": "howpublished"}
_ISO_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


def fields(excerpt: Excerpt, kind: str = "misc", pages: str = "") -> list[tuple[str, str]]:
    found = []
    if excerpt.author:
        found.append(("author", author_field(excerpt.author)))
    found.append(("title", "{" + escape(excerpt.title or excerpt.doc) + "}"))
    if excerpt.source:
        found.append((_SOURCE_FIELD[kind], escape(excerpt.source)))
    date = excerpt.date.strip()
    if _number(date[:4]):  # ASCII digits: '²'.isdigit() is true, int('²') fails
        found.append(("year", date[:4]))
        if len(date) >= 7 and _number(date[5:7]) and 1 <= int(date[5:7]) <= 12:
            found.append(("month", _MONTHS[int(date[5:7]) - 1]))
        if _ISO_DATE.match(date):
            found.append(("date", date))
    if pages:
        found.append(("pages", pages.replace("–", "--")))
    if excerpt.url:
        found.append(("url", escape_url(excerpt.url)))
        if excerpt.accessed:
            found.append(("urldate", excerpt.accessed))
    if excerpt.lang:
        found.append(("language", escape(excerpt.lang)))
    return found


def _number(text: str) -> bool:
    return text.isascii() and text.isdigit()


def entry(excerpt: Excerpt, key: str, pages: str = "") -> str:
    kind = bibtex_type(excerpt)
    lines = []
    for name, value in fields(excerpt, kind, pages):
        lines.append(f"  {name} = {value}," if name == "month" else f"  {name} = {{{value}}},")
    return f"@{kind}{{{key},\n" + "\n".join(lines) + "\n}\n"


def render(excerpts: list[Excerpt], options: ExportOptions, texts: Mapping[str, str],
           tick: Callable[[], None]) -> bytes:
    documents = cited_documents(excerpts)
    keys = citation_keys(documents)
    pages = cited_pages(excerpts)
    entries = []
    for excerpt in documents:
        tick()
        entries.append(entry(excerpt, keys[excerpt.doc], pages.get(excerpt.doc, "")))
    return "\n".join(entries).encode("utf-8")
