"""Zip, tar and 7z containers: every member is listed, written for its own importer, or
skipped with a reason, and the rest of the container is still read.

The archives are made by real tools: Python's zipfile and tarfile, py7zr, and Debian's
zip, 7z and tar where the case needs them (encryption, links from a real disk).
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import struct
import subprocess
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path

import py7zr
import pytest

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import members, sevenz_members, tar_members, zip_members
from archive_app.core.ingest.container_listing import ENCRYPTED_REASON, LINK_REASON, REST
from archive_app.core.ingest.documents import Extracted, Member
from tests.core.ingest.conftest import make_docx, make_pdf

DATE = (2013, 7, 1, 12, 30, 0)
TIMESTAMP = 1372681800  # 2013-07-01T12:30:00Z


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch) -> Path:
    """Members folders go to a temporary folder of the test's own, so that strays and
    leftovers can be seen."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def needs(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: scripts/ensure-system.sh test installs it")


def run(*command: str, cwd: Path) -> None:
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)


def by_key(extracted: Extracted) -> dict[str, Member]:
    return {member.key_part: member for member in extracted.members}


def content(member: Member) -> bytes:
    assert member.path and not member.skip_code, member
    return Path(member.path).read_bytes()


def assert_skipped(member: Member, code: str, reason: str = "") -> None:
    assert member.skip_code == code and not member.path, member
    assert reason in member.skip_reason and member.skip_reason.strip()


def leftovers(folder: Path) -> list[str]:
    return [entry.name for entry in folder.iterdir()
            if entry.name.startswith("archive-app-members-")]


def write_zip(path: Path, files: dict[str, bytes], **options) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, **options) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return path


def central_records(data: bytes) -> dict[bytes, int]:
    """Offsets of the central directory records, by member name."""
    found, at = {}, data.find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        found[data[at + 46:at + 46 + length]] = at
        at = data.find(b"PK\x01\x02", at + 46 + length)
    return found


def patch_central(data: bytes, name: bytes, *, packed: int | None = None,
                  size: int | None = None) -> bytes:
    """A zip whose central directory declares other sizes for one member."""
    patched = bytearray(data)
    at = central_records(data)[name]
    if packed is not None:
        struct.pack_into("<I", patched, at + 20, packed)
    if size is not None:
        struct.pack_into("<I", patched, at + 24, size)
    return bytes(patched)


def write_tar(path: Path, mode: str = "w", extra: bool = True) -> Path:
    """A tar with folders, a non-UTF-8 name, a duplicate, an unsafe name, links, a FIFO
    and a device; compressed as `mode` says."""
    def add(name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE, link: str = ""):
        info = tarfile.TarInfo(name)
        info.type, info.linkname, info.mtime, info.size = kind, link, TIMESTAMP, len(data)
        archive.addfile(info, io.BytesIO(data) if data else None)

    with tarfile.open(path, mode, encoding="utf-8", errors="surrogateescape") as archive:
        add("finance", kind=tarfile.DIRTYPE)
        add("finance/2013/q3.txt", b"third quarter")
        add("caf\udce9.txt", b"latin-1 name")
        add("finance/2013/q3.txt", b"the later copy")
        if extra:
            add("../evil.txt", b"climbs out")
            add("/etc/x.txt", b"absolute")
            add("shortcut.txt", kind=tarfile.SYMTYPE, link="finance/2013/q3.txt")
            add("hard.txt", kind=tarfile.LNKTYPE, link="finance/2013/q3.txt")
            add("pipe", kind=tarfile.FIFOTYPE)
            add("tty", kind=tarfile.CHRTYPE)
        add("notes.bin", b"\x00\x01")
    return path


def write_7z(path: Path, files: dict[str, bytes], encoded_header: bool = True) -> Path:
    with py7zr.SevenZipFile(path, "w") as archive:
        if not encoded_header:
            archive.set_encoded_header_mode(False)
        for name, data in files.items():
            archive.writestr(data, name)
    return path


def patch_7z_name(path: Path, old: str, new: str) -> None:
    """Rename a member inside a 7z written without an encoded header (py7zr refuses to
    write hostile names), fixing the header's CRCs."""
    data = bytearray(path.read_bytes())
    offset, size = struct.unpack_from("<QQ", data, 12)
    start = 32 + offset
    header = bytes(data[start:start + size]).replace(old.encode("utf-16-le"),
                                                     new.encode("utf-16-le"))
    data[start:start + size] = header
    struct.pack_into("<I", data, 28, zlib.crc32(header))
    struct.pack_into("<I", data, 8, zlib.crc32(bytes(data[12:32])))
    path.write_bytes(bytes(data))


# --- zip ---------------------------------------------------------------------------


def test_zip_members_are_written_for_their_importers(tmp_path):
    docx_bytes = make_docx(tmp_path / "m.docx").read_bytes()
    pdf_bytes = make_pdf(tmp_path / "r.pdf").read_bytes()
    inner = write_zip(tmp_path / "inner.zip", {"deep.txt": b"deep"}).read_bytes()
    path = write_zip(tmp_path / "leak.zip", {
        "finance/": b"",
        "finance/2013/q3.txt": b"third quarter",
        "finance/2013/minutes.docx": docx_bytes,
        "reports\\harbour.pdf": pdf_bytes,
        "./lead.txt": b"leading dot",
        "nested/inner.zip": inner,
        "backup.tar.gz": b"\x1f\x8b not really",
        "README": b"no suffix",
        "image.raw": b"\x00" * 10,
        "empty.txt": b"",
    })
    extracted = zip_members.extract(path)
    found = by_key(extracted)
    assert list(found) == ["finance/2013/q3.txt", "finance/2013/minutes.docx",
                           "reports/harbour.pdf", "lead.txt", "nested/inner.zip",
                           "backup.tar.gz"]
    assert content(found["finance/2013/q3.txt"]) == b"third quarter"
    assert content(found["finance/2013/minutes.docx"]) == docx_bytes
    assert content(found["reports/harbour.pdf"]) == pdf_bytes
    assert content(found["nested/inner.zip"]) == inner
    suffixes = [Path(member.path).suffix for member in found.values()]
    assert suffixes == [".txt", ".docx", ".pdf", ".txt", ".zip", ".tgz"]
    for member in found.values():
        assert member.place == member.key_part
        assert member.metadata == {"date": "2013-07-01T12:30:00"}
        assert Path(member.path).parent == Path(extracted.members_dir)
    lines = extracted.text.splitlines()
    assert lines[0] == "ZIP archive: 9 files, 0 skipped"
    assert "finance/2013/q3.txt — 13 bytes" in lines
    assert "README — 9 bytes" in lines and "image.raw — 10 bytes" in lines
    assert "empty.txt — 0 bytes" in lines
    assert f"reports/harbour.pdf — {len(pdf_bytes) / 1024:.1f} KB" in lines


def test_zip_names_that_are_not_utf8(tmp_path):
    """No UTF-8 flag: the bytes are UTF-8 if they can be (Linux zips), else cp437."""
    path = write_zip(tmp_path / "names.zip", {"cafX.txt": b"cp437", "grXXn.txt": b"utf8"})
    data = path.read_bytes().replace(b"cafX.txt", b"caf\x82.txt")
    path.write_bytes(data.replace(b"grXXn.txt", "grün.txt".encode()))
    found = by_key(zip_members.extract(path))
    assert content(found["café.txt"]) == b"cp437"
    assert content(found["grün.txt"]) == b"utf8"


def test_zip_unsafe_names_are_skipped_and_the_rest_is_read(tmp_path):
    path = write_zip(tmp_path / "evil.zip", {
        "../evil.txt": b"x", "/etc/x.txt": b"x", "a/../../b.txt": b"x",
        "C:\\windows\\x.txt": b"x", "fine.txt": b"fine"})
    extracted = zip_members.extract(path)
    found = by_key(extracted)
    for key in ("../evil.txt", "/etc/x.txt", "a/../../b.txt", "C:/windows/x.txt"):
        assert_skipped(found[key], "unsafe")
    assert "climbs out" in found["../evil.txt"].skip_reason
    assert "absolute" in found["/etc/x.txt"].skip_reason
    assert content(found["fine.txt"]) == b"fine"
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "b.txt").exists()
    assert extracted.text.splitlines()[0] == "ZIP archive: 1 file, 4 skipped"
    assert "../evil.txt — skipped: the member's name climbs out" in extracted.text


def test_zip_encrypted_members_are_skipped(tmp_path):
    needs("zip")
    (tmp_path / "secret.txt").write_text("the password is here")
    (tmp_path / "plain.txt").write_text("anyone may read this")
    run("zip", "-q", "-P", "SECRET", "mixed.zip", "secret.txt", cwd=tmp_path)
    run("zip", "-q", "mixed.zip", "plain.txt", cwd=tmp_path)
    found = by_key(zip_members.extract(tmp_path / "mixed.zip"))
    assert_skipped(found["secret.txt"], "unsupported", ENCRYPTED_REASON)
    assert content(found["plain.txt"]) == b"anyone may read this"


def test_zip_with_aes_encryption_made_by_7z(tmp_path):
    needs("7z")
    (tmp_path / "secret.txt").write_text("aes protected")
    run("7z", "a", "-bd", "-tzip", "-mem=AES256", "-pSECRET", "aes.zip", "secret.txt",
        cwd=tmp_path)
    extracted = zip_members.extract(tmp_path / "aes.zip")
    assert_skipped(by_key(extracted)["secret.txt"], "unsupported", ENCRYPTED_REASON)
    assert "secret.txt — skipped: the member is encrypted" in extracted.text


def test_zip_bomb_member_is_skipped(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.txt", b"\0" * (12 * 1024 * 1024))
        archive.writestr("honest.txt", b"honest words")
    found = by_key(zip_members.extract(path))
    assert_skipped(found["zeros.txt"], "bomb", "times larger than it is packed")
    assert content(found["honest.txt"]) == b"honest words"


def test_zip_member_over_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(members, "MAX_MEMBER_BYTES", 1000)
    path = write_zip(tmp_path / "big.zip", {"big.txt": os.urandom(5000), "small.txt": b"s"})
    found = by_key(zip_members.extract(path))
    assert_skipped(found["big.txt"], "too-large", "the limit is")
    assert content(found["small.txt"]) == b"s"


def test_zip_members_over_the_total_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(members, "MAX_TOTAL_BYTES", 2500)
    path = write_zip(tmp_path / "total.zip", {f"{n}.txt": os.urandom(1000) for n in range(4)})
    found = by_key(zip_members.extract(path))
    assert [member.skip_code for member in found.values()] == ["", "", "bomb", "bomb"]
    assert "together" in found["2.txt"].skip_reason


def test_zip_member_whose_declared_size_lies(tmp_path):
    data = write_zip(tmp_path / "lies.zip", {"lies.txt": b"words " * 1000,
                                             "true.txt": b"true"}).read_bytes()
    (tmp_path / "lies.zip").write_bytes(patch_central(data, b"lies.txt", size=10))
    found = by_key(zip_members.extract(tmp_path / "lies.zip"))
    assert_skipped(found["lies.txt"], "corrupt", "damaged")
    assert content(found["true.txt"]) == b"true"


def test_zip_overlapping_entries_are_skipped_as_a_bomb(tmp_path):
    data = write_zip(tmp_path / "o.zip", {"a.txt": b"first", "b.txt": b"second"}).read_bytes()
    local_b = data.index(b"PK\x03\x04", 1)
    (tmp_path / "o.zip").write_bytes(patch_central(data, b"a.txt", packed=local_b + 100))
    found = by_key(zip_members.extract(tmp_path / "o.zip"))
    assert_skipped(found["a.txt"], "bomb", "overlaps")
    assert content(found["b.txt"]) == b"second"


def test_zip_links_and_duplicates(tmp_path):
    path = tmp_path / "links.zip"
    with zipfile.ZipFile(path, "w") as archive:
        link = zipfile.ZipInfo("shortcut.txt", DATE)
        link.create_system, link.external_attr = 3, (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "target.txt")
        fifo = zipfile.ZipInfo("pipe", DATE)
        fifo.create_system, fifo.external_attr = 3, (stat.S_IFIFO | 0o644) << 16
        archive.writestr(fifo, "")
        archive.writestr("same.txt", "one")
        with pytest.warns(UserWarning):
            archive.writestr("same.txt", "two")
            archive.writestr("same.txt", "three")
    extracted = zip_members.extract(path)
    found = by_key(extracted)
    assert list(found) == ["shortcut.txt", "same.txt", "same.txt (2)", "same.txt (3)"]
    assert_skipped(found["shortcut.txt"], "unsupported", LINK_REASON)
    assert [content(found[key]) for key in list(found)[1:]] == [b"one", b"two", b"three"]
    assert found["same.txt (2)"].place == "same.txt (2)"
    assert "pipe" not in extracted.text


def test_zip_symlink_stored_by_info_zip(tmp_path):
    needs("zip")
    (tmp_path / "target.txt").write_text("target")
    (tmp_path / "shortcut.txt").symlink_to("target.txt")
    run("zip", "-q", "-y", "links.zip", "target.txt", "shortcut.txt", cwd=tmp_path)
    found = by_key(zip_members.extract(tmp_path / "links.zip"))
    assert_skipped(found["shortcut.txt"], "unsupported", LINK_REASON)
    assert content(found["target.txt"]) == b"target"


def test_zip_with_a_broken_central_directory_is_refused(tmp_path, private_tmp):
    data = write_zip(tmp_path / "x.zip", {"a.txt": b"words"}).read_bytes()
    (tmp_path / "x.zip").write_bytes(data[:data.index(b"PK\x01\x02")])
    with pytest.raises(RejectedFile) as caught:
        zip_members.extract(tmp_path / "x.zip")
    assert caught.value.code == "corrupt" and "central directory" in caught.value.reason
    assert leftovers(private_tmp) == []


def test_zip_past_the_member_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(members, "MAX_MEMBERS", 5)
    path = write_zip(tmp_path / "many.zip", {f"{n:02d}.txt": b"x" for n in range(12)})
    extracted = zip_members.extract(path)
    assert len(extracted.members) == 6
    summary = extracted.members[-1]
    assert_skipped(summary, "too-many", "7 more files")
    assert extracted.text.splitlines()[0] == "ZIP archive: 5 files, 1 skipped"


# --- tar ---------------------------------------------------------------------------

TAR_MODES = {".tar": "w", ".tgz": "w:gz", ".tar.gz": "w:gz", ".tbz2": "w:bz2",
             ".tar.bz2": "w:bz2", ".txz": "w:xz", ".tar.xz": "w:xz"}


@pytest.mark.parametrize("suffix", list(TAR_MODES))
def test_tar_members_links_and_special_files(tmp_path, suffix):
    path = write_tar(tmp_path / f"drive{suffix}", TAR_MODES[suffix])
    extracted = tar_members.extract(path)
    found = by_key(extracted)
    assert list(found) == ["finance/2013/q3.txt", "caf\\xe9.txt", "finance/2013/q3.txt (2)",
                           "../evil.txt", "/etc/x.txt", "shortcut.txt", "hard.txt"]
    assert content(found["finance/2013/q3.txt"]) == b"third quarter"
    assert content(found["finance/2013/q3.txt (2)"]) == b"the later copy"
    assert content(found["caf\\xe9.txt"]) == b"latin-1 name"
    assert found["caf\\xe9.txt"].place == "caf\ufffd.txt"
    assert found["finance/2013/q3.txt"].metadata == {"date": "2013-07-01T12:30:00Z"}
    assert_skipped(found["../evil.txt"], "unsafe", "climbs out")
    assert_skipped(found["/etc/x.txt"], "unsafe", "absolute")
    for key in ("shortcut.txt", "hard.txt"):
        assert_skipped(found[key], "unsupported", LINK_REASON)
    lines = extracted.text.splitlines()
    assert lines[0] == "TAR archive: 4 files, 4 skipped"
    assert "caf\ufffd.txt — 12 bytes" in lines and "notes.bin — 2 bytes" in lines
    assert "shortcut.txt — skipped: a link inside the container is not followed" in lines
    assert not any(line.startswith(("pipe", "tty", "finance —")) for line in lines)


def test_tar_made_by_gnu_tar_from_a_real_folder(tmp_path):
    needs("tar")
    source = tmp_path / "drive"
    (source / "mail").mkdir(parents=True)
    (source / "mail" / "letter.txt").write_text("dear investigator")
    (source / "hard.txt").hardlink_to(source / "mail" / "letter.txt")
    (source / "soft.txt").symlink_to("mail/letter.txt")
    os.mkfifo(source / "pipe")
    run("tar", "-czf", str(tmp_path / "drive.tgz"), "-C", str(source), ".", cwd=tmp_path)
    found = by_key(tar_members.extract(tmp_path / "drive.tgz"))
    assert set(found) == {"mail/letter.txt", "hard.txt", "soft.txt"}
    written = [key for key, member in found.items() if not member.skip_code]
    assert len(written) == 1  # GNU tar stores the second name of a file as a hard link
    assert content(found[written[0]]) == b"dear investigator"
    assert found["soft.txt"].skip_reason == LINK_REASON


def test_tar_compression_is_told_by_content_not_suffix(tmp_path):
    path = write_tar(tmp_path / "plain.tgz", "w", extra=False)
    assert content(by_key(tar_members.extract(path))["finance/2013/q3.txt"]) == b"third quarter"


def test_compressed_tar_bomb_is_skipped(tmp_path):
    path = tmp_path / "bomb.tgz"
    with tarfile.open(path, "w:gz") as archive:
        small = tarfile.TarInfo("small.txt")
        small.size = 5
        archive.addfile(small, io.BytesIO(b"small"))
        zeros = tarfile.TarInfo("zeros.txt")
        zeros.size = 12 * 1024 * 1024
        archive.addfile(zeros, io.BytesIO(bytes(zeros.size)))
    found = by_key(tar_members.extract(path))
    assert content(found["small.txt"]) == b"small"
    assert_skipped(found["zeros.txt"], "bomb", "times larger than the container")


def test_tar_member_over_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(members, "MAX_MEMBER_BYTES", 13)
    found = by_key(tar_members.extract(write_tar(tmp_path / "t.tar", extra=False)))
    assert content(found["finance/2013/q3.txt"]) == b"third quarter"  # 13 bytes
    assert_skipped(found["finance/2013/q3.txt (2)"], "too-large")  # 14 bytes


def test_corrupt_tar_is_refused_and_cleaned_up(tmp_path, private_tmp):
    path = tmp_path / "junk.tar.gz"
    path.write_bytes(b"\x1f\x8b" + os.urandom(400))
    with pytest.raises(RejectedFile) as caught:
        tar_members.extract(path)
    assert caught.value.code == "corrupt" and "gzip" in caught.value.reason
    assert leftovers(private_tmp) == []


def test_truncated_tar_keeps_what_came_before(tmp_path):
    data = write_tar(tmp_path / "t.tar", extra=False).read_bytes()
    (tmp_path / "t.tar").write_bytes(data[:data.index(b"the later copy") + 5])
    extracted = tar_members.extract(tmp_path / "t.tar")
    found = by_key(extracted)
    assert content(found["finance/2013/q3.txt"]) == b"third quarter"
    assert content(found["caf\\xe9.txt"]) == b"latin-1 name"
    assert_skipped(found["finance/2013/q3.txt (2)"], "corrupt", "damaged")
    assert_skipped(found[REST], "corrupt", "could not be read")


# --- 7z ----------------------------------------------------------------------------


def test_7z_members_folders_and_duplicates(tmp_path):
    docx_bytes = make_docx(tmp_path / "m.docx").read_bytes()
    path = tmp_path / "leak.7z"
    with py7zr.SevenZipFile(path, "w") as archive:
        archive.writestr(b"third quarter", "finance/2013/q3.txt")
        archive.writestr(docx_bytes, "finance/minutes.docx")
        archive.writestr(b"the later copy", "finance/2013/q3.txt")
        archive.writestr(b"", "empty.txt")
        archive.writestr(b"raw", "data.bin")
    extracted = sevenz_members.extract(path)
    found = by_key(extracted)
    assert list(found) == ["finance/2013/q3.txt", "finance/minutes.docx",
                           "finance/2013/q3.txt (2)"]
    assert content(found["finance/2013/q3.txt"]) == b"third quarter"
    assert content(found["finance/2013/q3.txt (2)"]) == b"the later copy"
    assert content(found["finance/minutes.docx"]) == docx_bytes
    assert found["finance/2013/q3.txt"].metadata["date"].endswith("Z")
    lines = extracted.text.splitlines()
    assert lines[0] == "7Z archive: 5 files, 0 skipped"
    assert "empty.txt — 0 bytes" in lines and "data.bin — 3 bytes" in lines
    assert sorted(os.listdir(extracted.members_dir)) == ["000001.txt", "000002.docx",
                                                         "000003.txt"]


def test_7z_made_by_7z_with_a_link_in_a_solid_block(tmp_path):
    needs("7z")
    source = tmp_path / "src"
    (source / "docs").mkdir(parents=True)
    for number in range(5):
        (source / "docs" / f"{number}.txt").write_text(f"document number {number}\n" * 50)
    (source / "link.txt").symlink_to("docs/0.txt")
    run("7z", "a", "-bd", "-snl", "-ms=on", str(tmp_path / "solid.7z"), "docs", "link.txt",
        cwd=source)
    found = by_key(sevenz_members.extract(tmp_path / "solid.7z"))
    for number in range(5):
        assert content(found[f"docs/{number}.txt"]) == f"document number {number}\n".encode() * 50
    assert_skipped(found["link.txt"], "unsupported", LINK_REASON)


def test_7z_encrypted_contents_are_listed_but_skipped(tmp_path):
    needs("7z")
    (tmp_path / "secret.txt").write_text("the account numbers")
    run("7z", "a", "-bd", "-pSECRET", "enc.7z", "secret.txt", cwd=tmp_path)
    extracted = sevenz_members.extract(tmp_path / "enc.7z")
    assert_skipped(by_key(extracted)["secret.txt"], "unsupported", ENCRYPTED_REASON)
    assert "secret.txt — skipped: the member is encrypted" in extracted.text


def test_7z_with_encrypted_headers_is_refused(tmp_path, private_tmp):
    needs("7z")
    (tmp_path / "secret.txt").write_text("the account numbers")
    run("7z", "a", "-bd", "-mhe=on", "-pX", "hidden.7z", "secret.txt", cwd=tmp_path)
    with pytest.raises(RejectedFile) as caught:
        sevenz_members.extract(tmp_path / "hidden.7z")
    assert caught.value.code == "unsupported" and "password" in caught.value.reason
    assert leftovers(private_tmp) == []


def test_7z_bomb_and_over_size_members(tmp_path, monkeypatch):
    path = write_7z(tmp_path / "bomb.7z", {"honest.txt": b"honest",
                                           "zeros.txt": bytes(12 * 1024 * 1024)})
    found = by_key(sevenz_members.extract(path))
    assert content(found["honest.txt"]) == b"honest"
    assert_skipped(found["zeros.txt"], "bomb")
    monkeypatch.setattr(members, "MAX_MEMBER_BYTES", 3)
    found = by_key(sevenz_members.extract(path))
    assert_skipped(found["honest.txt"], "too-large")


def test_7z_unsafe_names_are_skipped(tmp_path):
    path = write_7z(tmp_path / "evil.7z", {"xx/evil.txt": b"out", "fine.txt": b"fine"},
                    encoded_header=False)
    patch_7z_name(path, "xx/evil.txt", "../evil.txt")
    found = by_key(sevenz_members.extract(path))
    assert_skipped(found["../evil.txt"], "unsafe", "climbs out")
    assert content(found["fine.txt"]) == b"fine"
    assert not (tmp_path / "evil.txt").exists()


def test_corrupt_7z_is_refused_and_cleaned_up(tmp_path, private_tmp):
    path = tmp_path / "junk.7z"
    path.write_bytes(b"7z\xbc\xaf\x27\x1c" + os.urandom(200))
    with pytest.raises(RejectedFile) as caught:
        sevenz_members.extract(path)
    assert caught.value.code == "corrupt"
    assert leftovers(private_tmp) == []


# --- shared --------------------------------------------------------------------------


@pytest.mark.parametrize("maker", ["zip", "tar", "7z"])
def test_members_folder_is_removed_when_writing_fails(tmp_path, private_tmp, monkeypatch,
                                                      maker):
    """A full disk is not the container's fault: the whole read stops, as unreadable,
    and what was written so far is removed."""
    if maker == "zip":
        path, module = write_zip(tmp_path / "a.zip", {"a.txt": b"words"}), zip_members
    elif maker == "tar":
        path, module = write_tar(tmp_path / "a.tar", extra=False), tar_members
    else:
        path, module = write_7z(tmp_path / "a.7z", {"a.txt": b"words"}), sevenz_members

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(members, "copy_bounded", disk_full)
    monkeypatch.setattr(sevenz_members._Writer, "write", disk_full)
    with pytest.raises(RejectedFile) as caught:
        module.extract(path)
    assert caught.value.code == "unreadable" and "No space left" in caught.value.reason
    assert leftovers(private_tmp) == []
