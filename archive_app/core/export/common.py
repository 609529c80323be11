"""Small text helpers the format modules share: direction, context, labels, citation keys."""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import UTC, datetime

from archive_app.core.export.model import Excerpt, ExportOptions

NAMESPACE = uuid.UUID("6f1d3c1e-5b7a-4d0b-9a3e-2c4f8e9a7b10")
"""Namespace of the deterministic uuid5 identifiers an export invents."""


def stable_uuid(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(str(part) for part in parts)))


def excerpt_uuid(excerpt: Excerpt) -> str:
    """The annotation's uuid, or a stable one made of document and offsets for a search hit."""
    return excerpt.annotation_uuid or stable_uuid(excerpt.doc, excerpt.start, excerpt.end)


def is_rtl(text: str) -> bool:
    """True when the first strong character is right-to-left (Arabic, Hebrew, ...)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def shown_context(excerpt: Excerpt, options: ExportOptions) -> tuple[str, str]:
    """The context to show before and after the quote (at most `context_chars` each, white
    space squeezed, '…' where it was cut), ready to be put right next to the quote."""
    limit = options.context_chars
    if limit <= 0:
        return "", ""
    before, after = excerpt.context_before[-limit:], excerpt.context_after[:limit]
    before = _squeeze(before).lstrip()
    after = _squeeze(after).rstrip()
    if before and excerpt.start > len(excerpt.context_before[-limit:]):
        before = "…" + before
    if after and len(excerpt.context_after) >= limit:
        after += "…"
    return before, after


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def tags_text(excerpt: Excerpt) -> str:
    return ", ".join(excerpt.tags)


def note_shown(excerpt: Excerpt, options: ExportOptions) -> str:
    return excerpt.note.strip() if options.include_notes else ""


def timestamp(options: ExportOptions) -> str:
    return options.timestamp or datetime.now(UTC).isoformat(timespec="seconds")


def cited_documents(excerpts: list[Excerpt]) -> list[Excerpt]:
    """The first excerpt of each document, in order of first appearance."""
    seen: dict[str, Excerpt] = {}
    for excerpt in excerpts:
        seen.setdefault(excerpt.doc, excerpt)
    return list(seen.values())


def ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def split_name(name: str) -> tuple[str, str] | None:
    """('Doe', 'Jane') for 'Jane Doe' or 'Doe, Jane'; None when the name is not that simple."""
    name = " ".join(name.split())
    if name.count(",") == 1:
        family, given = (part.strip() for part in name.split(","))
    else:
        words = name.split(" ")
        if len(words) != 2:
            return None
        given, family = words
    if not (_is_name_word(family) and all(_is_name_word(w) for w in given.split(" "))):
        return None
    return family, given


def _is_name_word(word: str) -> bool:
    return bool(re.fullmatch(r"[^\W\d_][\w.'\-]*", word)) and word[0].isupper()


def citation_keys(documents: list[Excerpt]) -> dict[str, str]:
    """Unique keys like 'doe2013camp' (author, year, first title word), one per document."""
    keys: dict[str, str] = {}
    used: set[str] = set()
    for excerpt in documents:
        base = _key_base(excerpt)
        key, suffix = base, 0
        while key in used:
            suffix += 1
            key = base + _letters(suffix)
        used.add(key)
        keys[excerpt.doc] = key
    return keys


def _letters(number: int) -> str:
    out = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def _key_base(excerpt: Excerpt) -> str:
    split = split_name(excerpt.author) if excerpt.author else None
    who = ascii_word(split[0] if split else (excerpt.author.split() or [""])[0])
    year = excerpt.date[:4] if excerpt.date[:4].isdigit() else ""
    words = [ascii_word(w) for w in excerpt.title.split()]
    what = next((w for w in words if len(w) > 3), next((w for w in words if w), ""))
    what = what or ascii_word(excerpt.doc.rsplit("/", 1)[-1].split(".")[0])[:16]
    return (who + year + what) or "doc"
