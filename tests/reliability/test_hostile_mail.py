"""Hostile mail files: each is read (an Extracted) or refused (a RejectedFile with a
reason), nothing else escapes, members stay inside their folder and within their
limits, and the members folder of a refused file is removed.

Random bytes and mutations of real files for every suffix; header floods; mailboxes of
many tiny messages and of one endless line; attachment bombs against MAX_MEMBER_BYTES
and the container Budget; nesting floods; damaged compound files (.msg); and a readpst
that hangs, fails, floods memory or writes garbage (a stand-in program: see
mail_fixtures.py). Bounds are generous and no test asserts wall-clock time.
"""

from __future__ import annotations

import base64
import os
import quopri
import resource
import shutil
import struct
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import (
    CONTAINER_TIME_LIMIT,
    bounds,
    eml,
    mail_headers,
    mbox,
    members,
    msg,
    pst,
)
from archive_app.core.ingest.documents import Extracted
from tests.core.ingest import mail_fixtures as fx
from tests.reliability.test_hostile_files import mutate

MODULES = {".eml": eml, ".mbox": mbox, ".msg": msg, ".pst": pst}
CODES = {"empty", "binary", "too-large", "corrupt", "unreadable", "unsupported", "bomb",
         "timeout"}
SEEDS: dict[str, bytes] = {}
HAS_READPST = shutil.which("readpst") is not None


@pytest.fixture(autouse=True)
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Members folders go under this test's own folder, so leftovers can be seen."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def read(path: Path, nested: bool = True) -> Extracted | RejectedFile:
    """The importer's outcome, checked; with `nested`, .eml members are read too."""
    module = MODULES[path.suffix if path.suffix != ".ost" else ".pst"]
    try:
        with bounds.bounded("MAIL", time_limit=CONTAINER_TIME_LIMIT):  # as the loader
            extracted = module.extract(path)
    except RejectedFile as rejected:
        assert rejected.code in CODES and rejected.reason.strip(), rejected.reason
        assert "\x1b" not in rejected.reason and "\n" not in rejected.reason
        return rejected
    assert isinstance(extracted.text, str)
    for value in (*extracted.details.values(), *extracted.metadata.values()):
        assert "\n" not in value and len(value) <= mail_headers.MAX_HEADER_CHARS
    for member in extracted.members:
        assert member.key_part and "\n" not in member.place
        if member.path:
            target = Path(member.path)
            assert target.resolve().is_relative_to(Path(extracted.members_dir).resolve())
            assert target.is_file() and not target.is_symlink()
            assert target.stat().st_size <= members.MAX_MEMBER_BYTES
            if nested and target.suffix == ".eml":
                read(target, nested=False)
        else:
            assert member.skip_code in CODES and member.skip_reason
    members.remove_members_dir(extracted.members_dir)
    return extracted


def leftovers() -> list[str]:
    return sorted(os.listdir(tempfile.gettempdir()))


def seed(suffix: str, folder: Path) -> bytes:
    """A valid, rich file of the format (generated once)."""
    if suffix not in SEEDS:
        path = folder / f"seed{suffix}"
        if suffix == ".eml":
            fx.make_rich_eml(path)
        elif suffix == ".msg":
            fx.make_msg(path, fx.rich_msg_spec(folder))
        else:
            rich = fx.make_rich_eml(folder / "inner.eml")
            fx.make_mbox(path, [fx.simple_message(1),
                                fx.eml_message(rich.path), fx.simple_message(3)])
        SEEDS[suffix] = path.read_bytes()
    return SEEDS[suffix]


# --- random and mutated files ---------------------------------------------------------------

PREFIXES = {".eml": b"", ".mbox": b"From x@y Tue Feb  3 10:00:00 2015\n",
            ".msg": bytes.fromhex("D0CF11E0A1B11AE1"), ".pst": b"!BDN"}


@pytest.mark.parametrize("suffix", [".eml", ".mbox", ".msg", ".pst"])
def test_random_bytes(suffix: str, tmp_path: Path) -> None:
    if suffix == ".pst" and not HAS_READPST:
        pytest.fail("readpst is missing: scripts/ensure-system.sh test installs pst-utils")

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.binary(max_size=6000), prefixed=st.booleans())
    def check(data: bytes, prefixed: bool) -> None:
        path = tmp_path / f"random{suffix}"
        path.write_bytes((PREFIXES[suffix] if prefixed else b"") + data)
        read(path)

    check()
    assert leftovers() == []


@pytest.mark.parametrize("suffix", [".eml", ".mbox", ".msg"])
def test_mutated_real_files(suffix: str, tmp_path: Path) -> None:
    valid = seed(suffix, tmp_path)
    assert isinstance(read(tmp_path / f"seed{suffix}"), Extracted)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def check(data) -> None:
        path = tmp_path / f"mutant{suffix}"
        path.write_bytes(mutate(data.draw, valid))
        read(path)

    check()
    assert leftovers() == []


# --- header floods ------------------------------------------------------------------------

def flood_message(headers: str, body: str = "body\n") -> bytes:
    return (headers + "Content-Type: text/plain\n\n" + body).encode("utf-8")


@pytest.mark.parametrize("headers", [
    "Subject: " + "=?utf-8?q?a?= " * 20_000 + "\n",
    "Subject: " + "=?utf-8?b?2LPZhNin2YU=?=" * 20_000 + "\n",
    "To: " + ", ".join(f"Person {n} <p{n}@example.org>" for n in range(100_000)) + "\n",
    "From: " + "," * 60_000 + "\n",
    "Cc: " + "<a " * 66_000 + "\n",
    "".join(f"Received: from host{n}\n" for n in range(100_000)) + "Subject: many\n",
    "Message-ID: <" + "x/" * 50_000 + ">\nReferences: " + "<r@x> " * 50_000 + "\n",
])
def test_header_floods(headers: str, tmp_path: Path) -> None:
    path = tmp_path / "flood.eml"
    path.write_bytes(flood_message(headers))
    assert isinstance(read(path), Extracted)
    box = tmp_path / "flood.mbox"
    box.write_bytes(b"From x@y Tue Feb  3 10:00:00 2015\n" + flood_message(headers) * 2)
    outcome = read(box)
    assert isinstance(outcome, Extracted)
    assert all(len(member.key_part) <= mail_headers.MAX_KEY_CHARS + 20
               for member in outcome.members)


def test_msg_string_floods(tmp_path: Path) -> None:
    spec = fx.MsgSpec(subject="=?utf-8?q?a?= " * 40_000, sender_name="," * 60_000,
                      to=[(f"Person {n}", f"p{n}@example.org") for n in range(1500)],
                      message_id="<" + "x" * 200_000 + ">")
    outcome = read(fx.make_msg(tmp_path / "flood.msg", spec))
    assert isinstance(outcome, Extracted)
    assert len(outcome.details["to"]) <= mail_headers.MAX_HEADER_CHARS


# --- mailboxes ------------------------------------------------------------------------------

def test_mbox_of_many_tiny_messages(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(members, "MAX_MEMBERS", 1000)
    path = tmp_path / "tiny.mbox"
    with path.open("wb") as handle:
        for number in range(100_000):
            handle.write(b"From x@y Tue Feb  3 10:00:00 2015\nSubject: %d\n\nx\n\n" % number)
    outcome = read(path, nested=False)
    assert isinstance(outcome, Extracted)
    assert len(outcome.members) == 1001 and outcome.members[-1].skip_code == "too-large"
    assert outcome.text.startswith("Mailbox: 1000 messages")
    assert "the rest are not read" in outcome.text


def test_mbox_of_one_endless_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(members, "MAX_MEMBER_BYTES", 4 * 1024 * 1024)
    path = tmp_path / "endless.mbox"
    with path.open("wb") as handle:
        handle.write(b"From x@y Tue Feb  3 10:00:00 2015\nSubject: endless\n\n")
        for _ in range(40):
            handle.write(b"y" * 1024 * 1024)
        handle.write(b"\nFrom a@b Tue Feb  3 10:00:00 2015\nSubject: after\n\nok\n")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcome = read(path)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert isinstance(outcome, Extracted)
    assert [member.skip_code for member in outcome.members] == ["too-large", ""]
    assert grown < 100 * 1024  # KiB: read in pieces, never whole


def test_mbox_whose_from_line_never_ends(tmp_path: Path) -> None:
    path = tmp_path / "from.mbox"
    path.write_bytes(b"From " + b"z" * 5 * 1024 * 1024 + b"\nSubject: s\n\nbody\n")
    outcome = read(path)
    assert isinstance(outcome, Extracted) and len(outcome.members) == 1


# --- bombs --------------------------------------------------------------------------------

def message_with(sizes: list[int]):
    message = fx.simple_message(1)
    for number, size in enumerate(sizes):
        message.add_attachment(os.urandom(size), maintype="application",
                               subtype="octet-stream", filename=f"blob{number}.bin")
    return message


def test_eml_attachments_beyond_the_member_limit_are_skipped(tmp_path: Path,
                                                             monkeypatch) -> None:
    monkeypatch.setattr(members, "MAX_MEMBER_BYTES", 1024 * 1024)
    path = tmp_path / "bomb.eml"
    path.write_bytes(bytes(message_with([512 * 1024, 3 * 1024 * 1024])))
    outcome = read(path)
    assert [member.skip_code for member in outcome.members] == ["", "too-large"]


def test_eml_attachments_beyond_the_budget_are_skipped(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(members, "MAX_TOTAL_BYTES", 2 * 1024 * 1024)
    path = tmp_path / "budget.eml"
    path.write_bytes(bytes(message_with([900 * 1024] * 3)))
    outcome = read(path)
    assert [member.skip_code for member in outcome.members] == ["", "", "too-large"]
    assert "more than" in outcome.members[2].skip_reason


def test_eml_larger_than_a_file_may_be_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.eml"
    chunk = base64.encodebytes(b"\0" * 3 * 1024 * 1024)
    with path.open("wb") as handle:
        handle.write(b"Subject: big\nContent-Type: application/pdf\n"
                     b"Content-Transfer-Encoding: base64\n\n")
        for _ in range(18):  # ~73 MB of base64 (54 MB decoded)
            handle.write(chunk)
    outcome = read(path)
    assert isinstance(outcome, RejectedFile) and outcome.code == "too-large"


def test_mbox_message_beyond_the_member_limit_is_skipped(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(members, "MAX_MEMBER_BYTES", 1024 * 1024)
    big = message_with([2 * 1024 * 1024])
    path = fx.make_mbox(tmp_path / "bomb.mbox", [fx.simple_message(1), big,
                                                 fx.simple_message(3)])
    outcome = read(path)
    assert [member.skip_code for member in outcome.members] == ["", "too-large", ""]
    assert "[not read:" in outcome.text.splitlines()[3]


def test_msg_attachment_beyond_the_member_limit_is_skipped(tmp_path: Path,
                                                           monkeypatch) -> None:
    monkeypatch.setattr(members, "MAX_MEMBER_BYTES", 1024 * 1024)
    spec = fx.MsgSpec(attachments=[fx.MsgAttachment("small.bin", b"s" * 5000),
                                   fx.MsgAttachment("big.bin", os.urandom(3 * 1024 * 1024))])
    outcome = read(fx.make_msg(tmp_path / "bomb.msg", spec))
    assert [member.skip_code for member in outcome.members] == ["", "too-large"]


def test_msg_embedded_messages_nested_too_deep(tmp_path: Path) -> None:
    spec = fx.MsgSpec(subject="deepest")
    for level in range(members.MAX_DEPTH + 3):
        spec = fx.MsgSpec(subject=f"level {level}",
                          attachments=[fx.MsgAttachment(f"inner {level}", embedded=spec)])
    path = fx.make_msg(tmp_path / "deep.msg", spec)
    outcome = msg.extract(path)
    written = Path(outcome.members[0].path).read_bytes()
    assert written.count(b"Subject: level") == members.MAX_DEPTH
    assert f"nested more than {members.MAX_DEPTH} deep".encode() in quopri.decodestring(written)
    members.remove_members_dir(outcome.members_dir)
    assert isinstance(read(path), Extracted)


# --- nesting ------------------------------------------------------------------------------

def nested_multiparts(depth: int, body_lines: int = 3) -> bytes:
    head = "".join(f"Content-Type: multipart/mixed; boundary=b{n}\n\n--b{n}\n"
                   for n in range(depth))
    tail = "".join(f"\n--b{n}--\n" for n in reversed(range(depth)))
    body = "Content-Type: text/plain\n\n" + "x\n" * body_lines
    return ("Subject: nested\n" + head + body + tail).encode()


@pytest.mark.parametrize("depth, lines", [(60, 3), (2000, 3), (20, 3_000_000), (400, 1)])
def test_deeply_nested_multiparts(depth: int, lines: int, tmp_path: Path) -> None:
    path = tmp_path / "nested.eml"
    path.write_bytes(nested_multiparts(depth, lines))
    outcome = read(path)
    if depth == 60:
        assert isinstance(outcome, Extracted) and "x\nx" in outcome.text
    else:
        assert isinstance(outcome, RejectedFile)


@pytest.mark.parametrize("depth", [300, 5000])
def test_deeply_nested_forwarded_messages(depth: int, tmp_path: Path) -> None:
    path = tmp_path / "forwards.eml"
    path.write_bytes(("Subject: s\n" + "Content-Type: message/rfc822\n\nSubject: s\n" * depth
                      + "\nbody\n").encode())
    read(path)


def test_many_parts(tmp_path: Path) -> None:
    message = fx.simple_message(1)
    for number in range(eml.MAX_PARTS + 5):
        message.add_attachment(b"x", maintype="application", subtype="octet-stream",
                               filename=f"{number}.bin")
    path = tmp_path / "parts.eml"
    path.write_bytes(bytes(message))
    outcome = read(path)
    assert isinstance(outcome, RejectedFile) and outcome.code == "too-large"


# --- damaged compound files ---------------------------------------------------------------

def damaged_msgs(valid: bytes) -> dict[str, bytes]:
    """The rich message broken in the ways a compound file can be."""
    fat_sectors = struct.unpack_from("<I", valid, 44)[0]
    entries = fat_sectors * 128
    fat = bytearray(valid)
    looped, zeroed = bytearray(valid), bytearray(valid)
    for index in range(entries):
        struct.pack_into("<I", looped, 512 + 4 * index, index)  # every chain loops on itself
        struct.pack_into("<I", zeroed, 512 + 4 * index, 0)
    directory_start = struct.unpack_from("<I", valid, 48)[0]
    tree_loop = bytearray(valid)
    root_entry = 512 + 512 * directory_start
    for side in (68, 72, 76):  # the root's siblings and child all point back at it
        struct.pack_into("<I", tree_loop, root_entry + 128 + side, 1)
    huge_sizes = bytearray(valid)
    for entry in range(4):
        struct.pack_into("<Q", huge_sizes, root_entry + 128 * entry + 120, 2 ** 40)
    struct.pack_into("<I", fat, 44, 10_000_000)  # a FAT of 10 million sectors claimed
    bad_shift = bytearray(valid)
    struct.pack_into("<H", bad_shift, 30, 30)
    difat_garbage = bytearray(valid)
    difat_garbage[76:76 + 436] = os.urandom(436)
    return {"truncated-header": valid[:300], "truncated-fat": valid[:700],
            "truncated-half": valid[:len(valid) // 2], "sector-loops": bytes(looped),
            "zeroed-fat": bytes(zeroed), "tree-loop": bytes(tree_loop),
            "huge-sizes": bytes(huge_sizes), "fat-count": bytes(fat),
            "sector-shift": bytes(bad_shift), "difat-garbage": bytes(difat_garbage)}


def test_damaged_msg_files(tmp_path: Path) -> None:
    valid = seed(".msg", tmp_path)
    for name, data in damaged_msgs(valid).items():
        path = tmp_path / f"{name}.msg"
        path.write_bytes(data)
        read(path)
    assert leftovers() == []


# --- a misbehaving readpst ----------------------------------------------------------------

@pytest.fixture
def fake_readpst(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    fx.install_fake_readpst(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    tree = tmp_path / "tree"
    fx.make_readpst_tree(tree)
    monkeypatch.setenv("FAKE_READPST_TREE", str(tree))
    path = tmp_path / "box.pst"
    path.write_bytes(b"!BDN stand-in")
    return path


def test_readpst_that_hangs_is_stopped(fake_readpst: Path, tmp_path: Path,
                                       monkeypatch) -> None:
    monkeypatch.setenv("FAKE_READPST_MODE", "hang")
    monkeypatch.setenv("FAKE_READPST_PID", str(tmp_path / "pid"))
    monkeypatch.setattr(pst, "READPST_TIME_LIMIT_SECONDS", 2.0)
    outcome = read(fake_readpst)
    assert isinstance(outcome, RejectedFile) and outcome.code == "timeout"
    pid = int((tmp_path / "pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert leftovers() == []


@pytest.mark.parametrize("mode, expected", [("fail", "pst_open: [31mError opening File"),
                                            ("stdout-fail", "Error opening File")])
def test_readpst_that_fails_gives_its_own_words(fake_readpst: Path, monkeypatch,
                                                mode: str, expected: str) -> None:
    monkeypatch.setenv("FAKE_READPST_MODE", mode)
    outcome = read(fake_readpst)
    assert isinstance(outcome, RejectedFile) and outcome.code == "corrupt"
    assert outcome.reason.startswith("readpst could not read the file: " + expected)
    assert len(outcome.reason) <= len("readpst could not read the file: ") + 161
    assert leftovers() == []


def test_readpst_memory_is_capped(fake_readpst: Path, monkeypatch) -> None:
    monkeypatch.setenv("FAKE_READPST_MODE", "memory")
    monkeypatch.setattr(pst, "READPST_MEMORY_BYTES", 512 * 1024 * 1024)
    outcome = read(fake_readpst)
    assert isinstance(outcome, RejectedFile) and outcome.code == "corrupt"
    assert "MemoryError" in outcome.reason or "Traceback" in outcome.reason


def test_readpst_garbage_output(fake_readpst: Path, monkeypatch) -> None:
    monkeypatch.setenv("FAKE_READPST_MODE", "garbage")
    monkeypatch.setenv("FAKE_READPST_MANY", "50")
    monkeypatch.setattr(members, "MAX_MEMBERS", 30)
    monkeypatch.setattr(pst, "MAX_FOLDER_DEPTH", 10)
    outcome = read(fake_readpst)
    assert isinstance(outcome, Extracted)
    keys = [member.key_part for member in outcome.members]
    assert "Top/message-1" in keys  # random bytes, still handed on as a message
    assert not any(key.startswith("Deep/") for key in keys)  # deeper than allowed
    assert len(keys) == 31 and keys[-1] == "message-31-and-after"
    assert "symbolic links" in outcome.text and "nested more than 10" in outcome.text
    assert [key for key in keys if key.startswith("Top/")] == ["Top/message-1"]  # no link
