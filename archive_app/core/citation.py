"""The citation line under every excerpt: `Author. "Title." Source, Date. URL.`

Chicago-like and forgiving: missing parts are left out cleanly (no 'None', no empty
quotes), and the document's path stands in when nothing else identifies it.
"""

from __future__ import annotations

from collections.abc import Mapping


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def format_citation(meta: Mapping[str, str], path: str = "") -> str:
    author = (meta.get("author") or "").strip()
    title = (meta.get("title") or "").strip()
    source = (meta.get("source") or "").strip()
    date = (meta.get("date") or "").strip()
    url = (meta.get("url") or "").strip()
    parts = []
    if author:
        parts.append(_sentence(author))
    if title:
        closing = "" if title.endswith(("?", "!", ".")) else "."
        parts.append(f"\"{title}{closing}\"")
    where = ", ".join(part for part in (source, date) if part)
    if where:
        parts.append(_sentence(where))
    if url:
        parts.append(_sentence(url))
    elif path and not (author or source):
        parts.append(_sentence(path))
    return " ".join(parts) if parts else _sentence(path or "Untitled document")
