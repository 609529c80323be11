"""The Document record every importer produces, and the one text normalisation they share.

Text is normalised exactly once, here: every character offset in the app (hit spans,
page boundaries, annotation anchors) refers to the normalised text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from archive_app.core.metadata import Metadata

_NONCHARACTERS = "\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
_CONTROL = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff{_NONCHARACTERS}]")
"""Removed at the door: C0 controls but tab and newline, DEL, C1 controls (but NEL, a line
break), the BOM and the Unicode noncharacters (U+FFFE, U+FFFF, U+FDD0..U+FDEF, and the
last two of every plane). XML 1.0 forbids most of them, so one stray byte would break
the DOCX and QDPX exports; none of them is text a reader could want."""
_CONTROL_BMP = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff\ufdd0-\ufdef\ufffe\uffff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_SURROGATES = re.compile("[\ud800-\udfff]")
"""Lone surrogates (a lenient decoder, a non-UTF-8 file name) cannot be stored as UTF-8:
each becomes U+FFFD, one character for one, so a reader sees something was there."""
_XML_INVALID = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}]")
_XML_INVALID_BMP = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")


def _strip_controls(text: str) -> str:
    """`_CONTROL.sub("", text)`, 10x faster on long texts: the astral noncharacters make
    `_CONTROL` test every character against 32 literals, so they get their own pass,
    only in a text that has characters beyond the BMP at all (issue 13: throughput)."""
    text = _CONTROL_BMP.sub("", text)
    return _CONTROL.sub("", text) if _ASTRAL.search(text) else text


def normalise_text(text: str) -> str:
    """NFC, '\\n' line endings, no NULs or control characters, no trailing blanks.

    What XML cannot carry is removed (see `_CONTROL`) or, for lone surrogates, replaced;
    bidi controls stay (right-to-left documents need them). Tabs and newlines are kept;
    runs of blank lines shrink to one blank line so that extracted PDFs and HTML read
    like prose.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x85", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = _SURROGATES.sub("\ufffd", _strip_controls(text))
    text = unicodedata.normalize("NFC", text)
    # Not the regex `[ \t]+\n`: it rescans a run of blanks from each of its positions,
    # quadratic (300 KB of spaces took 500 s; issue 13). Per line in C: linear, faster.
    text = "\n".join(line.rstrip(" \t") for line in text.split("\n"))
    text = _MANY_BLANK_LINES.sub("\n\n", text)
    return text.strip()


def normalise_field(value: object) -> str:
    """A metadata value as one clean line ('' for missing), never 'None'.

    The same cleaning as `normalise_text` (titles from file names, sidecars, catalog.csv,
    front matter, PDF info, user edits, imported tags all pass here), on one line.
    """
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = "; ".join(filter(None, map(normalise_field, value)))
    text = _SURROGATES.sub("\ufffd", _strip_controls(str(value)))
    return " ".join(unicodedata.normalize("NFC", text).split())


def xml_safe(text: str) -> str:
    """`text` with every character XML 1.0 (or UTF-8) cannot carry replaced by U+FFFD,
    and a carriage return by a newline (a stray one breaks Markdown and CSV lines).

    One character for one, so offsets into the text stay valid: the exports' last line
    of defence for what entered before the door cleaned it (an older index, a key made
    from a file name). Normalised text passes through unchanged.
    """
    pattern = _XML_INVALID if _ASTRAL.search(text) else _XML_INVALID_BMP  # as _strip_controls
    if not pattern.search(text):
        return text
    return pattern.sub(_xml_replacement, text)


def _xml_replacement(match: re.Match[str]) -> str:
    return "\n" if match.group() == "\r" else "\ufffd"


def content_hash(text: str) -> str:
    """sha256 of the normalised text: detects change and recognises a moved file."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


EMPTY_TEXT_SHA = content_hash("")
"""The hash of no text: documents without text (an unread scan) are not copies of
each other."""


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
    details: dict[str, str] = field(default_factory=dict)
    """What is known of the document beyond METADATA_FIELDS, shown in the reader and
    searchable where the schema has a field: the mail headers (`from`, `to`, `cc`,
    `message_id`, `in_reply_to`, `references`), `ocr` ("yes") with `ocr_confidence`
    (mean word confidence, 0-100) and `ocr_lang`. Keys and values are plain strings."""
    members: list[Member] = field(default_factory=list)
    """The pieces of a container or a message (zip members, mbox messages, attachments),
    each written to a file in `members_dir` for its own importer to read, or skipped
    with a reason. The loader turns them into child documents and deletes the folder."""
    members_dir: str = ""
    ocr_pages: list[int] = field(default_factory=list)
    """0-based pages of a PDF whose text layer is missing or too thin: the loader reads
    them by OCR (ingest/ocr.py) and puts the result in `page_texts`."""


@dataclass
class Member:
    """One piece of a container or a message, as its importer hands it on.

    `key_part` is what the child's key adds to its parent's (a member's path inside the
    container, a message's Message-ID or number, "attachment-2/report.pdf"): stable
    while the container's content is. `path` is a private temporary file holding the
    bytes ('' when the member is skipped); its suffix picks the importer, so a member
    whose name has none gets one from its content type where that is known.
    """

    key_part: str
    place: str
    """How a user reads where it is: "finance/2013/q3.xlsx", "attachment 2: report.pdf",
    "message 3: Re: transfer"; the loader prefixes the parent's own place."""
    path: str = ""
    skip_code: str = ""
    skip_reason: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    """Metadata the container itself gives the member (e.g. a zip entry's date)."""


@dataclass
class Document(Metadata):
    """One indexed document: identity, metadata and the normalised text offsets refer to."""

    key: str
    path: str
    text: str
    page_starts: list[int] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    sha256: str = ""
    file_key: str = ""
    """The key of the file on disk this document was read from: its own key for a file,
    the container's for a member or an attachment ('' means the document's own key)."""
    parent: str = ""
    """The key of the document it lies in (a zip, a message); '' for a file."""
    place: str = ""
    """Where it lies, for a user: "leak.zip › finance/2013/q3.xlsx"; '' for a file."""
    details: dict[str, str] = field(default_factory=dict)
    """See Extracted.details."""
    children: list[Document] = field(default_factory=list)
    """Documents read from its members (not stored; the indexer flattens `family()`)."""
    skipped_members: list[tuple[str, str, str]] = field(default_factory=list)
    """(place, code, reason) of each member that was not read."""

    @property
    def source_file_key(self) -> str:
        return self.file_key or self.key

    def family(self) -> list[Document]:
        """This document and every document read from its members, parents first."""
        found, todo = [], [self]
        while todo:
            document = todo.pop()
            found.append(document)
            todo.extend(reversed(document.children))
        return found


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
