"""The citation line under every excerpt, in one of a few styles.

The default ('short') is the app's own, Chicago-like and forgiving:
`Author. "Title." Source, Date, p. 12. URL. Accessed 2024-01-02.` Missing parts are left
out cleanly (no 'None', no empty quotes), and the document's path stands in when nothing
else identifies it. 'apa', 'chicago' (author-date) and 'harvard' follow those styles'
reference lists closely enough for a reader, in plain text (no italics); a reference
manager given the CSL-JSON or BibTeX export formats them exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from archive_app.core.export.author_names import Name, initials, parse_authors

STYLES = {"short": "Short (Author. \"Title.\" Source, Date.)", "apa": "APA (7th edition)",
          "chicago": "Chicago (author-date)", "harvard": "Harvard (Cite Them Right)"}
"""Style name (CLI --style, the export dialog) -> what the user is shown."""

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
_ENDS = (".", "?", "!", "…")
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith(_ENDS) else text + "."


def _parts(date: str) -> tuple[str, str, str]:
    """('2013', 'September', '1') from '2013-09-01'; ('', '', '') when not ISO."""
    match = _ISO.match(date.strip())
    if not match:
        return "", "", ""
    year, month, day = match.groups()
    month_name = MONTHS[int(month) - 1] if month and 1 <= int(month) <= 12 else ""
    return year, month_name, str(int(day)) if day and month_name else ""


def pages_text(pages: str) -> str:
    """'p. 12' or 'pp. 12–13' for a page range such as '12' or '12–13'."""
    if not pages:
        return ""
    return ("pp. " if re.search(r"[–,-]", pages) else "p. ") + pages


def format_citation(meta: Mapping[str, str], path: str = "", style: str = "short") -> str:
    """The citation of a document from its metadata: author, title, source, date, url,
    and for an excerpt `pages` ('12', '12–13') and `accessed` (YYYY-MM-DD, web pages)."""
    values = {name: (meta.get(name) or "").strip() for name in
              ("author", "title", "source", "date", "url", "pages", "accessed")}
    writer = _WRITERS.get(style)
    if writer is None:
        raise ValueError(f"unknown citation style '{style}' (one of {', '.join(STYLES)})")
    return writer(values, path)


def _short(v: Mapping[str, str], path: str) -> str:
    parts = []
    if v["author"]:
        parts.append(_sentence(v["author"]))
    if v["title"]:
        closing = "" if v["title"].endswith(_ENDS) else "."
        parts.append(f"\"{v['title']}{closing}\"")
    where = ", ".join(part for part in (v["source"], v["date"], pages_text(v["pages"])) if part)
    if where:
        parts.append(_sentence(where))
    if v["url"]:
        parts.append(_sentence(v["url"]))
        if v["accessed"]:
            parts.append(f"Accessed {v['accessed']}.")
    elif path and not (v["author"] or v["source"]):
        parts.append(_sentence(path))
    return " ".join(parts) if parts else _sentence(path or "Untitled document")


def _joined(names: list[str], last: str, serial: bool = True) -> str:
    """'A, B, and C'; with two names 'A, and B' when `serial` (APA's '&' and Chicago's
    inverted first name want the comma), else 'A and B' (Harvard)."""
    if len(names) <= 1:
        return "".join(names)
    comma = serial or len(names) > 2
    return ", ".join(names[:-1]) + ("," if comma else "") + f" {last} {names[-1]}"


def _apa_name(name: Name) -> str:
    return f"{name.family}, {initials(name.given)}" if name.is_person else name.literal


def _chicago_name(name: Name, first: bool) -> str:
    if not name.is_person:
        return name.literal
    return f"{name.family}, {name.given}" if first else f"{name.given} {name.family}"


def _apa(v: Mapping[str, str], path: str) -> str:
    names = [_apa_name(n) for n in parse_authors(v["author"])]
    year, month, day = _parts(v["date"])
    when = ", ".join(p for p in (year, " ".join(x for x in (month, day) if x)) if p)
    when = f"({when or v['date'] or 'n.d.'})."
    title = _sentence(v["title"] or path or "Untitled document")
    head = [_sentence(_joined(names, "&")), when, title] if names else [title, when]
    tail = [_sentence(x) for x in (v["source"], pages_text(v["pages"])) if x]
    if v["url"]:
        y, m, d = _parts(v["accessed"])
        tail.append(f"Retrieved {m} {d}, {y}, from {v['url']}" if y and d else v["url"])
    return " ".join(head + tail)


def _chicago(v: Mapping[str, str], path: str) -> str:
    people = parse_authors(v["author"])
    names = [_chicago_name(n, i == 0) for i, n in enumerate(people)]
    year = _parts(v["date"])[0] or v["date"] or "n.d."
    title = v["title"] or path or "Untitled document"
    closing = "" if title.endswith(_ENDS) else "."
    head = ([_sentence(_joined(names, "and")), _sentence(year), f"\u201c{title}{closing}\u201d"]
            if names else [f"\u201c{title}{closing}\u201d", _sentence(year)])
    tail = [_sentence(x) for x in (v["source"], pages_text(v["pages"])) if x]
    y, m, d = _parts(v["accessed"])
    if v["url"] and y and d:
        tail.append(f"Accessed {m} {d}, {y}.")
    if v["url"]:
        tail.append(_sentence(v["url"]))
    return " ".join(head + tail)


def _harvard(v: Mapping[str, str], path: str) -> str:
    names = [_apa_name(n) for n in parse_authors(v["author"])]
    year = _parts(v["date"])[0] or v["date"] or "no date"
    title = v["title"] or path or "Untitled document"
    head = (f"{_joined(names, 'and', serial=False)} ({year}) {_sentence(title)}" if names
            else f"{_sentence(title)} ({year})")
    where = ", ".join(x for x in (v["source"], pages_text(v["pages"])) if x)
    parts = [head] + ([_sentence(where)] if where else [])
    if v["url"]:
        y, m, d = _parts(v["accessed"])
        seen = f" (Accessed: {d} {m} {y})" if y and d else ""
        parts.append(f"Available at: {v['url']}{seen}.")
    return " ".join(parts)


_WRITERS: dict[str, Callable[[Mapping[str, str], str], str]] = {
    "short": _short, "apa": _apa, "chicago": _chicago, "harvard": _harvard}
