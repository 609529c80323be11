"""Outlook message importer (.msg): the same record as an .eml, read from MS-OXMSG.

A .msg is an OLE2 compound file (read with olefile, BSD): each property is a stream
"__substg1.0_IIIITTTT" (id, type: 001F UTF-16LE, 001E 8-bit in the message's code page,
0102 binary) or, for fixed-size ones (times, numbers), an entry of the
"__properties_version1.0" stream (16 bytes each, after a header of 32 bytes for the
message, 24 for an embedded message, 8 for a recipient or an attachment).

Read: subject 0x0037, sender name 0x0C1A and address 0x5D01 (SMTP), else 0x0C1F; the
recipients' storages (type 0x0C15, name 0x3001, address 0x39FE else 0x3003), else the
display lists 0x0E04 / 0x0E03; Message-ID 0x1035, In-Reply-To 0x1042, References 0x1039;
the transport headers 0x007D for what those lack (Date first); else the submit time
0x0039, the delivery time 0x0E06. The body is 0x1000, else the HTML body 0x1013, else
the compressed RTF body 0x1009 (MS-OXRTFCP, read by our RTF importer).

Attachments (storages "__attach_version1.0_#N"): named 0x3707, else 0x3704, else 0x3001;
their data 0x3701 is handed on as a member, like an e-mail's (eml.py), and every one of
them counts (a .msg keeps a file name even for an inline picture). An embedded message
(0x3701 of type 000D, method 5) is written out as a .eml, its own attachments included
as MIME parts, its embedded messages nested as message/rfc822 to members.MAX_DEPTH,
within members.MAX_MEMBER_BYTES: so a forwarded .msg reads as a message, as in an .eml.
Links to files (methods 2-4) and OLE objects (6) are listed as skipped.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import struct
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import HeaderParser
from email.utils import format_datetime
from pathlib import Path, PurePosixPath

import olefile

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import limits, mail_headers, members
from archive_app.core.ingest import rtf as rtf_importer
from archive_app.core.ingest.documents import Extracted, Member
from archive_app.core.ingest.html import decode_html, html_to_text

MAX_PROPERTY_STREAM_BYTES = 1024 * 1024
MAX_STRING_BYTES = 64 * 1024
"""Of a header-like string property (subject, names, addresses, IDs) read."""
MAX_RECIPIENTS = 10_000
MAX_ATTACHMENTS = 5000
MAX_RTF_BYTES = 16 * 1024 * 1024
"""Of a decompressed RTF body (only read when the message has no other body)."""
_STRING, _STRING8, _BINARY, _OBJECT = 0x001F, 0x001E, 0x0102, 0x000D
_PT_LONG, _PT_SYSTIME = 0x0003, 0x0040
_ATTACH_STORAGE = re.compile(r"__attach_version1\.0_#[0-9A-F]{8}", re.I)
_TOKEN = re.compile(r"[a-z0-9][a-z0-9.+-]{0,63}")
_RECIP_STORAGE = re.compile(r"__recip_version1\.0_#[0-9A-F]{8}", re.I)
_CODEPAGES = {65001: "utf-8", 20127: "ascii", 1200: "utf-16-le", 1201: "utf-16-be",
              50220: "iso2022_jp", 51932: "euc_jp", 20866: "koi8_r", 21866: "koi8_u",
              **{28590 + n: f"iso8859_{n}" for n in range(1, 16)}}
_RTF_PREFIX = (b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman "
               b"\\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New "
               b"RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0"
               b"\\fs20\\b\\i\\u\\tab\\tx")


@dataclass
class _Attachment:
    number: int
    name: str
    file_name: str
    data: bytes = b""
    mime: str = ""
    source: object | None = None
    """The stream entry of a top-level attachment's data, read only when written."""
    skip_code: str = ""
    skip_reason: str = ""
    embedded: _Message | None = None


@dataclass
class _Message:
    metadata: dict[str, str]
    details: dict[str, str]
    text: str
    html: str = ""
    attachments: list[_Attachment] = field(default_factory=list)


def extract(path: Path) -> Extracted:
    """Body text, headers (metadata and details), and each attachment as a member."""
    _check_file(path)
    try:
        with _OleFile(str(path)) as ole:
            index = _Index(ole)
            return _extracted(index, _Reader(index, [], "message", depth=0).read())
    except RejectedFile:
        raise
    except RecursionError as error:
        raise RejectedFile("corrupt", "the Outlook message is nested too deeply to read") \
            from error
    except MemoryError as error:
        raise RejectedFile("too-large", "the Outlook message is too large to read") from error
    except Exception as error:  # olefile raises many kinds on a damaged compound file
        raise RejectedFile("corrupt", "the Outlook message could not be read: "
                                      f"{str(error)[:160] or type(error).__name__}") from error


def _check_file(path: Path) -> None:
    try:
        size = os.stat(path).st_size
        with open(path, "rb") as handle:
            magic = handle.read(8)
    except OSError as error:
        raise limits.unreadable(path, error) from error
    if size > members.MAX_CONTAINER_BYTES:
        raise RejectedFile("too-large", f"the Outlook message is {size // 1024 ** 2} MB")
    if magic != olefile.MAGIC:
        raise RejectedFile("corrupt", "not an Outlook message (not an OLE2 compound file)")


def _extracted(ole: _Index, message: _Message) -> Extracted:
    names = [attachment.name for attachment in message.attachments]
    text = message.text
    if names:
        text = f"{text}\n\nAttachments: {', '.join(names)}"
    extracted = Extracted(text=text, metadata=message.metadata, attachments=names,
                          details=message.details)
    if message.attachments:
        _hand_on(ole, message.attachments, extracted)
    return extracted


def _hand_on(ole: _Index, attachments: list[_Attachment],
             extracted: Extracted) -> None:
    """Write each attachment to the message's members folder (removed on failure)."""
    folder = members.new_members_dir()
    extracted.members_dir = str(folder)
    budget = members.Budget(members.MAX_TOTAL_BYTES)
    with members.removed_on_error(folder):
        for attachment in attachments:
            extracted.members.append(_member(ole, folder, attachment, budget))


def _member(ole: _Index, folder: Path, attachment: _Attachment,
            budget: members.Budget) -> Member:
    number = attachment.number
    key, place = mail_headers.attachment_identity(number, attachment.name)
    if attachment.skip_code:
        return members.skipped(key, place, attachment.skip_code, attachment.skip_reason)
    data = attachment.data
    if attachment.source is not None:
        reason = budget.member_reason(attachment.source.size, None)
        if reason:
            return members.skipped(key, place, "too-large", reason)
        data = ole.read(attachment.source, members.MAX_MEMBER_BYTES + 1)
    if attachment.embedded is not None:
        data, reason = _to_eml(attachment.embedded)
        if reason:
            return members.skipped(key, place, "too-large", reason)
    return members.write_member(folder, number, attachment.file_name, data, budget, key,
                                place)


class _OleFile(olefile.OleFileIO):
    """olefile, except that its check that no two streams begin at one sector keeps a
    set, not a list: with the list, opening a file of N streams cost N^2 (26,000
    streams: 3.8 s). The same check and the same defect (a warning) otherwise."""

    def _check_duplicate_stream(self, first_sect, minifat=False):
        if not minifat and first_sect in (olefile.DIFSECT, olefile.FATSECT,
                                          olefile.ENDOFCHAIN, olefile.FREESECT):
            return
        seen = self.__dict__.setdefault("_first_sectors_seen", ({}, {}))[bool(minifat)]
        if first_sect in seen:
            self._raise_defect(olefile.DEFECT_INCORRECT, "Stream referenced twice")
        seen[first_sect] = True


class _Index:
    """Every entry of the compound file by its lower-case path, found in one walk.

    olefile finds a path by comparing it with each of a storage's children, so that a
    message with N recipients or attachments (a storage each) costs N^2 to read; here
    each lookup is one dict access, and a stream is opened from its entry directly."""

    def __init__(self, ole: olefile.OleFileIO) -> None:
        self.ole = ole
        self.entries: dict[str, object] = {}
        self.children: dict[str, list[str]] = {}
        todo = [("", ole.root)]
        while todo:
            path, node = todo.pop()
            names = self.children.setdefault(path, [])
            for kid in node.kids:
                kid_path = f"{path}/{kid.name}".lower().lstrip("/")
                if kid_path in self.entries:
                    continue
                self.entries[kid_path] = kid
                names.append(kid.name)
                if kid.entry_type == olefile.STGTY_STORAGE:
                    todo.append((kid_path, kid))

    def stream(self, path: str):
        """The stream entry at `path`, or None."""
        entry = self.entries.get(path.lower())
        return entry if entry is not None and entry.entry_type == olefile.STGTY_STREAM \
            else None

    def is_storage(self, path: str) -> bool:
        entry = self.entries.get(path.lower())
        return entry is not None and entry.entry_type == olefile.STGTY_STORAGE

    def read(self, entry, limit: int) -> bytes:
        """At most `limit` bytes of a stream (olefile's own opener, by its entry)."""
        with self.ole._open(entry.isectStart, entry.size) as stream:
            return stream.read(limit)


class _Reader:
    """The properties of one message (the file's, or one embedded in it) in `root`."""

    def __init__(self, ole: _Index, root: list[str], kind: str,
                 depth: int, budget: list[int] | None = None,
                 encoding: str = "cp1252") -> None:
        self.ole = ole
        self.root = root
        self.depth = depth
        self.budget = budget if budget is not None else [members.MAX_MEMBER_BYTES]
        """Bytes an embedded message may still hold (its .eml is one member)."""
        self.fixed = _fixed_properties(ole, root, kind)
        self.encoding = _encoding(self.fixed) or encoding
        """Of 8-bit strings: the object's own code page, else its message's."""

    def _path(self, *names: str) -> str:
        return "/".join([*self.root, *names])

    def _stream(self, name: str, limit: int, cut: bool = False) -> bytes | None:
        """A stream's bytes; None when it is absent, or larger than `limit` unless `cut`
        (then its first `limit` bytes: a string too long to keep whole)."""
        entry = self.ole.stream(self._path(name))
        if entry is None or entry.size > limit and not cut:
            return None
        return self.ole.read(entry, limit)

    def string(self, prop: int, limit: int = MAX_STRING_BYTES) -> str:
        """A string property, UTF-16 or 8-bit, '' when absent, cut at `limit` bytes."""
        data = self._stream(f"__substg1.0_{prop:04X}{_STRING:04X}", limit, cut=True)
        if data is not None:
            return data[:len(data) // 2 * 2].decode("utf-16-le", "replace").split("\x00", 1)[0]
        data = self._stream(f"__substg1.0_{prop:04X}{_STRING8:04X}", limit, cut=True)
        if data is not None:
            return data.decode(self.encoding, "replace").split("\x00", 1)[0]
        return ""

    def binary(self, prop: int, limit: int) -> bytes | None:
        return self._stream(f"__substg1.0_{prop:04X}{_BINARY:04X}", limit)

    def storages(self, pattern: re.Pattern[str], limit: int) -> list[str]:
        """Names of the sub-storages matching `pattern`, in their numbered order."""
        names = self.ole.children.get("/".join(self.root).lower(), [])
        return sorted((name for name in names if pattern.fullmatch(name)
                       and self.ole.is_storage(self._path(name))), key=str.upper)[:limit]

    def row(self, name: str) -> _Reader:
        """A recipient's or an attachment's properties, in this message's code page."""
        return _Reader(self.ole, [*self.root, name], "row", self.depth, self.budget,
                       self.encoding)

    def read(self) -> _Message:
        transport = _transport_headers(self.string(0x007D, 8 * MAX_STRING_BYTES))
        meta = {"title": mail_headers.clean(self.string(0x0037)),
                "author": self.sender() or mail_headers.addresses(transport, "from"),
                "date": mail_headers.header(transport, "date") or self.sent_time()}
        found = {"from": meta["author"]}
        recipients = self.recipients()
        for key, number, display in (("to", 1, 0x0E04), ("cc", 2, 0x0E03)):
            listed = ", ".join(recipients.get(number, []))
            found[key] = mail_headers.clean(listed or self.string(display).replace(";", ",")) \
                or mail_headers.addresses(transport, key)
        for key, prop, name in (("message_id", 0x1035, "message-id"),
                                ("in_reply_to", 0x1042, "in-reply-to"),
                                ("references", 0x1039, "references")):
            found[key] = mail_headers.clean(self.string(prop)) or \
                mail_headers.header(transport, name)
        text, html = self.body()
        message = _Message(meta, {key: value for key, value in found.items() if value},
                           text, html)
        message.attachments = self.attachments()
        return message

    def sender(self) -> str:
        name = self.string(0x0C1A) or self.string(0x0042)
        address = next((value for value in (self.string(0x5D01), self.string(0x0C1F),
                                            self.string(0x5D02), self.string(0x0065))
                        if "@" in value), "")
        return mail_headers.format_address(name, address)

    def sent_time(self) -> str:
        for prop in (0x0039, 0x0E06):
            value = self.fixed.get((prop, _PT_SYSTIME))
            if value is not None:
                moment = _filetime(value)
                if moment:
                    return moment
        return ""

    def recipients(self) -> dict[int, list[str]]:
        """"Name <addr>" of each recipient by type (1 To, 2 Cc, 3 Bcc)."""
        found: dict[int, list[str]] = {}
        for name in self.storages(_RECIP_STORAGE, MAX_RECIPIENTS):
            row = self.row(name)
            kind = struct.unpack("<I", row.fixed.get((0x0C15, _PT_LONG), b"\1\0\0\0")[:4])[0]
            address = next((value for value in (row.string(0x39FE), row.string(0x3003))
                            if "@" in value), "")
            entry = mail_headers.format_address(row.string(0x3001), address)
            if entry:
                found.setdefault(kind, []).append(entry)
        return found

    def body(self) -> tuple[str, str]:
        """(text, html): the plain body, else the HTML body's text, else the RTF's."""
        text = self.string(0x1000, members.MAX_MEMBER_BYTES)
        html_bytes = self.binary(0x1013, members.MAX_MEMBER_BYTES)
        html = _decode_html(html_bytes, self.encoding) if html_bytes else \
            self.string(0x1013, members.MAX_MEMBER_BYTES)
        if not text.strip() and html:
            text, _ = html_to_text(html)
        if not text.strip():
            rtf = self.binary(0x1009, members.MAX_MEMBER_BYTES)
            text = _rtf_text(rtf) if rtf else ""
        return text, html

    def attachments(self) -> list[_Attachment]:
        found = []
        for number, name in enumerate(self.storages(_ATTACH_STORAGE, MAX_ATTACHMENTS), 1):
            found.append(self.row(name).attachment(number))
        return found

    def attachment(self, number: int) -> _Attachment:
        """This storage read as attachment `number`: its data, or why it is skipped."""
        method = self.fixed.get((0x3705, _PT_LONG))
        method = struct.unpack("<I", method[:4])[0] if method else 1
        mime = self.string(0x370E)
        embedded = self._path(f"__substg1.0_3701{_OBJECT:04X}")
        is_message = method in (1, 5) and self.ole.is_storage(embedded) and \
            self.ole.stream(f"{embedded}/__properties_version1.0") is not None
        own = mail_headers.safe_name(self.string(0x3707) or self.string(0x3704)
                                     or self.string(0x3001))
        extension = ".eml" if is_message else (mail_headers.safe_name(self.string(0x3703))
                                               or mail_headers.extension_for(mime))
        name = own or f"attachment-{number}{extension}"
        file_name = name + ".eml" if is_message and not name.lower().endswith(".eml") else \
            name if PurePosixPath(name).suffix else name + extension
        attachment = _Attachment(number, name, file_name, mime=mime.strip().lower())
        if is_message:
            self._embedded(attachment, embedded)
        elif method in (2, 3, 4):
            attachment.skip_code = "unsupported"
            attachment.skip_reason = "the attachment is a link to a file outside the message"
        elif method == 6 or self.ole.is_storage(embedded):
            attachment.skip_code = "unsupported"
            attachment.skip_reason = "the attachment is an embedded OLE object"
        else:
            self._data(attachment)
        return attachment

    def _data(self, attachment: _Attachment) -> None:
        """Where the data is (a top-level attachment, read when written) or the data
        itself (inside an embedded message, counted against its .eml's size)."""
        entry = self.ole.stream(self._path(f"__substg1.0_3701{_BINARY:04X}"))
        if entry is None:
            return  # no data: an empty member, which the loader reports as empty
        if self.depth == 0:
            attachment.source = entry
            return
        size = entry.size
        if size > self.budget[0]:
            attachment.skip_code = "too-large"
            attachment.skip_reason = "the embedded message's attachments together are " \
                                     "larger than one member may be"
            return
        self.budget[0] -= size
        attachment.data = self.binary(0x3701, members.MAX_MEMBER_BYTES) or b""

    def _embedded(self, attachment: _Attachment, storage: str) -> None:
        if self.depth + 1 > members.MAX_DEPTH:
            attachment.skip_code = "too-large"
            attachment.skip_reason = f"messages are nested more than {members.MAX_DEPTH} deep"
            return
        budget = [members.MAX_MEMBER_BYTES] if self.depth == 0 else self.budget
        attachment.embedded = _Reader(self.ole, storage.split("/"), "embedded",
                                      self.depth + 1, budget, self.encoding).read()


def _fixed_properties(ole: _Index, root: list[str],
                      kind: str) -> dict[tuple[int, int], bytes]:
    """(id, type) -> the 8 value bytes of each entry of "__properties_version1.0"."""
    entry = ole.stream("/".join([*root, "__properties_version1.0"]))
    if entry is None or entry.size > MAX_PROPERTY_STREAM_BYTES:
        return {}
    data = ole.read(entry, MAX_PROPERTY_STREAM_BYTES)
    start = {"message": 32, "embedded": 24}.get(kind, 8)
    found = {}
    for offset in range(start, len(data) - 15, 16):
        tag = struct.unpack_from("<I", data, offset)[0]
        found.setdefault((tag >> 16, tag & 0xFFFF), data[offset + 8:offset + 16])
    return found


def _encoding(fixed: dict[tuple[int, int], bytes]) -> str:
    """The Python codec of the object's code page (8-bit strings), '' if it has none."""
    for prop in (0x3FFD, 0x3FDE):
        value = fixed.get((prop, _PT_LONG))
        if value:
            number = struct.unpack("<I", value[:4])[0]
            name = _CODEPAGES.get(number, f"cp{number}")
            try:
                return codecs.lookup(name).name
            except LookupError:
                continue
    return ""


def _filetime(value: bytes) -> str:
    """A FILETIME (100 ns since 1601) as ISO 8601 UTC; '' for none or out of range."""
    ticks = struct.unpack("<Q", value[:8])[0]
    if not ticks:
        return ""
    try:
        moment = datetime(1601, 1, 1, tzinfo=UTC) + timedelta(microseconds=ticks // 10)
    except OverflowError:
        return ""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if 1970 <= moment.year <= 2200 else ""


def _transport_headers(text: str) -> EmailMessage:
    """The message's Internet headers as the email package reads them (bounded)."""
    text = text[:mail_headers.MAX_HEADER_BLOCK_BYTES]
    return HeaderParser(policy=mail_headers.POLICY).parsestr(text)


def _decode_html(data: bytes, encoding: str) -> str:
    try:
        return decode_html(data)
    except RejectedFile:
        return data.decode(encoding, "replace")


def _rtf_text(data: bytes) -> str:
    """The compressed RTF body's text, through our RTF importer ('' if unreadable)."""
    rtf = decompress_rtf(data)
    if not rtf:
        return ""
    with tempfile.TemporaryDirectory(prefix="archive-app-rtf-") as folder:
        path = Path(folder) / "body.rtf"
        path.write_bytes(rtf)
        try:
            return rtf_importer.extract(path).text
        except RejectedFile:
            return ""


def decompress_rtf(data: bytes) -> bytes:
    """MS-OXRTFCP: "LZFu" (compressed) or "MELA" (stored) RTF; b'' when damaged or its
    declared size passes MAX_RTF_BYTES. The output never grows past the declared size."""
    if len(data) < 16:
        return b""
    compressed_size, raw_size, kind = struct.unpack_from("<III", data)
    if raw_size > MAX_RTF_BYTES:
        return b""
    if kind == 0x414C454D:  # MELA: not compressed
        return data[16:16 + raw_size]
    if kind != 0x75465A4C:  # LZFu
        return b""
    window = bytearray(4096)
    window[:len(_RTF_PREFIX)] = _RTF_PREFIX
    position, out, index = len(_RTF_PREFIX), bytearray(), 16
    end = min(len(data), compressed_size + 4)
    while index < end and len(out) < raw_size:
        flags, index = data[index], index + 1
        for bit in range(8):
            if index >= end or len(out) >= raw_size:
                break
            if not flags >> bit & 1:
                byte, index = data[index], index + 1
                out.append(byte)
                window[position] = byte
                position = (position + 1) % 4096
                continue
            if index + 1 >= end:
                return bytes(out)
            reference, index = data[index] << 8 | data[index + 1], index + 2
            offset, length = reference >> 4, (reference & 0xF) + 2
            if offset == position:
                return bytes(out)
            for step in range(length):
                byte = window[(offset + step) % 4096]
                out.append(byte)
                window[position] = byte
                position = (position + 1) % 4096
    return bytes(out[:raw_size])


def _to_eml(message: _Message, depth: int = 0) -> tuple[bytes, str]:
    """An embedded message as RFC 822 bytes, or (b'', why not)."""
    email_message = _as_email(message, depth)
    _fix_boundaries(email_message)
    data = email_message.as_bytes()
    if len(data) > members.MAX_MEMBER_BYTES:
        return b"", "the embedded message is larger than one member may be"
    return data, ""


def _as_email(message: _Message, depth: int) -> EmailMessage:
    email_message = EmailMessage()
    for name, value in (("Subject", message.metadata.get("title")),
                        ("From", message.details.get("from")),
                        ("To", message.details.get("to")),
                        ("Cc", message.details.get("cc")),
                        ("Date", _rfc_date(message.metadata.get("date", ""))),
                        ("Message-ID", message.details.get("message_id")),
                        ("In-Reply-To", message.details.get("in_reply_to")),
                        ("References", message.details.get("references"))):
        if value:
            try:
                email_message[name] = value
            except (ValueError, TypeError, IndexError):
                continue  # a value the email package will not write: left out
    notes = [limits.part_note(f"attachment {attachment.number} ({attachment.name})",
                              attachment.skip_reason)
             for attachment in message.attachments if attachment.skip_code]
    email_message.set_content("\n\n".join(filter(None, [message.text, *notes])))
    if message.html:
        email_message.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        if attachment.embedded is not None:
            email_message.add_attachment(_as_email(attachment.embedded, depth + 1),
                                         filename=attachment.name)
        elif not attachment.skip_code:
            maintype, _, subtype = attachment.mime.partition("/")
            if not (_TOKEN.fullmatch(maintype) and _TOKEN.fullmatch(subtype)):
                maintype, subtype = "application", "octet-stream"
            email_message.add_attachment(attachment.data, maintype=maintype, subtype=subtype,
                                         filename=attachment.name)
    return email_message


def _fix_boundaries(message: EmailMessage) -> None:
    """MIME boundaries made from the content, not at random, so that the same message
    is written as the same bytes on every reading."""
    digest = hashlib.sha256()
    todo = [message]
    parts = []
    while todo:
        part = todo.pop()
        if part.is_multipart():
            if part.get_content_maintype() == "multipart":
                parts.append(part)
            todo.extend(part.get_payload())
        else:
            payload = part.get_payload()
            digest.update(payload.encode("utf-8", "surrogateescape")
                          if isinstance(payload, str) else b"")
    for number, part in enumerate(parts):
        part.set_boundary(f"=_archive-app-{digest.hexdigest()[:32]}-{number}")


def _rfc_date(value: str) -> str:
    """Our ISO time as an RFC 5322 date (a transport header's Date stays as it was)."""
    try:
        return format_datetime(datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
                               .replace(tzinfo=UTC))
    except ValueError:
        return value
