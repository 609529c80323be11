"""What the mail importers (eml, mbox, msg, pst) share: headers that are cut before they
are parsed, cleaned at the door, and the keys, places and listings of messages.

The stdlib's header parser (policy.default) is quadratic in a header's length: a From
of 60 KB of commas took 11.6 s, a Subject of 280 KB of encoded words 5.5 GB. Its
splitting of a message is linear, and a header is parsed only when it is read, so every
header is cut to MAX_HEADER_CHARS before it is parsed (`BoundedPolicy`): then one costs
at most ~0.1 s. Every value handed on (title, author, details, places) is one clean line
(`clean`: no control characters, bidi controls kept) of at most MAX_HEADER_CHARS.
"""

from __future__ import annotations

import mimetypes
import re
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import EmailPolicy
from pathlib import PurePosixPath

from archive_app.core.ingest.documents import normalise_field
from archive_app.core.text.dates import normalise_date

MAX_HEADER_CHARS = 2000
"""Of a header's value (folded lines included); twice the RFC 5322 line limit."""
MAX_HEADER_BLOCK_BYTES = 256 * 1024
"""Of a message's header block read for a listing (mbox, pst); the rest is ignored."""
MAX_SUBJECT_IN_PLACE = 80
MAX_NAME_CHARS = 120
"""Of an attachment's file name in a key or a place (its suffix is kept)."""
MAX_KEY_CHARS = 200
DETAIL_HEADERS = (("from", "from"), ("to", "to"), ("cc", "cc"),
                  ("message_id", "message-id"), ("in_reply_to", "in-reply-to"),
                  ("references", "references"))
"""details key -> header name; Extracted.details documents the keys."""
ADDRESS_HEADERS = frozenset({"from", "to", "cc", "bcc", "sender", "reply-to"})
_ID_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f-\x9f\s]+")
_SPECIALS = re.compile(r'[,;<>"]')
_NAME_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f-\x9f]+")
_EXTENSIONS = {
    "message/rfc822": ".eml", "message/global": ".eml", "text/plain": ".txt",
    "text/calendar": ".ics", "text/csv": ".csv", "application/rtf": ".rtf",
    "text/rtf": ".rtf", "application/msword": ".doc", "application/vnd.ms-excel": ".xls",
    "application/zip": ".zip", "application/x-7z-compressed": ".7z",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
    "application/vnd.ms-outlook": ".msg", "image/jpeg": ".jpg", "image/tiff": ".tif",
}
"""Suffixes for attachments that have no file name: ours first, then Python's built-in
table (`_MIME`, never the machine's mime.types, so a generated name and the key made
from it are the same on every machine)."""
_MIME = mimetypes.MimeTypes()


class BoundedPolicy(EmailPolicy):
    """policy.default, except that a header's raw value is cut before it is parsed."""

    def header_fetch_parse(self, name, value):
        if isinstance(value, str) and len(value) > MAX_HEADER_CHARS:
            value = value[:MAX_HEADER_CHARS]
        return super().header_fetch_parse(name, value)


POLICY = BoundedPolicy()
WRITE_POLICY = POLICY.clone(refold_source="none")
"""For writing a message back out (a forwarded message/rfc822 attachment): headers are
copied as they came, never re-parsed to be refolded (the quadratic parse again)."""


def clean(value: object, limit: int = MAX_HEADER_CHARS) -> str:
    """One clean line of at most `limit` characters, ending in '…' where it was cut."""
    text = normalise_field(value)
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def header(message: EmailMessage, name: str) -> str:
    """A header as one clean line; a malformed one gives '' rather than failing."""
    try:
        value = message[name]
    except Exception:  # the email package raises many kinds on broken headers
        return ""
    return "" if value is None else clean(str(value))


def format_address(name: str, address: str) -> str:
    """"Name <addr>", or the one of the two that is there; a name holding a comma (or
    another list or address sign) in quotes, so that a list of them still reads."""
    name, address = clean(name), clean(address)
    if _SPECIALS.search(name):
        name = '"' + name.replace("\\", "").replace('"', "'") + '"'
    if name and address and name.strip('"') != address:
        return clean(f"{name} <{address}>")
    return name or address


def addresses(message: EmailMessage, name: str) -> str:
    """An address header as "Name <addr>, Name <addr>"; its plain text when the parser
    found no addresses in it (a broken header still shows what it said)."""
    try:
        value = message[name]
        found = getattr(value, "addresses", ()) if value is not None else ()
        if not found:
            return "" if value is None else clean(str(value))
        return clean(", ".join(filter(None, (format_address(item.display_name, item.addr_spec)
                                             for item in found))))
    except Exception:  # as in `header`
        return ""


def details(message: EmailMessage) -> dict[str, str]:
    """The mail headers kept beside the metadata (Extracted.details); empty ones left out."""
    found = {}
    for key, name in DETAIL_HEADERS:
        value = addresses(message, name) if name in ADDRESS_HEADERS else header(message, name)
        if value:
            found[key] = value
    return found


def metadata(message: EmailMessage) -> dict[str, str]:
    """title = Subject, author = From, date = Date (the loader reads the date)."""
    return {"title": header(message, "subject"), "author": addresses(message, "from"),
            "date": header(message, "date")}


def parse_header_block(data: bytes) -> EmailMessage:
    """Only the headers of a message (its first bytes), parsed under the bounded policy."""
    return BytesHeaderParser(policy=POLICY).parsebytes(data[:MAX_HEADER_BLOCK_BYTES])


def message_key(message_id: str) -> str:
    """A Message-ID as a key part: no angle brackets, '/', spaces or control characters
    (a key's parts are separated by '/'); '' when nothing is left."""
    text = clean(message_id).strip().strip("<>").strip()
    return _ID_UNSAFE.sub("_", text)[:MAX_KEY_CHARS].strip("._")


def unique_keys(ids: list[str], fallback: str = "message") -> list[str]:
    """Each message's key part: its cleaned Message-ID where that is unique among `ids`,
    else f"{fallback}-{n}" (n from 1), so that two copies of one message, or messages
    without an ID, still get keys that differ and stay the same on every reading."""
    keys = [message_key(value) for value in ids]
    counts: dict[str, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    numbered = re.compile(rf"{re.escape(fallback)}-\d+")
    return [key if key and counts[key] == 1 and not numbered.fullmatch(key)
            else f"{fallback}-{n}" for n, key in enumerate(keys, 1)]


def place_subject(subject: str) -> str:
    return clean(subject, MAX_SUBJECT_IN_PLACE) or "(no subject)"


def listing_line(date: str, sender: str, subject: str) -> str:
    """One message in a mailbox's own text: "2015-02-03 — Jane <j@x> — Subject"."""
    return " — ".join((normalise_date(date) or "(no date)",
                       clean(sender, MAX_SUBJECT_IN_PLACE) or "(no sender)",
                       place_subject(subject)))


def listing(kind: str, count: int, lines: list[str], notes: list[str]) -> str:
    """A mailbox's own text: "Mailbox: 3 messages", one line per message, then notes."""
    head = f"{kind}: {count} message" + ("" if count == 1 else "s")
    return "\n".join([head, "", *lines, *([""] + notes if notes else [])])


def safe_name(name: str) -> str:
    """An attachment's own name as one line without folders, cut to MAX_NAME_CHARS
    (keeping its suffix); '' when nothing is left."""
    base = PurePosixPath(clean(name).replace("\\", "/")).name.strip()
    if base in (".", ".."):
        return ""
    if len(base) > MAX_NAME_CHARS:
        suffix = PurePosixPath(base).suffix[:12]
        base = base[:MAX_NAME_CHARS - len(suffix)] + suffix
    return base


def extension_for(content_type: str) -> str:
    """A suffix for an attachment that has no name, from its content type ('' if none)."""
    content_type = content_type.lower().strip()
    return _EXTENSIONS.get(content_type) or _MIME.guess_extension(content_type,
                                                                  strict=False) or ""


def key_name(name: str) -> str:
    """A name as it may stand in a key part: no '/', no control characters."""
    return _NAME_UNSAFE.sub("_", name).strip() or "unnamed"


def attachment_identity(number: int, name: str) -> tuple[str, str]:
    """An attachment's key part and place: "attachment-2/report.pdf", "attachment 2:
    report.pdf" (the same for .eml and .msg, so keys agree across formats)."""
    return f"attachment-{number}/{key_name(name)}", f"attachment {number}: {name}"
