"""Hostile zip, tar and 7z files: each is read (an Extracted) or refused (RejectedFile with
a reason), never anything else, and nothing is written outside the members folder.

Random bytes under every suffix, real archives mutated by hypothesis (the moves of
test_hostile_files.mutate), nested zip bombs, lying size headers, tar headers with
negative and huge sizes, and containers of 100,000 tiny members. No wall-clock bounds:
the loader's own time limit covers a slow container.
"""

from __future__ import annotations

import io
import os
import struct
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import (
    CONTAINER_TIME_LIMIT,
    bounds,
    members,
    sevenz_members,
    tar_members,
    zip_members,
)
from archive_app.core.ingest.container_listing import REST
from archive_app.core.ingest.documents import Extracted
from tests.core.ingest.conftest import make_docx
from tests.core.ingest.test_containers import (
    patch_7z_name,
    patch_central,
    write_7z,
    write_tar,
    write_zip,
)
from tests.reliability.test_hostile_files import mutate

MODULES = {".zip": zip_members, ".7z": sevenz_members, ".tar": tar_members,
           ".tgz": tar_members, ".tbz2": tar_members, ".txz": tar_members,
           ".tar.gz": tar_members, ".tar.bz2": tar_members, ".tar.xz": tar_members}
TAR_MODES = {".tar": "w", ".tgz": "w:gz", ".tbz2": "w:bz2", ".txz": "w:xz",
             ".tar.gz": "w:gz", ".tar.bz2": "w:bz2", ".tar.xz": "w:xz"}
CODES = {"corrupt", "unreadable", "unsupported", "bomb", "too-large"}
MAGIC = [b"", b"PK\x03\x04", b"PK\x05\x06", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b\x08",
         b"BZh9", b"\xfd7zXZ\x00", b"ustar\x0000"]
SEEDS: dict[str, bytes] = {}
HYPOTHESIS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch) -> Path:
    """Members folders in a folder of the test's own; the current folder an empty one,
    so that anything an unpacker wrote by a member's name would show."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    return folder


def seed(suffix: str) -> bytes:
    """A valid archive of each kind, with a few members, made once."""
    if suffix not in SEEDS:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"seed{suffix}"
            files = {"docs/a.txt": b"alpha words " * 20, "docs/b.md": b"# beta\n",
                     "c.docx": make_docx(Path(folder) / "c.docx").read_bytes()}
            if suffix == ".zip":
                write_zip(path, files)
            elif suffix == ".7z":
                write_7z(path, files)
            else:
                write_tar(path, TAR_MODES[suffix])
            SEEDS[suffix] = path.read_bytes()
    return SEEDS[suffix]


def check(path: Path, temp: Path) -> Extracted | RejectedFile:
    """The one rule: an Extracted whose members lie in its folder, or a RejectedFile
    with a known code and a reason; no members folder is left after a rejection, and
    nothing is written anywhere but the members folder."""
    before = _tree(path.parent.parent)
    try:
        with bounds.bounded("CONTAINER", time_limit=CONTAINER_TIME_LIMIT):  # as the loader
            result = MODULES[_suffix(path)].extract(path)
    except RejectedFile as rejection:
        assert rejection.code in CODES and rejection.reason.strip(), rejection
        assert not list(temp.iterdir()), "members folder left after a rejection"
        assert _tree(path.parent.parent) == before
        return rejection
    try:
        _check_extracted(result)
    finally:
        members.remove_members_dir(result.members_dir)
    assert _tree(path.parent.parent) == before
    return result


def _check_extracted(result: Extracted) -> None:
    folder = Path(result.members_dir)
    assert folder.is_dir()
    result.text.encode("utf-8")
    keys = [member.key_part for member in result.members]
    assert len(keys) == len(set(keys)), "key parts must be distinct"
    for member in result.members:
        member.key_part.encode("utf-8")
        member.place.encode("utf-8")
        if member.skip_code:
            assert member.skip_reason.strip() and not member.path
        else:
            assert Path(member.path).parent == folder
            assert Path(member.path).stat().st_size <= members.MAX_MEMBER_BYTES
    written = {Path(member.path).name for member in result.members if member.path}
    assert set(os.listdir(folder)) == written, "only the members' own files"


def _tree(root: Path) -> set[str]:
    """Every path under `root` but the members folders (which come and go)."""
    found = set()
    for folder, subfolders, files in os.walk(root):
        relative = os.path.relpath(folder, root)
        if "archive-app-members-" in relative:
            continue
        found.update(os.path.join(relative, name) for name in subfolders + files)
    return {path for path in found if "archive-app-members-" not in path}


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return next(suffix for suffix in sorted(MODULES, key=len, reverse=True)
                if name.endswith(suffix))


def place(tmp_path: Path, name: str, data: bytes) -> Path:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("suffix", list(MODULES))
def test_random_bytes_under_each_suffix(tmp_path, private_tmp, suffix):
    @HYPOTHESIS
    @given(magic=st.sampled_from(MAGIC), body=st.binary(max_size=2048))
    def run(magic, body):
        data = magic + body or b"\0"
        check(place(tmp_path, f"random{suffix}", data), private_tmp)

    run()


@pytest.mark.parametrize("suffix", [".zip", ".7z", ".tar", ".tgz", ".tbz2", ".txz"])
def test_mutated_real_archives(tmp_path, private_tmp, suffix):
    seed(suffix)  # made outside hypothesis

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data):
        mutant = mutate(data.draw, seed(suffix))
        check(place(tmp_path, f"mutant{suffix}", mutant or b"\0"), private_tmp)

    run()


def test_nested_zip_bomb_is_bounded_at_every_level(tmp_path, private_tmp):
    """Four levels of four copies, the innermost a 20 MB run of zeros: each level is
    listed on its own (the loader recurses), and every innermost bomb is skipped."""
    layer = write_zip(tmp_path / "core.zip", {"zeros.txt": bytes(20 * 1024 * 1024),
                                              "core.txt": b"core"}).read_bytes()
    for level in range(4):
        path = tmp_path / f"level{level}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for copy in range(4):
                archive.writestr(f"copy{copy}/level{level}.zip", layer)
        layer = path.read_bytes()
    top = place(tmp_path, "bomb.zip", layer)
    counts = {"bomb": 0, "read": 0, "written": 0}

    def walk(path: Path, depth: int) -> None:
        result = zip_members.extract(path)
        try:
            for member in result.members:
                if member.skip_code == "bomb":
                    counts["bomb"] += 1
                elif member.path:
                    counts["written"] += Path(member.path).stat().st_size
                    if member.path.endswith(".zip") and depth < members.MAX_DEPTH:
                        walk(Path(member.path), depth + 1)
                    else:
                        counts["read"] += 1
        finally:
            members.remove_members_dir(result.members_dir)

    before = _tree(tmp_path)
    walk(top, 0)
    assert _tree(tmp_path) == before
    assert counts["bomb"] == 4 ** 4 and counts["read"] == 4 ** 4
    assert counts["written"] < 50 * 1024 * 1024
    assert not list(private_tmp.iterdir())


def test_zip_entry_declaring_a_huge_size(tmp_path, private_tmp):
    data = write_zip(tmp_path / "x.zip", {"huge.txt": b"small really", "ok.txt": b"ok"})
    path = place(tmp_path, "huge.zip", patch_central(data.read_bytes(), b"huge.txt",
                                                     size=0xFFFFFFF0))
    result = check(path, private_tmp)
    assert isinstance(result, Extracted)
    codes = {member.key_part: member.skip_code for member in result.members}
    assert codes == {"huge.txt": "too-large", "ok.txt": ""}


def test_zip_of_many_entries_sharing_one_kernel(tmp_path, private_tmp):
    """The overlapping-entry bomb: central directory records that all point at one
    local header. Only the first is read."""
    data = write_zip(tmp_path / "k.zip", {"kernel.txt": b"kernel"}).read_bytes()
    start = data.index(b"PK\x01\x02")
    end = data.index(b"PK\x05\x06")
    record, copies = data[start:end], 50
    directory = record * copies
    eocd = bytearray(data[end:])
    struct.pack_into("<HHII", eocd, 8, copies, copies, len(directory), start)
    path = place(tmp_path, "kernel.zip", data[:start] + directory + bytes(eocd))
    result = check(path, private_tmp)
    assert isinstance(result, Extracted)
    codes = [member.skip_code for member in result.members]
    assert codes == [""] + ["bomb"] * (copies - 1)


def _tar_with_bad_second_header(tmp_path: Path, size_field: bytes,
                                kind: bytes = tarfile.REGTYPE) -> bytes:
    """A tar of a.txt then b.txt, b.txt's size field (and type) rewritten."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name in ("a.txt", "b.txt"):
            info = tarfile.TarInfo(name)
            info.size = 4
            archive.addfile(info, io.BytesIO(b"data"))
    data = bytearray(buffer.getvalue())
    header = 1024  # a.txt's header and one block of data come first
    data[header + 124:header + 136] = size_field
    data[header + 156:header + 157] = kind
    data[header + 148:header + 156] = b" " * 8
    checksum = sum(data[header:header + 512])
    data[header + 148:header + 156] = b"%06o\0 " % checksum
    return bytes(data)


def _base256(value: int) -> bytes:
    """A tar number field in GNU's base-256 form (negative values too)."""
    if value < 0:
        return b"\xff" + (256 ** 11 + value).to_bytes(11, "big")
    return b"\x80" + value.to_bytes(11, "big")


@pytest.mark.parametrize("size, kind, code", [
    (-512, tarfile.REGTYPE, "corrupt"),
    (-1, tarfile.REGTYPE, "corrupt"),
    (2 ** 80, tarfile.REGTYPE, "too-large"),
    (200 * 1024 * 1024, tarfile.GNUTYPE_LONGNAME, "corrupt"),
])
def test_tar_headers_with_negative_and_huge_sizes(tmp_path, private_tmp, size, kind, code):
    data = _tar_with_bad_second_header(tmp_path, _base256(size), kind)
    result = check(place(tmp_path, "bad.tar", data), private_tmp)
    assert isinstance(result, Extracted)
    found = {member.key_part: member for member in result.members}
    assert found["a.txt"].path and not found["a.txt"].skip_code
    assert (found.get("b.txt") or found[REST]).skip_code == code


def test_tar_pax_size_pointing_backwards(tmp_path, private_tmp):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        first = tarfile.TarInfo("a.txt")
        first.size = 4
        archive.addfile(first, io.BytesIO(b"data"))
        loop = tarfile.TarInfo("loop.txt")
        loop.pax_headers = {"size": "-2048"}
        archive.addfile(loop)
    result = check(place(tmp_path, "loop.tar", buffer.getvalue()), private_tmp)
    assert isinstance(result, Extracted)
    found = {member.key_part: member for member in result.members}
    assert found["a.txt"].path
    assert found["loop.txt"].skip_code == "corrupt"


def test_compressed_tar_declaring_a_huge_member(tmp_path, private_tmp):
    import gzip

    data = gzip.compress(_tar_with_bad_second_header(tmp_path, _base256(2 ** 60)))
    result = check(place(tmp_path, "huge.tgz", data), private_tmp)
    assert isinstance(result, Extracted)
    found = {member.key_part: member for member in result.members}
    assert found["b.txt"].skip_code == "too-large"


@pytest.mark.parametrize("kind", ["zip", "tar", "7z"])
def test_containers_of_many_tiny_members(tmp_path, private_tmp, monkeypatch, kind):
    monkeypatch.setattr(members, "MAX_MEMBERS", 100)
    count = 5000 if kind == "7z" else 100_000
    if kind == "zip":
        path = tmp_path / "in" / "many.zip"
        path.parent.mkdir()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
            for number in range(count):
                archive.writestr(f"d/{number}.txt", b"x")
    elif kind == "tar":
        path = tmp_path / "in" / "many.tar"
        path.parent.mkdir()
        with tarfile.open(path, "w") as archive:
            for number in range(count):
                info = tarfile.TarInfo(f"d/{number}.txt")
                info.size = 1
                archive.addfile(info, io.BytesIO(b"x"))
    else:
        path = write_7z(tmp_path / "many.7z", {f"d/{number}.txt": b"x" for number in range(count)})
        path = place(tmp_path, "many.7z", path.read_bytes())
    result = check(path, private_tmp)
    assert isinstance(result, Extracted)
    assert len(result.members) == 101
    assert result.members[-1].skip_code == "too-many"
    assert all(member.path for member in result.members[:100])


def test_hostile_names_write_nothing_outside(tmp_path, private_tmp):
    names = {"../../escaped.txt": b"x", "/tmp/absolute.txt": b"x", "..\\..\\win.txt": b"x",
             "a/../../../up.txt": b"x", "ok.txt": b"ok"}
    zipped = place(tmp_path, "names.zip", write_zip(tmp_path / "n.zip", names).read_bytes())
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in names.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    tarred = place(tmp_path, "names.tar", buffer.getvalue())
    seven = write_7z(tmp_path / "n.7z", {"xx/xx/escaped.txt": b"x", "ok.txt": b"ok"},
                     encoded_header=False)
    patch_7z_name(seven, "xx/xx/escaped.txt", "../../escaped.txt")
    seven = place(tmp_path, "names.7z", seven.read_bytes())
    parent_before = set(os.listdir(tmp_path.parent))
    for path in (zipped, tarred, seven):
        result = check(path, private_tmp)
        assert isinstance(result, Extracted)
        codes = {member.key_part: member.skip_code for member in result.members}
        assert codes.pop("ok.txt") == "" and set(codes.values()) == {"unsafe"}
    assert set(os.listdir(tmp_path.parent)) == parent_before
    assert not list((tmp_path / "cwd").iterdir())
