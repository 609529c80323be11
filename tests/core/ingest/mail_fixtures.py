"""Real mail files for the mail importers' tests: e-mails written by the stdlib's
`email` package (with a real PDF, a real DOCX, a text file and a forwarded message
attached), mailboxes written by the stdlib's `mailbox.mbox`, Outlook .msg files written
by a small MS-OXMSG writer of our own on a small MS-CFB writer of our own (olefile only
reads; no permissively licensed writer was at hand), and a stand-in `readpst`.

The CFB writer follows MS-CFB version 3: 512-byte sectors, one FAT (up to 109 sectors in
the header's DIFAT, so files up to ~7 MB), the directory as a binary search tree of each
storage's children in CFB's name order (all nodes black: a valid search tree, which is
what readers walk), and streams under 4096 bytes in the mini stream (64-byte sectors,
the mini FAT). The message writer follows MS-OXMSG: properties as "__substg1.0_IIIITTTT"
streams plus the fixed-size ones in "__properties_version1.0", recipients and
attachments in their numbered storages, an embedded message in "__substg1.0_3701000D".
"""

from __future__ import annotations

import email
import io
import struct
import sys
import textwrap
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

from PIL import Image

from tests.core.ingest.conftest import make_docx, make_pdf

PERSIAN_SUBJECT = "گزارش سالانهٔ بندر"
ARABIC_NAME = "سارة الأحمد"
BODY_WITH_FROM = ("The gauge at Weir Bridge read 2.4 metres.\n"
                  "From the harbour office we also heard of the tide.\n"
                  ">From a quoted line.\n")
NOTE_TEXT = "یادداشت: سطح آب بالا رفت.\n"


def png_bytes() -> bytes:
    """A real 4x4 PNG."""
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def real_pdf_bytes(folder: Path) -> bytes:
    return make_pdf(folder / "fixture-report.pdf").read_bytes()


def real_docx_bytes(folder: Path) -> bytes:
    return make_docx(folder / "fixture-minutes.docx").read_bytes()


def forwarded_message(folder: Path) -> EmailMessage:
    """A message with its own attachment, to be attached as message/rfc822."""
    inner = EmailMessage()
    inner["Subject"] = "Original survey"
    inner["From"] = "Tom Weir <tom@example.org>"
    inner["To"] = "jane@example.org"
    inner["Date"] = "Mon, 02 Feb 2015 09:00:00 +0000"
    inner["Message-ID"] = "<survey-1@example.org>"
    inner.set_content("The survey of the lock gates is attached.\n")
    inner.add_attachment(real_pdf_bytes(folder), maintype="application", subtype="pdf",
                         filename="survey.pdf")
    return inner


@dataclass
class RichEmail:
    """What `make_rich_eml` put in, for the tests to compare against."""

    path: Path
    attachments: dict[str, bytes] = field(default_factory=dict)
    forwarded: EmailMessage | None = None


def make_rich_eml(path: Path) -> RichEmail:
    """An e-mail with every header kept, a Persian subject (RFC 2047 on the wire), a
    plain body with an HTML alternative and an inline picture with no name (not an
    attachment), a PDF, a DOCX, a Persian text file, an inline picture *with* a name,
    a PDF without a file name, and a forwarded message."""
    folder = path.parent
    message = EmailMessage()
    message["Subject"] = PERSIAN_SUBJECT
    message["From"] = f"{ARABIC_NAME} <sara@example.org>"
    message["To"] = "Jane Roe <jane@example.org>, archive@example.org"
    message["Cc"] = "\"Weir, Tom\" <tom@example.org>"
    message["Date"] = "Tue, 03 Feb 2015 10:00:00 +0000"
    message["Message-ID"] = "<gauge-2015@example.org>"
    message["In-Reply-To"] = "<question-7@example.org>"
    message["References"] = "<start-1@example.org> <question-7@example.org>"
    message.set_content(BODY_WITH_FROM)
    message.add_alternative("<html><body><p>The gauge read <b>2.4</b> metres.</p>"
                            "<img src='cid:logo'></body></html>", subtype="html")
    message.get_payload()[1].add_related(png_bytes(), "image", "png", cid="<logo>")
    rich = RichEmail(path)
    rich.attachments = {"report.pdf": real_pdf_bytes(folder),
                        "minutes.docx": real_docx_bytes(folder),
                        "note.txt": NOTE_TEXT.encode("utf-8"),
                        "photo.png": png_bytes()}
    message.add_attachment(rich.attachments["report.pdf"], maintype="application",
                           subtype="pdf", filename="report.pdf")
    message.add_attachment(rich.attachments["minutes.docx"], maintype="application",
                           subtype="vnd.openxmlformats-officedocument.wordprocessingml."
                                   "document", filename="minutes.docx")
    message.add_attachment(NOTE_TEXT, subtype="plain", filename="note.txt")
    message.add_attachment(rich.attachments["photo.png"], maintype="image", subtype="png",
                           filename="photo.png", disposition="inline")
    rich.attachments["attachment-5.pdf"] = rich.attachments["report.pdf"]
    message.add_attachment(rich.attachments["report.pdf"], maintype="application",
                           subtype="pdf")
    rich.forwarded = forwarded_message(folder)
    message.add_attachment(rich.forwarded)
    path.write_bytes(bytes(message))
    return rich


def simple_message(number: int, subject: str = "", message_id: str | None = "",
                   body: str = "") -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject or f"Tide report {number}"
    message["From"] = f"Keeper {number} <keeper{number}@example.org>"
    message["To"] = "archive@example.org"
    message["Date"] = f"Tue, {number % 28 + 1:02d} Feb 2015 10:00:00 +0000"
    if message_id is not None:
        message["Message-ID"] = message_id or f"<tide-{number}@example.org>"
    message.set_content(body or f"Reading number {number}.\n")
    return message


def eml_message(path: Path) -> EmailMessage:
    """An .eml file as the stdlib reads it."""
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


def make_mbox(path: Path, messages: list[EmailMessage]) -> Path:
    """A real mailbox written by the stdlib (it escapes "From " lines in bodies)."""
    import mailbox

    box = mailbox.mbox(str(path))
    try:
        box.lock()
        for message in messages:
            box.add(message)
        box.flush()
        box.unlock()
    finally:
        box.close()
    return path


# --- MS-CFB -----------------------------------------------------------------------------

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREE, END_OF_CHAIN, FAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NO_STREAM = 0xFFFFFFFF


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list[_Entry] = field(default_factory=list)
    sid: int = 0
    left: int = NO_STREAM
    right: int = NO_STREAM
    child: int = NO_STREAM
    start: int = END_OF_CHAIN


def _cfb_order(entry: _Entry) -> tuple[int, str]:
    """MS-CFB's sibling order: shorter names first, then by upper-cased code units."""
    return len(entry.name), entry.name.upper()


def _tree(entries: list[_Entry]) -> _Entry:
    """The root entry with every stream and storage under its storages."""
    root = _Entry("Root Entry", 5)
    for item in entries:
        node = root
        parts = item.name.split("/")
        for part in parts[:-1]:
            found = next((kid for kid in node.children if kid.name == part), None)
            if found is None:
                found = _Entry(part, 1)
                node.children.append(found)
            node = found
        if item.kind == 2:
            node.children.append(_Entry(parts[-1], 2, item.data))
        elif not any(kid.name == parts[-1] for kid in node.children):
            node.children.append(_Entry(parts[-1], 1))
    return root


def _number(root: _Entry) -> list[_Entry]:
    ordered, todo = [], [root]
    while todo:
        entry = todo.pop(0)
        entry.sid = len(ordered)
        ordered.append(entry)
        todo.extend(sorted(entry.children, key=_cfb_order))
    return ordered


def _link(entry: _Entry) -> None:
    """Each storage's children as a balanced binary search tree (left < node < right)."""
    kids = sorted(entry.children, key=_cfb_order)

    def build(low: int, high: int) -> int:
        if low >= high:
            return NO_STREAM
        middle = (low + high) // 2
        kids[middle].left = build(low, middle)
        kids[middle].right = build(middle + 1, high)
        return kids[middle].sid

    entry.child = build(0, len(kids))
    for kid in kids:
        _link(kid)


def _directory_entry(entry: _Entry) -> bytes:
    name = entry.name.encode("utf-16-le") + b"\0\0"
    if len(name) > 64:
        raise ValueError(f"CFB names have at most 31 characters: {entry.name}")
    size = len(entry.data) if entry.kind != 1 else 0
    start = entry.start if entry.kind != 1 else 0
    return (name.ljust(64, b"\0") + struct.pack("<HBB", len(name), entry.kind, 1)
            + struct.pack("<III", entry.left, entry.right, entry.child) + bytes(16)
            + struct.pack("<I", 0) + bytes(16) + struct.pack("<IQ", start, size))


def _chain(fat: list[int], start: int, count: int) -> None:
    for index in range(count):
        fat[start + index] = start + index + 1 if index + 1 < count else END_OF_CHAIN


def build_cfb(streams: dict[str, bytes], storages: tuple[str, ...] = ()) -> bytes:
    """A compound file holding `streams` ("storage/sub/name" -> bytes) and the (empty)
    `storages` named besides."""
    items = [_Entry(name, 1) for name in storages] + \
        [_Entry(name, 2, data) for name, data in streams.items()]
    root = _tree(items)
    ordered = _number(root)
    _link(root)
    mini = bytearray()
    mini_fat: list[int] = []
    big: list[_Entry] = []
    for entry in ordered:
        if entry.kind != 2 or not entry.data:
            continue
        if len(entry.data) < MINI_CUTOFF:
            entry.start = len(mini) // MINI_SECTOR
            count = -(-len(entry.data) // MINI_SECTOR)
            mini_fat.extend([0] * count)
            _chain(mini_fat, entry.start, count)
            mini += entry.data.ljust(count * MINI_SECTOR, b"\0")
        else:
            big.append(entry)
    root.data = bytes(mini)
    directory = b"".join(_directory_entry(entry) for entry in ordered)
    directory = directory.ljust(-(-len(directory) // SECTOR) * SECTOR, b"\0")
    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    mini_fat_bytes = mini_fat_bytes.ljust(-(-len(mini_fat_bytes) // SECTOR) * SECTOR,
                                          b"\xff")
    blobs = [directory, mini_fat_bytes if mini_fat else b"", bytes(mini)]
    blobs += [entry.data for entry in big]
    counts = [-(-len(blob) // SECTOR) for blob in blobs]
    content = sum(counts)
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < content + fat_sectors:
        fat_sectors += 1
    if fat_sectors > 109:
        raise ValueError("this small writer keeps the whole FAT in the header's DIFAT")
    fat = [FREE] * (fat_sectors * (SECTOR // 4))
    for index in range(fat_sectors):
        fat[index] = FAT_SECTOR
    starts, position = [], fat_sectors
    for count in counts:
        starts.append(position if count else END_OF_CHAIN)
        if count:
            _chain(fat, position, count)
        position += count
    root.start = starts[2] if mini else END_OF_CHAIN
    for entry, start in zip(big, starts[3:], strict=True):
        entry.start = start
    directory = b"".join(_directory_entry(entry) for entry in ordered)
    directory = directory.ljust(counts[0] * SECTOR, b"\0")
    blobs[0] = directory
    difat = list(range(fat_sectors)) + [FREE] * (109 - fat_sectors)
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + bytes(16)
              + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<IIII", 0, fat_sectors, starts[0], 0)
              + struct.pack("<IIIII", MINI_CUTOFF, starts[1] if mini_fat else END_OF_CHAIN,
                            counts[1] if mini_fat else 0, END_OF_CHAIN, 0)
              + struct.pack("<109I", *difat))
    body = struct.pack(f"<{len(fat)}I", *fat)
    body += b"".join(blob.ljust(count * SECTOR, b"\0") for blob, count in
                     zip(blobs, counts, strict=True))
    return header + body


# --- MS-OXMSG ---------------------------------------------------------------------------

PT_LONG, PT_BOOLEAN, PT_SYSTIME = 0x0003, 0x000B, 0x0040
PT_STRING, PT_STRING8, PT_BINARY, PT_OBJECT = 0x001F, 0x001E, 0x0102, 0x000D


@dataclass
class MsgAttachment:
    name: str
    data: bytes = b""
    mime: str = ""
    embedded: MsgSpec | None = None


@dataclass
class MsgSpec:
    """An Outlook message to write: what `make_msg` puts in."""

    subject: str = "Flood gauge readings"
    sender_name: str = "Jane Roe"
    sender_email: str = "jane@example.org"
    to: list[tuple[str, str]] = field(default_factory=lambda: [("Archive", "archive@example.org")])
    cc: list[tuple[str, str]] = field(default_factory=list)
    body: str = "The gauge at Weir Bridge read 2.4 metres.\r\n"
    html: str = ""
    rtf: bytes = b""
    message_id: str = "<gauge-msg@example.org>"
    in_reply_to: str = ""
    references: str = ""
    transport_headers: str = ""
    submit_time: datetime | None = datetime(2015, 2, 3, 10, 0, tzinfo=UTC)
    attachments: list[MsgAttachment] = field(default_factory=list)
    codepage: int = 0
    """0: strings as UTF-16 (001F); else 8-bit strings (001E) in this Windows code page."""


def _filetime(moment: datetime) -> int:
    return int((moment - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds() * 10_000_000)


class _Properties:
    """One object's properties: its streams and its "__properties_version1.0"."""

    def __init__(self, prefix: str, codepage: int) -> None:
        self.prefix = prefix
        self.codepage = codepage
        self.streams: dict[str, bytes] = {}
        self.fixed: list[bytes] = []

    def string(self, prop: int, value: str) -> None:
        if not value:
            return
        if self.codepage:
            kind, data = PT_STRING8, value.encode(f"cp{self.codepage}")
            size = len(data) + 1
        else:
            kind, data = PT_STRING, value.encode("utf-16-le")
            size = len(data) + 2
        self._variable(prop, kind, data, size)

    def binary(self, prop: int, data: bytes) -> None:
        self._variable(prop, PT_BINARY, data, len(data))

    def _variable(self, prop: int, kind: int, data: bytes, size: int) -> None:
        self.streams[f"{self.prefix}__substg1.0_{prop:04X}{kind:04X}"] = data
        self.fixed.append(struct.pack("<IIII", prop << 16 | kind, 6, size, 0))

    def long(self, prop: int, value: int) -> None:
        self.fixed.append(struct.pack("<IIiI", prop << 16 | PT_LONG, 6, value, 0))

    def time(self, prop: int, moment: datetime) -> None:
        self.fixed.append(struct.pack("<IIQ", prop << 16 | PT_SYSTIME, 6, _filetime(moment)))

    def finish(self, header: bytes) -> dict[str, bytes]:
        self.streams[f"{self.prefix}__properties_version1.0"] = header + b"".join(self.fixed)
        return self.streams


def _message_streams(spec: MsgSpec, prefix: str, top: bool) -> tuple[dict[str, bytes],
                                                                       list[str]]:
    props = _Properties(prefix, spec.codepage)
    props.string(0x001A, "IPM.Note")
    props.string(0x0037, spec.subject)
    props.string(0x0C1A, spec.sender_name)
    props.string(0x0C1F, spec.sender_email)
    props.string(0x5D01, spec.sender_email)
    props.string(0x0E04, "; ".join(name for name, _ in spec.to))
    props.string(0x0E03, "; ".join(name for name, _ in spec.cc))
    props.string(0x1000, spec.body)
    if spec.html:
        props.binary(0x1013, spec.html.encode("utf-8"))
    if spec.rtf:
        props.binary(0x1009, spec.rtf)
    props.string(0x1035, spec.message_id)
    props.string(0x1042, spec.in_reply_to)
    props.string(0x1039, spec.references)
    props.string(0x007D, spec.transport_headers)
    if spec.submit_time is not None:
        props.time(0x0039, spec.submit_time)
        props.time(0x0E06, spec.submit_time)
    props.long(0x340D, 0x00040000 if not spec.codepage else 0)  # STORE_UNICODE_OK
    if spec.codepage:
        props.long(0x3FFD, spec.codepage)
    streams: dict[str, bytes] = {}
    storages: list[str] = []
    recipients = [(1, *pair) for pair in spec.to] + [(2, *pair) for pair in spec.cc]
    for number, (kind, name, address) in enumerate(recipients):
        row = _Properties(f"{prefix}__recip_version1.0_#{number:08X}/", spec.codepage)
        row.long(0x0C15, kind)
        row.long(0x3000, number)
        row.string(0x3001, name)
        row.string(0x3002, "SMTP")
        row.string(0x3003, address)
        row.string(0x39FE, address)
        streams.update(row.finish(bytes(8)))
    for number, attachment in enumerate(spec.attachments):
        folder = f"{prefix}__attach_version1.0_#{number:08X}/"
        row = _Properties(folder, spec.codepage)
        row.long(0x0E21, number)
        row.string(0x3001, attachment.name)
        if attachment.embedded is not None:
            row.long(0x3705, 5)
            inner, inner_storages = _message_streams(attachment.embedded,
                                                     f"{folder}__substg1.0_3701000D/", False)
            streams.update(inner)
            storages += [f"{folder}__substg1.0_3701000D", *inner_storages]
            row.fixed.append(struct.pack("<IIII", 0x3701 << 16 | PT_OBJECT, 6, 0xFFFFFFFF, 0))
        else:
            row.long(0x3705, 1)
            row.string(0x3707, attachment.name)
            row.string(0x3704, attachment.name[:12])
            row.string(0x370E, attachment.mime)
            row.binary(0x3701, attachment.data)
        streams.update(row.finish(bytes(8)))
    count = struct.pack("<IIII", len(recipients), len(spec.attachments), len(recipients),
                        len(spec.attachments))
    header = bytes(8) + count + (bytes(8) if top else b"")
    streams.update(props.finish(header))
    if top:
        storages.append("__nameid_version1.0")
        for stream in ("00020102", "00030102", "00040102"):
            streams[f"__nameid_version1.0/__substg1.0_{stream}"] = b""
    return streams, storages


def build_msg(spec: MsgSpec) -> bytes:
    streams, storages = _message_streams(spec, "", True)
    return build_cfb(streams, tuple(storages))


def make_msg(path: Path, spec: MsgSpec | None = None) -> Path:
    path.write_bytes(build_msg(spec or MsgSpec()))
    return path


def rich_msg_spec(folder: Path) -> MsgSpec:
    """A message with recipients, IDs, an HTML body, a PDF, a DOCX and an embedded
    message (itself with an attachment)."""
    inner = MsgSpec(subject="Original survey", sender_name="Tom Weir",
                    sender_email="tom@example.org", to=[("Jane Roe", "jane@example.org")],
                    body="The survey of the lock gates is attached.\r\n",
                    message_id="<survey-1@example.org>",
                    attachments=[MsgAttachment("survey.txt", b"gates: 4\n", "text/plain")])
    return MsgSpec(
        subject=PERSIAN_SUBJECT, sender_name=ARABIC_NAME, sender_email="sara@example.org",
        to=[("Jane Roe", "jane@example.org"), ("Archive", "archive@example.org")],
        cc=[("Weir, Tom", "tom@example.org")],
        html="<html><body><p>The gauge read <b>2.4</b> metres.</p></body></html>",
        in_reply_to="<question-7@example.org>",
        references="<start-1@example.org> <question-7@example.org>",
        attachments=[MsgAttachment("report.pdf", real_pdf_bytes(folder), "application/pdf"),
                     MsgAttachment("minutes.docx", real_docx_bytes(folder)),
                     MsgAttachment("Original survey", embedded=inner)])


def compress_rtf_stored(rtf: bytes) -> bytes:
    """An RTF body in MS-OXRTFCP's uncompressed ("MELA") form."""
    return struct.pack("<IIII", len(rtf) + 12, len(rtf), 0x414C454D, 0) + rtf


# --- a stand-in readpst -----------------------------------------------------------------

FAKE_READPST = textwrap.dedent("""\
    #!{python}
    # A stand-in for readpst (pst-utils): the argument contract, and a folder tree of
    # .eml files as readpst -e writes them, or a chosen misbehaviour.
    import os, sys, time
    from pathlib import Path
    args = sys.argv[1:]
    mode = os.environ.get("FAKE_READPST_MODE", "ok")
    log = os.environ.get("FAKE_READPST_LOG")
    if log:
        Path(log).write_text("\\n".join(args))
    if os.environ.get("FAKE_READPST_PID"):
        Path(os.environ["FAKE_READPST_PID"]).write_text(str(os.getpid()))
    assert sys.stdin is None or sys.stdin.read() == ""
    out = Path(args[args.index("-o") + 1])
    source = Path(args[-1])
    if mode == "fail":
        sys.stderr.write("pst_open: \\x1b[31mError opening File\\x1b[0m " + "x" * 500 + "\\n")
        sys.exit(1)
    if mode == "stdout-fail":
        print("Error opening File")
        sys.exit(1)
    if mode == "hang":
        time.sleep(600)
    if mode == "memory":
        block = bytearray(4 * 1024 ** 3)
    if mode == "garbage":
        (out / "Top").mkdir()
        (out / "Top" / "1.eml").write_bytes(os.urandom(5000))
        (out / "Top" / "notes.txt").write_text("not a message")
        os.symlink("/etc", out / "Top" / "link")
        os.symlink("/etc/passwd", out / "Top" / "2.eml")
        deep = out / "Deep"
        for level in range(80):
            deep = deep / "d"
        deep.mkdir(parents=True)
        (deep / "1.eml").write_bytes(b"Subject: deep\\n\\nbody\\n")
        many = out / "Zmany"
        many.mkdir()
        for number in range(1, int(os.environ.get("FAKE_READPST_MANY", "0")) + 1):
            (many / f"{{number}}.eml").write_bytes(b"Subject: many\\n\\nx\\n")
        sys.exit(0)
    tree = Path(os.environ["FAKE_READPST_TREE"])
    for path in sorted(tree.rglob("*")):
        target = out / path.relative_to(tree)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    """)


def install_fake_readpst(folder: Path) -> Path:
    """A `readpst` in `folder` (put it first on PATH) running under this Python."""
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / "readpst"
    program.write_text(FAKE_READPST.format(python=sys.executable))
    program.chmod(0o755)
    return program


def make_readpst_tree(folder: Path) -> dict[str, list[bytes]]:
    """The .eml files a PST's folders hold, as readpst -e lays them out."""
    tree = {
        "Personal Folders/Inbox": [simple_message(1), simple_message(2, PERSIAN_SUBJECT),
                                   simple_message(3, message_id=None)],
        "Personal Folders/Inbox/Harbour": [simple_message(4)],
        "Personal Folders/Sent Items": [simple_message(5, message_id="<tide-1@example.org>"),
                                        simple_message(6, message_id="<dup@example.org>"),
                                        simple_message(7, message_id="<dup@example.org>")],
    }
    written: dict[str, list[bytes]] = {}
    for name, messages in tree.items():
        target = folder / name
        target.mkdir(parents=True, exist_ok=True)
        written[name] = []
        for number, message in enumerate(messages, 1):
            data = bytes(message)
            (target / f"{number}.eml").write_bytes(data)
            written[name].append(data)
    return written


def compress_rtf_literal(rtf: bytes) -> bytes:
    """An RTF body in MS-OXRTFCP's compressed ("LZFu") form, every byte a literal and
    the end marked by a reference to the write position (as the format says)."""
    out = bytearray()
    position = 207  # after the format's 207-byte preset dictionary
    for start in range(0, len(rtf), 8):
        chunk = rtf[start:start + 8]
        if len(chunk) == 8:
            out += b"\0" + chunk
        else:
            out += bytes([1 << len(chunk)]) + chunk
        position = (position + len(chunk)) % 4096
    if len(rtf) % 8 == 0:
        out += b"\x01"
    out += struct.pack(">H", position << 4)
    crc = zlib.crc32(bytes(out), 0xFFFFFFFF) ^ 0xFFFFFFFF  # MS-OXRTFCP: no inversions
    return struct.pack("<IIII", len(out) + 12, len(rtf), 0x75465A4C, crc) + bytes(out)
