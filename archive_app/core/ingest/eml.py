"""E-mail importer (.eml): subject, sender, date, the readable body and attachment names.

The stdlib's header parser (policy.default) is quadratic in a header's length: a From
of 60 KB of commas took 11.6 s, a Subject of 280 KB of encoded words 5.5 GB. Its
splitting of the message is linear, and a header is parsed only when it is read, so
every header is cut to MAX_HEADER_CHARS before it is parsed (`_BoundedPolicy`): then
one costs at most ~0.1 s, and a message with more than MAX_PARTS parts (each parsed
for its type) is refused.
"""

from __future__ import annotations

import email
import itertools
from email.message import EmailMessage
from email.policy import EmailPolicy
from pathlib import Path

from archive_app.core.documents import Extracted
from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import limits
from archive_app.core.ingest.html import html_to_text

MAX_HEADER_CHARS = 2000
"""Of a header's value (folded lines included); twice the RFC 5322 line limit."""
MAX_PARTS = 500


class _BoundedPolicy(EmailPolicy):
    """policy.default, except that a header's raw value is cut before it is parsed."""

    def header_fetch_parse(self, name, value):
        if isinstance(value, str) and len(value) > MAX_HEADER_CHARS:
            value = value[:MAX_HEADER_CHARS]
        return super().header_fetch_parse(name, value)


_POLICY = _BoundedPolicy()


def _header(message: EmailMessage, name: str) -> str:
    """A header as text; malformed headers give '' rather than failing the message."""
    try:
        value = message[name]
    except Exception:  # the email package raises many kinds on broken headers
        return ""
    return "" if value is None else str(value)


def _part_text(part: EmailMessage) -> str:
    """Decoded part content, falling back to lenient UTF-8 for unknown charsets."""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError, KeyError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    return content if isinstance(content, str) else ""


def _body(message: EmailMessage) -> str:
    """text/plain preferred; text/html goes through the HTML importer's text extraction."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = _part_text(part)
    if part.get_content_subtype() == "html":
        text, _ = html_to_text(text)
    return text


def _attachments(message: EmailMessage) -> list[str]:
    names = []
    if message.is_multipart():
        for part in message.iter_attachments():
            name = part.get_filename()
            if name:
                names.append(str(name))
    return names


def extract(path: Path) -> Extracted:
    """Body text, attachment names (also as a final 'Attachments:' line) and headers."""
    message = email.message_from_bytes(limits.read_bytes(path), policy=_POLICY)
    if next(itertools.islice(message.walk(), MAX_PARTS, None), None) is not None:
        raise RejectedFile("too-large", f"the e-mail has more than {MAX_PARTS} parts")
    meta = {
        "title": _header(message, "subject"),
        "author": _header(message, "from"),
        "date": _header(message, "date"),
    }
    text = _body(message)
    attachments = _attachments(message)
    if attachments:
        text = f"{text}\n\nAttachments: {', '.join(attachments)}"
    return Extracted(text=text, metadata=meta, attachments=attachments)
