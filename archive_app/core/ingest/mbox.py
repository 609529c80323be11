"""Mailbox importer (.mbox, .mbx): each message handed on as a .eml member.

`mailbox.mbox` indexes the whole file before the first message can be read, and a
mailbox may be gigabytes (members.MAX_CONTAINER_BYTES), so the file is split here in one
streaming pass: a message begins at a "From " line at a line's start (as Python's own
mailbox and most readers split), the blank line before it belongs to the separator, and
">From " lines are unescaped by one '>' (mboxrd; in mboxo that is the best guess too).
The file is read in blocks of READ_CHUNK bytes cut at a line's end (a longer line is
handed on in pieces), and each block is cut at its separators with one regular
expression, so a file without line breaks costs no more memory than one with them and
a mailbox is split at disk speed, not line by line. Each message's bytes are streamed
to its member file, at most members.MAX_MEMBER_BYTES each and members.MAX_TOTAL_BYTES in
all, and at most members.MAX_MEMBERS messages are read; only a message's header block
(for the listing, its key and place) is kept, and at most MAX_HEADER_BLOCK_BYTES of it.

The mailbox's own text lists its messages: "Mailbox: 3 messages", then one line each,
"date — from — subject". A message's key part is its Message-ID when that is unique in
the mailbox, else "message-N"; its place is "message N: subject".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import mail_headers, members
from archive_app.core.ingest.documents import Extracted, Member

READ_CHUNK = 1024 * 1024
_SEPARATOR = re.compile(rb"^From ", re.M)
_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.M)
_HEADERS_END = re.compile(rb"(?:^|\n)\r?\n")


@dataclass
class _Message:
    """One message while it is split off, then its summary."""

    number: int
    path: Path
    out: object | None = None
    size: int = 0
    head: bytearray = field(default_factory=bytearray)
    head_done: bool = False
    skip_code: str = ""
    skip_reason: str = ""
    subject: str = ""
    sender: str = ""
    date: str = ""
    message_id: str = ""


def extract(path: Path) -> Extracted:
    """The listing as text, the file's stem as title, and every message as a member."""
    members.check_container_size(path, "mailbox")
    folder = members.new_members_dir()
    with members.removed_on_error(folder, path):
        with open(path, "rb") as handle:
            messages, more = _Splitter(handle, folder).run()
        return _result(path, folder, messages, more)


class _Splitter:
    """The streaming split: pieces of lines in, member files and summaries out."""

    def __init__(self, handle, folder: Path) -> None:
        self.handle = handle
        self.folder = folder
        self.budget = members.Budget(members.MAX_TOTAL_BYTES)
        self.messages: list[_Message] = []
        self.current: _Message | None = None
        self.pending = b""  # a blank line held back: it may precede the next "From "
        self.in_from_line = False

    def run(self) -> tuple[list[_Message], bool]:
        """Split the whole file; the flag says messages were left unread (too many)."""
        try:
            return self._split()
        finally:
            if self.current is not None and self.current.out is not None:
                self.current.out.close()  # only after a failure; the caller removes it

    def _split(self) -> tuple[list[_Message], bool]:
        """Blocks of whole lines (a line longer than READ_CHUNK comes in pieces), each
        cut at its "From " lines."""
        at_line_start, leftover = True, b""
        while True:
            block = self.handle.read(READ_CHUNK)
            data = leftover + block
            if not data:
                break
            leftover = b""
            if block:  # keep an unfinished last line for the next block, if it is short
                cut = data.rfind(b"\n") + 1
                if cut == 0 and len(data) < READ_CHUNK:
                    leftover = data
                    continue
                if cut:
                    data, leftover = data[:cut], data[cut:]
            if self._block(data, at_line_start):
                return self.messages, True
            at_line_start = data.endswith(b"\n")
        self._finish()
        if not self.messages:
            raise RejectedFile("empty", "the mailbox holds no messages")
        return self.messages, False

    def _block(self, data: bytes, at_line_start: bool) -> bool:
        """Split one block; True when MAX_MEMBERS messages are read and there are more."""
        position = 0
        if self.in_from_line:  # the rest of a long "From " line
            end = data.find(b"\n")
            if end < 0:
                return False
            position, self.in_from_line = end + 1, False
        for match in _SEPARATOR.finditer(data, position):
            start = match.start()
            if start == 0 and not at_line_start:
                continue  # "From " in the middle of a long line
            self._content(data[position:start], position > 0 or at_line_start, True)
            self._finish()
            if len(self.messages) >= members.MAX_MEMBERS:
                return True
            self._start()
            end = data.find(b"\n", start)
            if end < 0:
                self.in_from_line = True
                return False
            position = end + 1
        self._content(data[position:], position > 0 or at_line_start, False)
        return False

    def _start(self) -> None:
        number = len(self.messages) + 1
        message = _Message(number, members.member_file(self.folder, number, "message.eml"))
        message.out = open(message.path, "wb")  # noqa: SIM115 - closed in _finish or _drop
        self.current, self.pending = message, b""

    def _content(self, data: bytes, starts_line: bool, before_separator: bool) -> None:
        """Lines of the current message: ">From " unescaped, the blank line before a
        separator dropped (one at the block's end is held back until it is known)."""
        if self.current is None:
            if data.strip():
                raise RejectedFile("corrupt", "not an mbox mailbox: it does not begin "
                                              "with a 'From ' line")
            return
        if starts_line:
            data = _ESCAPED_FROM.sub(rb"\1", data)
        else:  # the piece begins inside a long line: that line is not escaped
            first = data.find(b"\n") + 1
            if first:
                data = data[:first] + _ESCAPED_FROM.sub(rb"\1", data[first:])
        starts_line = starts_line or bool(self.pending)
        data, self.pending = self.pending + data, b""
        data, blank = _trailing_blank_line(data, starts_line)
        if not before_separator:
            self.pending = blank
        self._head(data)
        self._write(data)

    def _head(self, data: bytes) -> None:
        """Keep the header block (up to its blank line, at most MAX_HEADER_BLOCK_BYTES)."""
        message = self.current
        if message.head_done or not data:
            return
        room = mail_headers.MAX_HEADER_BLOCK_BYTES - len(message.head)
        message.head += data[:room]
        end = _HEADERS_END.search(message.head)
        if end is not None:
            del message.head[end.start():]
            message.head_done = True
        elif room <= len(data):
            message.head_done = True

    def _write(self, data: bytes) -> None:
        message = self.current
        message.size += len(data)
        if not data or message.out is None:
            return
        reason = self.budget.member_reason(message.size, None)
        if reason:
            self._drop(message, "too-large", reason)
            return
        message.out.write(data)

    def _drop(self, message: _Message, code: str, reason: str) -> None:
        if message.out is not None:
            message.out.close()
            message.out = None
            message.path.unlink(missing_ok=True)
        message.skip_code, message.skip_reason = code, reason

    def _finish(self) -> None:
        """Close the current message (its held-back blank line is the separator's)."""
        message, self.current, self.pending = self.current, None, b""
        if message is None:
            return
        if message.out is not None:
            message.out.close()
            message.out = None
            self.budget.take(message.size)
        if message.size == 0 and not message.skip_code:
            self._drop(message, "empty", "the message is empty")
        _summarise(message)
        self.messages.append(message)


def _trailing_blank_line(data: bytes, starts_line: bool) -> tuple[bytes, bytes]:
    """`data` without its last line if that line is blank, and that line (or b'')."""
    for ending in (b"\r\n", b"\n"):
        if data.endswith(ending):
            before = data[:-len(ending)]
            if before.endswith(b"\n") or (not before and starts_line):
                return before, ending
    return data, b""


def _summarise(message: _Message) -> None:
    """Subject, sender, date and Message-ID from the kept header block; then drop it."""
    headers = mail_headers.parse_header_block(bytes(message.head))
    message.subject = mail_headers.header(headers, "subject")
    message.sender = mail_headers.addresses(headers, "from")
    message.date = mail_headers.header(headers, "date")
    message.message_id = mail_headers.header(headers, "message-id")
    message.head = bytearray()


def _result(path: Path, folder: Path, messages: list[_Message], more: bool) -> Extracted:
    keys = mail_headers.unique_keys([message.message_id for message in messages])
    found, lines = [], []
    for message, key in zip(messages, keys, strict=True):
        place = f"message {message.number}: {mail_headers.place_subject(message.subject)}"
        line = mail_headers.listing_line(message.date, message.sender, message.subject)
        if message.skip_code:
            found.append(members.skipped(key, place, message.skip_code, message.skip_reason))
            line += f" [not read: {message.skip_reason}]"
        else:
            found.append(Member(key_part=key, place=place, path=str(message.path)))
        lines.append(line)
    notes = []
    if more:
        limit = members.MAX_MEMBERS
        reason = f"the mailbox holds more than {limit} messages; the rest are not read"
        found.append(members.skipped(f"message-{limit + 1}-and-after",
                                     f"messages after message {limit}", "too-large", reason))
        notes.append(f"[Archive App: {reason}]")
    text = mail_headers.listing("Mailbox", len(messages), lines, notes)
    return Extracted(text=text, metadata={"title": path.stem}, members=found,
                     members_dir=str(folder))
