"""E-mail importer (.eml): the headers, the readable body, and each attachment handed on.

Headers are cut before they are parsed (mail_headers.BoundedPolicy: the stdlib's header
parser is quadratic on long ones). The stdlib splits a message in linear time per line,
but checks every line against every boundary still open, so a message nested N
multiparts deep costs N times its lines: one whose multipart headers times its lines
pass MAX_BOUNDARY_CHECKS (~4 s), or with more than MAX_MULTIPARTS of them, is refused
before it is parsed, and so is one with more than MAX_PARTS parts once parsed.

Which parts are what (`_role`), the body being the one `get_body` prefers (text/plain,
else text/html):
- message/rfc822 (a forwarded message): an attachment, written as a .eml member (its own
  attachments are then its children, read by this importer again);
- a part with a file name, or with Content-Disposition "attachment": an attachment;
- inside a multipart/alternative: another rendering of the body, not read again;
- other inline text/plain and text/html parts: more body text, appended in order;
- an image with no file name (a logo or picture shown inline in the HTML): not read;
  an inline image *with* a file name is an attachment (rule two), as a user sees it;
- any other part (application/pdf with no name...): an attachment named from its type.
Each attachment's decoded bytes go to a member file (ingest/members.py), within
members.MAX_MEMBER_BYTES each and a members.Budget for all; the loader reads them.
"""

from __future__ import annotations

import email
import io
import re
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.message import EmailMessage
from pathlib import Path, PurePosixPath

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import limits, mail_headers, members
from archive_app.core.ingest.documents import Extracted, Member
from archive_app.core.ingest.html import html_to_text

MAX_HEADER_CHARS = mail_headers.MAX_HEADER_CHARS
MAX_PARTS = 500
MAX_MULTIPARTS = 100
MAX_BOUNDARY_CHECKS = 50_000_000
"""Multipart headers times lines: ~75 ns each in the stdlib's parser."""
_MULTIPART = re.compile(rb"(?im)^content-type:[ \t]*(?:\r?\n[ \t]+)?multipart/")
_FORWARDED = frozenset({"message/rfc822", "message/global"})
_POLICY = mail_headers.POLICY  # the name older code and tests know


@dataclass
class _Attachment:
    part: EmailMessage
    name: str
    """What a user reads: the part's own file name, or one made from its type."""
    file_name: str
    """The name whose suffix picks the member's importer (.eml for a message)."""


def extract(path: Path) -> Extracted:
    """Body text, headers (metadata and details), attachment names (also as a final
    'Attachments:' line) and each attachment as a member."""
    data = limits.read_bytes(path)
    _check_nesting(data)
    try:
        return _read(email.message_from_bytes(data, policy=mail_headers.POLICY))
    except RecursionError as error:
        raise RejectedFile("corrupt", "the e-mail's parts are nested too deeply to read") \
            from error


def _check_nesting(data: bytes) -> None:
    """Refuse, before parsing, a message whose nesting would make the parse slow."""
    multiparts = len(_MULTIPART.findall(data))
    if multiparts > MAX_MULTIPARTS or multiparts * data.count(b"\n") > MAX_BOUNDARY_CHECKS:
        raise RejectedFile("too-large", f"the e-mail has {multiparts} nested multipart "
                                        "parts; too many to read in reasonable time")


def _read(message: EmailMessage) -> Extracted:
    if _count_parts(message) > MAX_PARTS:
        raise RejectedFile("too-large", f"the e-mail has more than {MAX_PARTS} parts")
    body = message.get_body(preferencelist=("plain", "html"))
    texts, attachments = [_text(body)] if body is not None else [], []
    for part, role in _roles(message, body):
        if role == "text":
            texts.append(_text(part))
        elif role == "attachment":
            attachments.append(_describe(part, len(attachments) + 1))
    text = "\n\n".join(filter(None, texts))
    names = [attachment.name for attachment in attachments]
    if names:
        text = f"{text}\n\nAttachments: {', '.join(names)}"
    extracted = Extracted(text=text, metadata=mail_headers.metadata(message),
                          attachments=names, details=mail_headers.details(message))
    if attachments:
        _hand_on(attachments, extracted)
    return extracted


def _subparts(part: EmailMessage) -> list[EmailMessage]:
    payload = part.get_payload() if part.is_multipart() else None
    return [item for item in payload if isinstance(item, email.message.Message)] \
        if isinstance(payload, list) else []


def _count_parts(message: EmailMessage) -> int:
    """Every part, forwarded messages' parts included; stops counting past MAX_PARTS."""
    count, todo = 0, [message]
    while todo and count <= MAX_PARTS:
        part = todo.pop()
        count += 1
        todo.extend(_subparts(part))
    return count


def _roles(message: EmailMessage, body: EmailMessage | None):
    """(part, role) for each part in order, role "text", "attachment" or "" (not read);
    a forwarded message is not entered (it is one attachment)."""
    todo: list[tuple[EmailMessage, bool]] = [(message, False)]
    while todo:
        part, in_alternative = todo.pop()
        if part.get_content_maintype() == "multipart":
            alternative = in_alternative or part.get_content_subtype() == "alternative"
            todo.extend((child, alternative) for child in reversed(_subparts(part)))
        elif part is not body:
            yield part, _role(part, in_alternative)


def _role(part: EmailMessage, in_alternative: bool) -> str:
    content_type = part.get_content_type()
    if content_type in _FORWARDED:
        return "attachment"
    if part.get_content_maintype() == "message":
        return ""  # delivery reports and the like: headers, not a message to read
    if _filename(part) or part.get_content_disposition() == "attachment":
        return "attachment"
    if in_alternative:
        return ""
    if content_type in ("text/plain", "text/html"):
        return "text"
    return "" if part.get_content_maintype() == "image" else "attachment"


def _filename(part: EmailMessage) -> str:
    try:
        return mail_headers.safe_name(str(part.get_filename() or ""))
    except Exception:  # a broken Content-Disposition: treated as no name
        return ""


def _describe(part: EmailMessage, number: int) -> _Attachment:
    """The attachment's name, and the name whose suffix gives its member's importer."""
    content_type = part.get_content_type()
    own = _filename(part)
    name = own or f"attachment-{number}{mail_headers.extension_for(content_type)}"
    if content_type in _FORWARDED:
        file_name = name if name.lower().endswith(".eml") else name + ".eml"
    elif PurePosixPath(name).suffix:
        file_name = name
    else:
        file_name = name + mail_headers.extension_for(content_type)
    return _Attachment(part, name, file_name)


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


def _text(part: EmailMessage) -> str:
    """A text part's text; text/html goes through the HTML importer's text extraction."""
    text = _part_text(part)
    if part.get_content_subtype() == "html":
        text, _ = html_to_text(text)
    return text


def _hand_on(attachments: list[_Attachment], extracted: Extracted) -> None:
    """Write each attachment to the message's members folder (removed again if this
    fails half-way, so no folder is left behind)."""
    folder = members.new_members_dir()
    extracted.members_dir = str(folder)
    budget = members.Budget(members.MAX_TOTAL_BYTES)
    with members.removed_on_error(folder):
        for number, attachment in enumerate(attachments, 1):
            extracted.members.append(_member(folder, number, attachment, budget))


def _member(folder: Path, number: int, attachment: _Attachment,
            budget: members.Budget) -> Member:
    key, place = mail_headers.attachment_identity(number, attachment.name)
    try:
        data = _payload(attachment.part)
    except (RecursionError, MemoryError):
        raise
    except Exception as error:  # a part the email package cannot decode or write
        return members.skipped(key, place, "corrupt",
                               f"the attachment could not be decoded: {str(error)[:160]}")
    return members.write_member(folder, number, attachment.file_name, data, budget, key,
                                place)


def _payload(part: EmailMessage) -> bytes:
    """An attachment's decoded bytes; a forwarded message written back out as it came."""
    if part.get_content_type() in _FORWARDED:
        inner = _subparts(part)
        if not inner:
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else b""
        buffer = io.BytesIO()
        BytesGenerator(buffer, policy=mail_headers.WRITE_POLICY).flatten(inner[0])
        return buffer.getvalue()
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""
