"""E-mail importer (.eml): subject, sender, date, the readable body and attachment names."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from pathlib import Path

from archive_app.core.documents import Extracted
from archive_app.core.ingest import limits
from archive_app.core.ingest.html import html_to_text


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
    message = email.message_from_bytes(limits.read_bytes(path), policy=policy.default)
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
