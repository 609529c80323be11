"""The Document record every importer produces, and the one text normalisation they share.

Text is normalised exactly once, here: every character offset in the app (hit spans,
page boundaries, annotation anchors) refers to the normalised text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

METADATA_FIELDS = ("title", "author", "source", "date", "url", "lang")
"""Metadata a sidecar, the catalog or the user can set; anything else comes from the file."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff]")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")


def normalise_text(text: str) -> str:
    """NFC, '\\n' line endings, no NULs or control characters, no trailing blanks.

    Tabs and newlines are kept; runs of blank lines shrink to one blank line so that
    extracted PDFs and HTML read like prose.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = _CONTROL.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = _TRAILING_SPACE.sub("\n", text)
    text = _MANY_BLANK_LINES.sub("\n\n", text)
    return text.strip()


def normalise_field(value: object) -> str:
    """A metadata value as one clean line ('' for missing), never 'None'."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = "; ".join(normalise_field(v) for v in value if normalise_field(v))
    text = unicodedata.normalize("NFC", str(value))
    return " ".join(_CONTROL.sub("", text).split())


def content_hash(text: str) -> str:
    """sha256 of the normalised text: detects change and recognises a moved file."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Extracted:
    """What an importer returns: raw text plus whatever metadata the file itself carries.

    `page_texts` (PDF) holds each page's raw text; the loader joins them with `join_pages`
    so that page boundaries become offsets into the normalised text.
    """

    text: str
    metadata: dict[str, str] = field(default_factory=dict)
    page_texts: list[str] | None = None
    attachments: list[str] = field(default_factory=list)


@dataclass
class Document:
    """One indexed document: identity, metadata and the normalised text offsets refer to."""

    key: str
    path: str
    format: str
    text: str
    title: str = ""
    author: str = ""
    source: str = ""
    date: str = ""
    url: str = ""
    lang: str = ""
    page_starts: list[int] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    sha256: str = ""

    @property
    def year(self) -> str:
        return self.date[:4] if len(self.date) >= 4 else ""

    def metadata(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in METADATA_FIELDS}


def join_pages(page_texts: list[str]) -> tuple[str, list[int]]:
    """Normalise each page and join them, returning the text and each page's start offset."""
    parts: list[str] = []
    starts: list[int] = []
    offset = 0
    for page in page_texts:
        page = normalise_text(page)
        if parts:
            offset += 2  # the "\n\n" separator
        starts.append(offset)
        parts.append(page)
        offset += len(page)
    return "\n\n".join(parts), starts
