"""The mail importers on real files: .eml, .mbox, .msg and .pst (through readpst).

The e-mails are written by the stdlib's `email`, the mailboxes by `mailbox.mbox`, the
.msg files by our MS-OXMSG writer (mail_fixtures.py; checked to read back the same with
olefile and, outside these tests, extract_msg). No writer of .pst files exists here, so
the readpst path is tested against a stand-in readpst that lays out .eml files as
readpst -e does (the subprocess contract), and against the real readpst only on files
it must refuse.
"""

from __future__ import annotations

import email
import re
import shutil
import tempfile
from email import policy
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import eml, mail_headers, mbox, members, msg, pst
from archive_app.core.ingest.documents import Extracted
from tests.core.ingest import mail_fixtures as fx


@pytest.fixture(autouse=True)
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Members folders go under this test's own temporary folder."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def member_bytes(extracted: Extracted) -> dict[str, bytes]:
    return {member.key_part: Path(member.path).read_bytes()
            for member in extracted.members if member.path}


def parse(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=policy.default)


# --- eml ---------------------------------------------------------------------------------

def test_eml_headers_details_and_body(tmp_path: Path) -> None:
    rich = fx.make_rich_eml(tmp_path / "gauge.eml")
    extracted = eml.extract(rich.path)
    assert extracted.metadata == {"title": fx.PERSIAN_SUBJECT,
                                  "author": f"{fx.ARABIC_NAME} <sara@example.org>",
                                  "date": "Tue, 03 Feb 2015 10:00:00 +0000"}
    assert extracted.details == {
        "from": f"{fx.ARABIC_NAME} <sara@example.org>",
        "to": "Jane Roe <jane@example.org>, archive@example.org",
        "cc": '"Weir, Tom" <tom@example.org>',
        "message_id": "<gauge-2015@example.org>",
        "in_reply_to": "<question-7@example.org>",
        "references": "<start-1@example.org> <question-7@example.org>",
    }
    assert extracted.text.startswith(fx.BODY_WITH_FROM.strip())
    assert "<b>" not in extracted.text and "2.4</b>" not in extracted.text
    assert extracted.text.count("read 2.4 metres") == 1  # the HTML alternative is not read


def test_eml_attachments_are_members_holding_their_bytes(tmp_path: Path) -> None:
    rich = fx.make_rich_eml(tmp_path / "gauge.eml")
    extracted = eml.extract(rich.path)
    names = ["report.pdf", "minutes.docx", "note.txt", "photo.png", "attachment-5.pdf",
             "attachment-6.eml"]
    assert extracted.attachments == names  # the inline logo without a name is not one
    assert extracted.text.endswith("Attachments: " + ", ".join(names))
    assert [member.key_part for member in extracted.members] == \
        [f"attachment-{n}/{name}" for n, name in enumerate(names, 1)]
    assert [member.place for member in extracted.members] == \
        [f"attachment {n}: {name}" for n, name in enumerate(names, 1)]
    found = member_bytes(extracted)
    for n, name in enumerate(names[:5], 1):
        assert found[f"attachment-{n}/{name}"] == rich.attachments[name], name
    suffixes = [Path(member.path).suffix for member in extracted.members]
    assert suffixes == [".pdf", ".docx", ".txt", ".png", ".pdf", ".eml"]
    for member in extracted.members:
        assert Path(member.path).parent == Path(extracted.members_dir)


def test_eml_forwarded_message_is_a_message_member(tmp_path: Path) -> None:
    rich = fx.make_rich_eml(tmp_path / "gauge.eml")
    outer = eml.extract(rich.path)
    forwarded = Path(outer.members[-1].path)
    inner = eml.extract(forwarded)
    assert inner.metadata["title"] == "Original survey"
    assert inner.details["message_id"] == "<survey-1@example.org>"
    assert "survey of the lock gates" in inner.text
    assert inner.attachments == ["survey.pdf"]
    original = next(rich.forwarded.iter_attachments()).get_content()
    assert Path(inner.members[0].path).read_bytes() == original


def test_eml_keys_are_the_same_on_every_reading(tmp_path: Path) -> None:
    rich = fx.make_rich_eml(tmp_path / "gauge.eml")
    first, second = eml.extract(rich.path), eml.extract(rich.path)
    assert [m.key_part for m in first.members] == [m.key_part for m in second.members]
    assert first.members_dir != second.members_dir
    assert member_bytes(first) == member_bytes(second)


def test_eml_without_attachments_makes_no_members_folder(tmp_path: Path) -> None:
    path = tmp_path / "plain.eml"
    path.write_bytes(bytes(fx.simple_message(1)))
    extracted = eml.extract(path)
    assert (extracted.members, extracted.members_dir, extracted.attachments) == ([], "", [])
    assert extracted.text.strip() == "Reading number 1."


def test_eml_hostile_attachment_names_stay_inside(tmp_path: Path) -> None:
    message = fx.simple_message(1)
    message.add_attachment(b"one", maintype="application", subtype="octet-stream",
                           filename="../../etc/passwd")
    message.add_attachment(b"two", maintype="application", subtype="pdf",
                           filename="C:\\Users\\x\\evil\x1b[31m.pdf")
    path = tmp_path / "names.eml"
    path.write_bytes(bytes(message))
    extracted = eml.extract(path)
    assert [m.key_part for m in extracted.members] == ["attachment-1/passwd",
                                                        "attachment-2/evil[31m.pdf"]
    for member in extracted.members:
        assert Path(member.path).parent == Path(extracted.members_dir)
        assert "\x1b" not in member.place


# --- mbox --------------------------------------------------------------------------------

def mailbox_messages(tmp_path: Path) -> list[email.message.EmailMessage]:
    with_attachment = fx.simple_message(6, body=fx.BODY_WITH_FROM)
    with_attachment.add_attachment(fx.real_pdf_bytes(tmp_path), maintype="application",
                                   subtype="pdf", filename="report.pdf")
    return [fx.simple_message(1), fx.simple_message(2, fx.PERSIAN_SUBJECT),
            fx.simple_message(3, message_id=None),
            fx.simple_message(4, message_id="<same@example.org>"),
            fx.simple_message(5, message_id="<same@example.org>"), with_attachment]


def test_mbox_messages_are_members_with_listing(tmp_path: Path) -> None:
    messages = mailbox_messages(tmp_path)
    path = fx.make_mbox(tmp_path / "Harbour mail.mbox", messages)
    extracted = mbox.extract(path)
    assert extracted.metadata == {"title": "Harbour mail"}
    assert [m.key_part for m in extracted.members] == [
        "tide-1@example.org", "tide-2@example.org", "message-3", "message-4", "message-5",
        "tide-6@example.org"]
    assert extracted.members[1].place == f"message 2: {fx.PERSIAN_SUBJECT}"
    assert extracted.members[0].place == "message 1: Tide report 1"
    lines = extracted.text.splitlines()
    assert lines[0] == "Mailbox: 6 messages"
    assert lines[2] == "2015-02-02 — Keeper 1 <keeper1@example.org> — Tide report 1"
    assert lines[3] == f"2015-02-03 — Keeper 2 <keeper2@example.org> — {fx.PERSIAN_SUBJECT}"
    for member, original in zip(extracted.members, messages, strict=True):
        copy = parse(Path(member.path).read_bytes())
        assert copy["subject"] == original["subject"]
        # mboxo (the stdlib's writer) escapes "From " but not ">From ", so the one line
        # that began with ">From " comes back as "From ": the format cannot tell them apart
        body = original.get_body().get_content().replace(">From a quoted", "From a quoted")
        assert copy.get_body().get_content() == body
    last = parse(Path(extracted.members[-1].path).read_bytes())
    assert "\nFrom the harbour office" in last.get_body().get_content()  # unescaped
    assert next(last.iter_attachments()).get_content() == fx.real_pdf_bytes(tmp_path)


def test_mbox_keys_are_the_same_on_every_reading(tmp_path: Path) -> None:
    path = fx.make_mbox(tmp_path / "box.mbox", mailbox_messages(tmp_path))
    first, second = mbox.extract(path), mbox.extract(path)
    assert [m.key_part for m in first.members] == [m.key_part for m in second.members]
    assert member_bytes(first) == member_bytes(second)


def test_mbox_crlf_mboxrd_and_long_subject(tmp_path: Path) -> None:
    subject = "Long " * 40
    data = (b"From a@b Tue Feb  3 10:00:00 2015\r\nSubject: " + subject.encode()
            + b"\r\nMessage-ID: <x/y\x01z@b>\r\n\r\n>>From quoted twice\r\n>From once\r\n\r\n"
            b"From c@d Tue Feb  3 10:00:00 2015\r\nSubject: two\r\n\r\nbody\r\n")
    path = tmp_path / "crlf.mbx"
    path.write_bytes(data)
    extracted = mbox.extract(path)
    assert [m.key_part for m in extracted.members] == ["x_yz@b", "message-2"]
    assert len(extracted.members[0].place) <= len("message 1: ") + 80
    first = Path(extracted.members[0].path).read_bytes()
    assert first.endswith(b"\r\n\r\n>From quoted twice\r\nFrom once\r\n")
    assert Path(extracted.members[1].path).read_bytes() == b"Subject: two\r\n\r\nbody\r\n"


def reference_split(data: bytes) -> list[bytes] | None:
    """The mbox rules, line by line (the importer applies them block by block): a
    message per "From " line, the blank line before one dropped, ">From " unescaped;
    None for a file that does not begin with a "From " line."""
    found: list[bytes] = []
    current, pending = None, b""
    for line in re.findall(rb"[^\n]*\n|[^\n]+$", data):
        if line.startswith(b"From "):
            if current is not None:
                found.append(current)
            current, pending = b"", b""
        elif current is None:
            if line.strip():
                return None
        elif line in (b"\n", b"\r\n"):
            current, pending = current + pending, line
        else:
            line = line[1:] if re.match(rb">+From ", line) else line
            current, pending = current + pending + line, b""
    return found + [current] if current is not None else found


MBOX_PIECES = [b"From ", b">From ", b">>From ", b"\n", b"\r\n", b"\n\n", b"x", b"Subject: s",
               b" ", b"\r", b">", b"F"]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(pieces=st.lists(st.sampled_from(MBOX_PIECES), max_size=60),
       chunk=st.sampled_from([80, 97, 128, 1 << 20]))
@example(pieces=[b"x"] * 68 + [b"\n", b"From ", b"x", b"\n", b">From ", b"x"], chunk=80)
@example(pieces=[b"x"] * 69 + [b"\n", b">From ", b"\n\n", b"From ", b"\n"], chunk=80)
def test_mbox_split_in_blocks_matches_the_line_rules(pieces, chunk, tmp_path_factory) -> None:
    """Blocks of a few lines (a line longer than a block comes in pieces; the blocks are
    kept longer than any "From " or ">>From " prefix here, as 1 MB blocks are in life)."""
    data = b"From a@b\n" + b"".join(pieces)
    path = tmp_path_factory.mktemp("split") / "box.mbox"
    path.write_bytes(data)
    expected = reference_split(data)
    previous = mbox.READ_CHUNK
    mbox.READ_CHUNK = chunk
    try:
        extracted = mbox.extract(path)
    finally:
        mbox.READ_CHUNK = previous
    found = [Path(m.path).read_bytes() if m.path else b"" for m in extracted.members]
    members.remove_members_dir(extracted.members_dir)
    assert found == expected


def test_a_file_that_is_not_a_mailbox_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.mbox"
    path.write_bytes(b"Subject: a lone message\n\nnot an mbox\n")
    with pytest.raises(RejectedFile) as caught:
        mbox.extract(path)
    assert caught.value.code == "corrupt"
    assert list(Path(tempfile.gettempdir()).iterdir()) == []  # its folder is removed


# --- msg ---------------------------------------------------------------------------------

def test_msg_fields_and_members(tmp_path: Path) -> None:
    spec = fx.rich_msg_spec(tmp_path)
    path = fx.make_msg(tmp_path / "gauge.msg", spec)
    extracted = msg.extract(path)
    assert extracted.metadata == {"title": fx.PERSIAN_SUBJECT,
                                  "author": f"{fx.ARABIC_NAME} <sara@example.org>",
                                  "date": "2015-02-03T10:00:00Z"}
    assert extracted.details == {
        "from": f"{fx.ARABIC_NAME} <sara@example.org>",
        "to": "Jane Roe <jane@example.org>, Archive <archive@example.org>",
        "cc": '"Weir, Tom" <tom@example.org>',
        "message_id": "<gauge-msg@example.org>",
        "in_reply_to": "<question-7@example.org>",
        "references": "<start-1@example.org> <question-7@example.org>",
    }
    assert extracted.text.startswith("The gauge at Weir Bridge read 2.4 metres.")
    assert extracted.attachments == ["report.pdf", "minutes.docx", "Original survey"]
    assert [m.key_part for m in extracted.members] == [
        "attachment-1/report.pdf", "attachment-2/minutes.docx", "attachment-3/Original survey"]
    found = member_bytes(extracted)
    assert found["attachment-1/report.pdf"] == spec.attachments[0].data
    assert found["attachment-2/minutes.docx"] == spec.attachments[1].data
    assert Path(extracted.members[2].path).suffix == ".eml"


def test_msg_embedded_message_becomes_an_eml(tmp_path: Path) -> None:
    path = fx.make_msg(tmp_path / "gauge.msg", fx.rich_msg_spec(tmp_path))
    inner = eml.extract(Path(msg.extract(path).members[2].path))
    assert inner.metadata["title"] == "Original survey"
    assert inner.metadata["author"] == "Tom Weir <tom@example.org>"
    assert inner.details["to"] == "Jane Roe <jane@example.org>"
    assert inner.details["message_id"] == "<survey-1@example.org>"
    assert "survey of the lock gates" in inner.text
    assert member_bytes(inner) == {"attachment-1/survey.txt": b"gates: 4\n"}


def test_msg_keys_are_the_same_on_every_reading(tmp_path: Path) -> None:
    path = fx.make_msg(tmp_path / "gauge.msg", fx.rich_msg_spec(tmp_path))
    first, second = msg.extract(path), msg.extract(path)
    assert [m.key_part for m in first.members] == [m.key_part for m in second.members]
    assert member_bytes(first) == member_bytes(second)


def test_msg_8bit_strings_in_the_message_code_page(tmp_path: Path) -> None:
    spec = fx.MsgSpec(subject="تقرير الميناء", sender_name="سارة", codepage=1256,
                      body="نص عربي\r\n", to=[("جميلة", "j@example.org")])
    extracted = msg.extract(fx.make_msg(tmp_path / "arabic.msg", spec))
    assert extracted.metadata["title"] == "تقرير الميناء"
    assert extracted.details["to"] == "جميلة <j@example.org>"
    assert extracted.text == "نص عربي\r\n"


def test_msg_html_and_rtf_bodies(tmp_path: Path) -> None:
    html = fx.MsgSpec(body="", html="<p>Gauge at <b>Weir Bridge</b></p><script>x()</script>")
    assert msg.extract(fx.make_msg(tmp_path / "html.msg", html)).text == \
        "Gauge at Weir Bridge"
    rtf = b"{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}\\f0 Tide {\\b report} in RTF.\\par}"
    for name, packed in (("lzfu", fx.compress_rtf_literal(rtf)),
                         ("mela", fx.compress_rtf_stored(rtf))):
        spec = fx.MsgSpec(body="", rtf=packed)
        text = msg.extract(fx.make_msg(tmp_path / f"{name}.msg", spec)).text
        assert text.strip() == "Tide report in RTF.", name


def test_msg_transport_headers_fill_what_properties_lack(tmp_path: Path) -> None:
    headers = ("Date: Wed, 04 Feb 2015 08:30:00 +0100\r\nMessage-ID: <from-headers@x>\r\n"
               "References: <r1@x>\r\n\r\n")
    spec = fx.MsgSpec(message_id="", transport_headers=headers, submit_time=None)
    extracted = msg.extract(fx.make_msg(tmp_path / "headers.msg", spec))
    assert extracted.metadata["date"] == "Wed, 04 Feb 2015 08:30:00 +0100"
    assert extracted.details["message_id"] == "<from-headers@x>"
    assert extracted.details["references"] == "<r1@x>"


def test_msg_attachment_without_a_name_is_named_from_its_type(tmp_path: Path) -> None:
    spec = fx.MsgSpec(attachments=[fx.MsgAttachment("", b"%PDF-1.4 x", "application/pdf")])
    extracted = msg.extract(fx.make_msg(tmp_path / "unnamed.msg", spec))
    assert extracted.attachments == ["attachment-1.pdf"]
    assert Path(extracted.members[0].path).suffix == ".pdf"


def test_a_file_that_is_not_a_compound_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fake.msg"
    path.write_bytes(b"Subject: not outlook\n\n")
    with pytest.raises(RejectedFile) as caught:
        msg.extract(path)
    assert caught.value.code == "corrupt"


# --- pst ---------------------------------------------------------------------------------

@pytest.fixture
def fake_readpst(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The stand-in readpst first on PATH; returns the file its arguments are logged to."""
    fx.install_fake_readpst(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    log = tmp_path / "readpst-args"
    monkeypatch.setenv("FAKE_READPST_LOG", str(log))
    tree = tmp_path / "tree"
    monkeypatch.setenv("FAKE_READPST_TREE", str(tree))
    return log


def test_pst_messages_through_readpst(tmp_path: Path, fake_readpst: Path) -> None:
    written = fx.make_readpst_tree(tmp_path / "tree")
    path = tmp_path / "Archive 2015.pst"
    path.write_bytes(b"!BDN stand-in")
    extracted = pst.extract(path)
    arguments = fake_readpst.read_text().split("\n")
    assert arguments[:8] == ["-e", "-q", "-b", "-8", "-j", "0", "-t", "e"]
    assert arguments[8] == "-o" and arguments[-1] == str(path.resolve())
    assert Path(arguments[9]).parent == Path(extracted.members_dir)
    assert extracted.metadata == {"title": "Archive 2015"}
    assert [m.key_part for m in extracted.members] == [
        "Personal Folders/Inbox/tide-1@example.org",
        "Personal Folders/Inbox/tide-2@example.org",
        "Personal Folders/Inbox/message-3",
        "Personal Folders/Inbox/Harbour/tide-4@example.org",
        "Personal Folders/Sent Items/tide-1@example.org",
        "Personal Folders/Sent Items/message-2",
        "Personal Folders/Sent Items/message-3"]
    assert extracted.members[1].place == \
        f"folder Personal Folders/Inbox › message 2: {fx.PERSIAN_SUBJECT}"
    found = [Path(m.path).read_bytes() for m in extracted.members]
    assert found == [*written["Personal Folders/Inbox"],
                     *written["Personal Folders/Inbox/Harbour"],
                     *written["Personal Folders/Sent Items"]]
    lines = extracted.text.splitlines()
    assert lines[0] == "Outlook data file: 7 messages"
    assert "Folder Personal Folders/Inbox (3 messages)" in lines
    assert "  2015-02-02 — Keeper 1 <keeper1@example.org> — Tide report 1" in lines
    again = pst.extract(path)
    assert [m.key_part for m in again.members] == [m.key_part for m in extracted.members]


def test_pst_without_readpst_is_unsupported(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    path = tmp_path / "a.pst"
    path.write_bytes(b"!BDN")
    with pytest.raises(RejectedFile) as caught:
        pst.extract(path)
    assert caught.value.code == "unsupported"


@pytest.mark.skipif(shutil.which("readpst") is None, reason="pst-utils is not installed")
def test_real_readpst_refuses_a_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / "damaged.ost"
    path.write_bytes(b"!BDN" + bytes(range(256)) * 20)
    with pytest.raises(RejectedFile) as caught:
        pst.extract(path)
    assert caught.value.code == "corrupt"
    assert caught.value.reason.startswith("readpst could not read the file: ")
    assert list(Path(tempfile.gettempdir()).iterdir()) == []


def test_message_keys_from_ids() -> None:
    assert mail_headers.message_key(" <a/b c@d> ") == "a_b_c@d"
    assert mail_headers.unique_keys(["<a@b>", "", "<a@b>", "<message-9>", "<c@d>"]) == \
        ["message-1", "message-2", "message-3", "message-4", "c@d"]
    assert members.MAX_MEMBERS > 0
