"""Small text helpers the format modules share: direction, context, labels, citation keys."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import fields, replace
from datetime import UTC, datetime

from archive_app.core.export.author_names import family_of_first
from archive_app.core.export.citation import format_citation
from archive_app.core.export.model import Excerpt, ExportOptions
from archive_app.core.ingest.documents import xml_safe

HASHED_NAME = re.compile(r"(?=.*\d)(?=.*[a-f])[0-9a-f_\-]*[0-9a-f]{12,}[0-9a-f_\-]*", re.I)
"""A file name made of a hash ('000_2b7d332fd8f61003'): not something to cite by."""

UUID_SHAPE = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
"""A uuid as text: the GUID REFI-QDA requires, the urn:uuid a W3C id is written as."""

NAMESPACE = uuid.UUID("6f1d3c1e-5b7a-4d0b-9a3e-2c4f8e9a7b10")
"""Namespace of the deterministic uuid5 identifiers an export invents."""


def stable_uuid(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(str(part) for part in parts)))


def _safe_value(value: object) -> object:
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, list):
        return [_safe_value(item) for item in value]
    return value


def safe_inputs(excerpts: list[Excerpt], options: ExportOptions, texts: Mapping[str, str]
                ) -> tuple[list[Excerpt], ExportOptions, dict[str, str]]:
    """Excerpts, options and texts with nothing an export format cannot carry.

    Fields are cleaned where they enter the archive; this is the last line of defence
    (an index made before that, a key from a non-UTF-8 file name, a note typed with a
    control character), so every format is valid whatever the input. Characters are
    replaced one for one, so offsets into the texts still hold.
    """
    cleaned = [replace(excerpt, **{f.name: _safe_value(getattr(excerpt, f.name))
                                   for f in fields(excerpt)}) for excerpt in excerpts]
    options = replace(options, title=xml_safe(options.title), user=xml_safe(options.user),
                      tag_colors={xml_safe(k): xml_safe(v) for k, v in options.tag_colors.items()})
    return cleaned, options, {xml_safe(key): xml_safe(text) for key, text in texts.items()}


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
    """The context to show before and after the quote: the whole words that fit in
    `context_chars` each (a word the limit would cut is left out), white space squeezed,
    '…' where the text goes on; ready to be put right next to the quote."""
    limit = options.context_chars
    if limit <= 0:
        return "", ""
    before = _whole_words_before(excerpt.context_before, limit)
    after = _whole_words_after(excerpt.context_after, limit)
    more_before = excerpt.start > len(before)
    more_after = len(excerpt.context_after) > len(after)
    before, after = _squeeze(before).lstrip(), _squeeze(after).rstrip()
    if before and more_before:
        before = "…" + before
    if after and more_after:
        after += "…"
    return before, after


def _whole_words_before(text: str, limit: int) -> str:
    """The last `limit` characters of `text` less the word the cut goes through (text
    written without spaces, such as Chinese, is cut between characters)."""
    piece = text[-limit:]
    if len(text) > limit and not text[-limit - 1].isspace():
        space = re.search(r"\s", piece)
        piece = piece[space.start():] if space else piece
    return piece


def _whole_words_after(text: str, limit: int) -> str:
    piece = text[:limit]
    if len(text) > limit and not text[limit].isspace():
        spaces = [m.start() for m in re.finditer(r"\s", piece)]
        piece = piece[:spaces[-1]] if spaces else piece
    return piece


def page_range(pages: tuple[int, int]) -> str:
    """'12' or '12–13' (an en dash, as styles print a range)."""
    first, last = pages
    return str(first) if first == last else f"{first}–{last}"


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
    who = ascii_word(family_of_first(excerpt.author))
    year = excerpt.date[:4] if excerpt.date[:4].isdigit() else ""
    words = [ascii_word(w) for w in excerpt.title.split()]
    what = next((w for w in words if len(w) > 3), next((w for w in words if w), ""))
    what = what or ascii_word(excerpt.doc.rsplit("/", 1)[-1].split(".")[0])[:16]
    return (who + year + what) or "doc"


def cite(excerpt: Excerpt, style: str = "short") -> str:
    """The excerpt's citation line in `style`, with its pages and access date; the key
    stands in for a path only when the title is the file's own (readable) name."""
    meta = {"author": excerpt.author, "title": excerpt.title, "source": excerpt.source,
            "date": excerpt.date, "url": excerpt.url, "accessed": excerpt.accessed,
            "pages": page_range(excerpt.pages) if excerpt.pages else ""}
    stem = excerpt.doc.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    path = "" if HASHED_NAME.fullmatch(stem) and excerpt.title else excerpt.doc
    return format_citation(meta, path, style)


def styled(excerpts: list[Excerpt], options: ExportOptions) -> list[Excerpt]:
    """The excerpts with their citation lines in the chosen style (gathering wrote the
    default one)."""
    if options.style == "short":
        return excerpts
    return [replace(excerpt, citation=cite(excerpt, options.style)) for excerpt in excerpts]
