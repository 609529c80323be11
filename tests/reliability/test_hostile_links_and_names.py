"""Hostile folder shapes: links out of the corpus, special files, odd names, deep trees.

Each test plants what an adversary can put into a leak (or what `tar -x` restores by
itself) next to benign files, indexes the folder with the real CLI or the real index,
and checks three things: the run ends within a generous bound (a subprocess with a
timeout and a memory limit, so a hang or a runaway read fails instead of blocking the
suite), the benign files are indexed, and nothing from outside the folder can be found
by search or ends up in an export.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import stat
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from archive_app.core.indexing.health import inspect
from archive_app.core.indexing.index import ArchiveIndex
from archive_app.core.search.searcher import Searcher
from tests.conftest import PROJECT_ROOT, write_files

SECRET_WORD = "zebracorn"
OUTSIDER = "Mallory Outsider"
RUN_SECONDS = 180  # a bound against hangs, not a speed target
MEMORY_BYTES = 3 * 1024**3  # the address space a run may use: catches a read of /dev/zero


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def run_bounded(home: Path, *args: str, check_exit: int | None = 0
                ) -> subprocess.CompletedProcess:
    """The CLI in a child with a time and memory limit; a hang fails the test."""
    try:
        result = subprocess.run(
            [sys.executable, "-m", "archive_app", "--home", str(home), *args],
            capture_output=True, text=True, errors="strict", cwd=PROJECT_ROOT,
            timeout=RUN_SECONDS, preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`archive-app {' '.join(args)}` did not finish in {RUN_SECONDS} s")
    assert "Traceback" not in result.stderr, result.stderr
    if check_exit is not None:
        assert result.returncode == check_exit, result.stdout + result.stderr
    return result


def total(home: Path, query: str) -> int:
    return json.loads(run_bounded(home, "search", query, "--json").stdout)["total"]


def hit_keys(home: Path, query: str) -> set[str]:
    data = json.loads(run_bounded(home, "search", query, "--json", "--limit", "500").stdout)
    return {hit["doc"] for hit in data["hits"]}


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the corpus holding what must never get in."""
    return write_files(tmp_path / "outside", {
        "secret.txt": f"{SECRET_WORD} password hunter2\n",
        "meta.json": json.dumps({"author": OUTSIDER, "source": "outside"}),
        "catalog.csv": f"path,author\nb.txt,{OUTSIDER}\n",
        "ignore": "*.txt\n",
        "folder/inner.txt": f"{SECRET_WORD} in a folder outside\n",
    })


def assert_export_is_clean(home: Path, tmp_path: Path, query: str) -> str:
    """Export what the query finds as JSON; nothing from outside may be in it."""
    out = tmp_path / "export.json"
    run_bounded(home, "export", "--query", query, "--format", "json", "-o", str(out),
                "--force")
    text = out.read_text(encoding="utf-8")
    assert SECRET_WORD not in text and "hunter2" not in text and OUTSIDER not in text
    return text


def test_links_leaving_the_folder_are_skipped_never_found_nor_exported(tmp_path, outside):
    corpus = write_files(tmp_path / "corpus", {"a.txt": "harmless meadow words\n"})
    secret = outside / "secret.txt"
    os.symlink(secret, corpus / "notes.md")  # absolute
    (corpus / "sub" / "deep").mkdir(parents=True)
    os.symlink("../../../outside/secret.txt", corpus / "sub" / "deep" / "rel.txt")
    os.symlink(secret, corpus / "hop.bin")  # not a document itself ...
    os.symlink("hop.bin", corpus / "chain.txt")  # ... but a chain through it is
    os.symlink(outside / "folder", corpus / "outdir")  # a folder outside
    os.symlink(outside / "gone.txt", corpus / "dangling.txt")
    os.symlink("loop-b.txt", corpus / "loop-a.txt")
    os.symlink("loop-a.txt", corpus / "loop-b.txt")
    home = tmp_path / "home"

    indexed = run_bounded(home, "index", str(corpus))
    assert "1 added" in indexed.stdout
    assert total(home, SECRET_WORD) == 0 and total(home, "hunter2") == 0
    assert hit_keys(home, "meadow") == {"corpus/a.txt"}
    assert "meadow" in assert_export_is_clean(home, tmp_path, f"meadow OR {SECRET_WORD}")
    check = run_bounded(home, "check").stdout
    for name in ("notes.md", "rel.txt", "chain.txt", "dangling.txt"):
        line = next(line for line in check.splitlines() if f"{name}:" in line)
        assert "link to a file outside this folder" in line, line
    assert "outdir: unreadable: link to a folder outside this folder" in check
    assert "loop-a.txt" in check and "symbolic links" in check


def test_a_link_inside_the_folder_is_indexed_once_as_its_target(archive, tmp_path):
    corpus = write_files(tmp_path / "corpus", {"a.txt": "one lonely heron\n",
                                              "sub/b.txt": "kingfisher\n"})
    os.symlink("a.txt", corpus / "alias.txt")
    os.symlink("../a.txt", corpus / "sub" / "alias.txt")
    os.symlink(corpus / "a.txt", corpus / "absolute-alias.md")
    os.symlink(corpus / "sub", corpus / "sub-alias")  # a folder link inside: not walked twice
    summary = archive.sync([corpus])
    keys = {hit.key for hit in Searcher(archive).search("heron OR kingfisher").hits}
    assert keys == {"corpus/a.txt", "corpus/sub/b.txt"}
    assert summary.added == 2 and not summary.skipped


def test_a_document_that_became_a_link_out_leaves_the_index(archive, app_paths, tmp_path,
                                                            outside):
    """What an older version indexed through a link, or a file swapped for a link or a
    FIFO since the last run, must not stay searchable: it leaves the index, recorded."""
    corpus = write_files(tmp_path / "corpus", {
        "a.txt": "meadow\n", "notes.md": f"{SECRET_WORD} as read through a link before\n",
        "pipe.txt": f"{SECRET_WORD} before it became a FIFO\n"})
    archive.sync([corpus])
    assert Searcher(archive).search(SECRET_WORD).total == 2
    (corpus / "notes.md").unlink()
    os.symlink(outside / "secret.txt", corpus / "notes.md")
    (corpus / "pipe.txt").unlink()
    os.mkfifo(corpus / "pipe.txt")
    for _ in range(2):  # and it stays out, recorded, on the next run
        summary = archive.sync([corpus])
        assert Searcher(archive).search(SECRET_WORD).total == 0
        assert archive.document("corpus/notes.md") is None
        skipped = {os.path.basename(s.path): s.reason for s in archive.skipped_files()}
        assert skipped["notes.md"].startswith("link to a file outside this folder")
        assert skipped["pipe.txt"].startswith("not a regular file (a FIFO)")
    assert summary.added == summary.removed == 0
    assert inspect(app_paths).healthy


def test_sidecar_and_catalog_links_leaving_the_folder_bring_nothing_in(archive, tmp_path,
                                                                       outside):
    corpus = write_files(tmp_path / "corpus", {
        "a.txt": "first plain file\n", "b.txt": "second plain file\n",
        "c.txt": "third plain file\n",
        "meta/c.json": json.dumps({"author": "Inside Author"}),
    })
    os.symlink(outside / "meta.json", corpus / "a.txt.meta.json")
    os.symlink(outside / "catalog.csv", corpus / "catalog.csv")
    os.symlink("meta/c.json", corpus / "c.txt.meta.json")  # inside: read as usual
    summary = archive.sync([corpus])
    assert archive.document("corpus/a.txt").author == ""
    assert archive.document("corpus/b.txt").author == ""
    assert archive.document("corpus/c.txt").author == "Inside Author"
    assert Searcher(archive).search('"Mallory"').total == 0
    reasons = {os.path.basename(s.path): s.reason for s in summary.skipped}
    assert "link to a file outside this folder" in reasons["a.txt.meta.json"]
    assert "link to a file outside this folder" in reasons["catalog.csv"]


def test_archiveignore_link_leaving_the_folder_is_not_obeyed(tmp_path, outside):
    corpus = write_files(tmp_path / "corpus", {"a.txt": "meadow\n"})
    os.symlink(outside / "ignore", corpus / ".archiveignore")  # would hide every .txt
    home = tmp_path / "home"
    result = run_bounded(home, "index", str(corpus))
    assert hit_keys(home, "meadow") == {"corpus/a.txt"}
    assert ".archiveignore: unreadable: link to a file outside this folder" in result.stdout


def test_fifos_never_block_indexing(tmp_path):
    corpus = write_files(tmp_path / "corpus", {"a.txt": "meadow one\n", "b.txt": "meadow two\n"})
    for name in (".archiveignore", "b.txt.meta.json", "catalog.csv", "pipe.txt"):
        os.mkfifo(corpus / name)
    home = tmp_path / "home"
    result = run_bounded(home, "index", str(corpus))
    assert hit_keys(home, "meadow") == {"corpus/a.txt", "corpus/b.txt"}
    assert "pipe.txt: unreadable: not a regular file (a FIFO)" in result.stdout
    assert ".archiveignore: unreadable: not a regular file (a FIFO)" in result.stdout
    run_bounded(home, "check")
    run_bounded(home, "check", "--repair")


def test_links_to_dev_zero_are_not_read(tmp_path):
    corpus = write_files(tmp_path / "corpus", {"a.txt": "meadow one\n"})
    for name in (".archiveignore", "a.txt.meta.json", "catalog.csv", "zero.txt"):
        os.symlink("/dev/zero", corpus / name)
    home = tmp_path / "home"
    result = run_bounded(home, "index", str(corpus))
    assert hit_keys(home, "meadow") == {"corpus/a.txt"}
    assert "zero.txt: unreadable: link to a file outside this folder" in result.stdout


def test_device_files_inside_the_folder_are_not_read(tmp_path):
    """A leak unpacked by root (or a disk image) can hold real device nodes."""
    corpus = write_files(tmp_path / "corpus", {"a.txt": "meadow one\n"})
    try:
        for name in (".archiveignore", "a.txt.meta.json", "catalog.csv", "dev.txt"):
            os.mknod(corpus / name, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero
    except (PermissionError, OSError) as error:
        pytest.skip(f"cannot make device nodes here: {error}")
    home = tmp_path / "home"
    result = run_bounded(home, "index", str(corpus))
    assert hit_keys(home, "meadow") == {"corpus/a.txt"}
    assert "dev.txt: unreadable: not a regular file (a character device)" in result.stdout
    assert "catalog.csv: unreadable: not a regular file" in result.stdout


def test_an_archiveignore_over_the_size_cap_is_ignored_with_a_reason(tmp_path):
    padding = "# padding\n" * 200_000  # 2 MB, over the 1 MB cap
    corpus = write_files(tmp_path / "corpus", {".archiveignore": "a.txt\n" + padding,
                                              "a.txt": "meadow\n"})
    home = tmp_path / "home"
    result = run_bounded(home, "index", str(corpus))
    assert hit_keys(home, "meadow") == {"corpus/a.txt"}
    assert ".archiveignore: unreadable: larger than 1 MB; not read" in result.stdout


def make_odd_names(corpus: Path) -> dict[bytes, bytes]:
    """Files whose names are not UTF-8 (Latin-1 from an old system), written by bytes."""
    files = {b"caf\xe9.txt": b"latin one odd name quokka\n",
             b"d\xfcr/inner.txt": b"inner quokka in an odd folder\n"}
    base = os.fsencode(corpus)
    for relative, content in files.items():
        path = os.path.join(base, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(content)
    return files


def test_non_utf8_names_among_250_files_are_indexed_and_shown_replaced(tmp_path, app_paths):
    corpus = write_files(tmp_path / "corpus", {
        f"good{number:03}.txt": f"goodfile number {number}\n" for number in range(250)})
    odd = make_odd_names(corpus)
    with open(os.path.join(os.fsencode(corpus), b"vide\xe9.txt"), "wb"):
        pass  # empty: skipped, and its reason names it
    home = app_paths.home

    indexed = run_bounded(home, "index", str(corpus))
    assert "252 added" in indexed.stdout and "1 skipped" in indexed.stdout
    assert "vide\ufffd.txt: empty" in indexed.stdout
    assert total(home, "goodfile") == 250
    hits = json.loads(run_bounded(home, "search", "quokka", "--json").stdout)["hits"]
    assert len(hits) == 2
    assert {hit["title"] for hit in hits} == {"caf\ufffd", "inner"}
    assert all("\ufffd" in hit["path"] for hit in hits)
    shown = run_bounded(home, "search", "quokka").stdout
    assert "caf\ufffd" in shown and "[file missing" not in shown

    index = ArchiveIndex(app_paths)  # the key still opens the very file
    try:
        for hit in hits:
            record = index.catalog.record(hit["doc"])
            assert os.path.relpath(os.fsencode(record.path), os.fsencode(corpus)) in odd
            with open(record.path, "rb") as handle:
                assert handle.read() in odd.values()
    finally:
        index.close()

    exported = assert_export_is_clean(home, tmp_path, "quokka")
    assert "caf%EF%BF%BD" in exported and "\\udc" not in exported  # the file URI
    markdown = tmp_path / "odd.md"
    run_bounded(home, "export", "--query", "quokka", "--format", "md", "-o", str(markdown))
    assert "caf\ufffd" in markdown.read_text(encoding="utf-8")
    qdpx = tmp_path / "odd.qdpx"
    run_bounded(home, "export", "--query", "quokka", "--format", "qdpx", "-o", str(qdpx))
    with zipfile.ZipFile(qdpx) as archive:
        ElementTree.fromstring(archive.read("project.qde"))  # well-formed XML
    assert "vide\ufffd.txt: empty" in run_bounded(home, "check").stdout
    repaired = run_bounded(home, "check", "--repair")
    assert "archive: healthy" in repaired.stdout
    assert total(home, "goodfile") == 250 and total(home, "quokka") == 2


def make_deep_tree(corpus: Path, levels: int) -> Path:
    """A chain of one-letter folders (made by descriptor: no path grows) with a file at
    the end. Remove it with `remove_tree`: shutil.rmtree, and so pytest's own clean-up
    of old temporary folders, recurses and fails on it."""
    corpus.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(corpus, os.O_RDONLY)
    try:
        for _ in range(levels):
            os.mkdir("d", dir_fd=descriptor)
            inner = os.open("d", os.O_RDONLY, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
        file = os.open("deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=descriptor)
        os.write(file, b"abyssal words at the bottom\n")
        os.close(file)
    finally:
        os.close(descriptor)
    return corpus


def remove_tree(top: Path) -> None:
    """Delete a tree of any depth without recursion: every subfolder is first moved up
    into a flat holding folder beside it, so each rmtree sees one level."""
    hold = top.with_name(top.name + ".flat")
    hold.mkdir(exist_ok=True)
    queue, moved = [str(top)], 0
    while queue:
        folder = queue.pop()
        with os.scandir(folder) as listing:
            subfolders = [entry.path for entry in listing if entry.is_dir(follow_symlinks=False)]
        for subfolder in subfolders:
            moved += 1
            os.rename(subfolder, hold / str(moved))
            queue.append(str(hold / str(moved)))
        shutil.rmtree(folder)
    hold.rmdir()


@pytest.fixture
def deep_corpus(tmp_path: Path):
    """A corpus folder holding a chain of 1,100 folders, removed again afterwards."""
    corpus = make_deep_tree(tmp_path / "corpus", 1100)
    yield corpus
    remove_tree(corpus)


def test_a_folder_tree_1100_levels_deep_is_walked_to_the_limit(tmp_path, deep_corpus):
    corpus = deep_corpus
    write_files(corpus, {"top.txt": "meadow at the top\n", "d/d/d/near.txt": "meadow near\n"})
    home = tmp_path / "home"
    indexed = run_bounded(home, "index", str(corpus))
    assert "folder deeper than 64 levels; not read" in indexed.stdout
    assert hit_keys(home, "meadow") == {"corpus/top.txt", "corpus/d/d/d/near.txt"}
    assert total(home, "abyssal") == 0
    check = run_bounded(home, "check")
    assert "archive: healthy" in check.stdout
    assert "folder deeper than 64 levels; not read" in check.stdout
    run_bounded(home, "check", "--repair")
    assert total(home, "meadow") == 2


def test_an_extracted_tar_with_an_absolute_link_member_leaks_nothing(tmp_path, outside):
    tarball = tmp_path / "leak.tar"
    report = tmp_path / "report.txt"
    report.write_text("quarterly meadow report\n", encoding="utf-8")
    with tarfile.open(tarball, "w") as archive:
        archive.add(report, arcname="leak/report.txt")
        link = tarfile.TarInfo("leak/notes.md")
        link.type, link.linkname = tarfile.SYMTYPE, str(outside / "secret.txt")
        archive.addfile(link)
        folder = tarfile.TarInfo("leak/keys")
        folder.type, folder.linkname = tarfile.SYMTYPE, str(outside / "folder")
        archive.addfile(folder)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    subprocess.run(["tar", "-xf", str(tarball), "-C", str(corpus)], check=True, timeout=60)
    assert (corpus / "leak" / "notes.md").is_symlink()  # tar restored the absolute link

    home = tmp_path / "home"
    run_bounded(home, "index", str(corpus))
    assert total(home, SECRET_WORD) == 0
    assert hit_keys(home, "meadow") == {"corpus/leak/report.txt"}
    assert_export_is_clean(home, tmp_path, f"meadow OR {SECRET_WORD}")


def test_an_unzipped_archive_with_a_link_member_leaks_nothing(tmp_path, outside):
    zipped = tmp_path / "leak.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("leak/report.txt", "quarterly meadow report\n")
        link = zipfile.ZipInfo("leak/notes.md")
        link.create_system = 3  # Unix: the mode bits below mark a symbolic link
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, str(outside / "secret.txt"))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    subprocess.run(["unzip", "-q", str(zipped), "-d", str(corpus)], check=True, timeout=60)
    assert (corpus / "leak" / "notes.md").is_symlink()  # unzip restored the link

    home = tmp_path / "home"
    run_bounded(home, "index", str(corpus))
    assert total(home, SECRET_WORD) == 0
    assert hit_keys(home, "meadow") == {"corpus/leak/report.txt"}
