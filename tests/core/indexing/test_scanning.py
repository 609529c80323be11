"""The folder walk: no recursion, a depth limit, links judged by where they lead, odd names.

These call `scan_root` and the catalog directly on real folders; the end-to-end cases
(CLI, search, export) are in tests/reliability/test_hostile_links_and_names.py.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive_app.core.indexing.catalog import Catalog, FileRecord, Root
from archive_app.core.indexing.scanning import MAX_FOLDER_DEPTH, scan_root
from archive_app.core.ingest import load_document
from tests.conftest import write_files
from tests.reliability.test_hostile_links_and_names import make_deep_tree, remove_tree


def chain(levels: int) -> str:
    return "/".join(["d"] * levels)


def test_files_down_to_the_depth_limit_are_found_and_deeper_folders_recorded(tmp_path):
    corpus = write_files(tmp_path / "corpus", {
        f"{chain(MAX_FOLDER_DEPTH)}/last.txt": "x", f"{chain(MAX_FOLDER_DEPTH + 1)}/over.txt": "x"})
    scan = scan_root(Root("corpus", corpus))
    assert set(scan.found) == {f"corpus/{chain(MAX_FOLDER_DEPTH)}/last.txt"}
    beyond = f"corpus/{chain(MAX_FOLDER_DEPTH + 1)}"
    assert scan.unreadable[beyond][1] == f"folder deeper than {MAX_FOLDER_DEPTH} levels; not read"


def test_a_tree_deeper_than_the_recursion_limit_is_walked(tmp_path):
    corpus = make_deep_tree(tmp_path / "corpus", 1500)
    try:
        (corpus / "top.txt").write_text("x", encoding="utf-8")
        scan = scan_root(Root("corpus", corpus))
        assert list(scan.found) == ["corpus/top.txt"]
        assert len(scan.unreadable) == 1
    finally:
        remove_tree(corpus)


def test_special_files_are_never_documents(tmp_path):
    corpus = write_files(tmp_path / "corpus", {"a.txt": "x"})
    os.mkfifo(corpus / "pipe.txt")
    os.mkfifo(corpus / "pipe.bin")  # not a document name: not mentioned at all
    scan = scan_root(Root("corpus", corpus))
    assert set(scan.found) == {"corpus/a.txt"}
    assert scan.unreadable == {
        "corpus/pipe.txt": (str(corpus / "pipe.txt"), "not a regular file (a FIFO); not read")}


def test_links_are_judged_by_where_they_finally_lead(tmp_path):
    corpus = write_files(tmp_path / "corpus", {"a.txt": "x", "sub/b.txt": "x"})
    write_files(tmp_path / "outside", {"s.txt": "x"})
    os.symlink("../outside/s.txt", corpus / "out.txt")
    os.symlink("out.txt", corpus / "chain.md")  # inside link to an outside link
    os.symlink("a.txt", corpus / "alias.txt")  # inside: the target is indexed, once
    os.symlink("sub", corpus / "sub-link")
    os.symlink("../outside", corpus / "out-folder")
    os.symlink("nothing.txt", corpus / "dangling.txt")
    scan = scan_root(Root("corpus", corpus))
    assert set(scan.found) == {"corpus/a.txt", "corpus/sub/b.txt"}
    reasons = {key: reason for key, (_, reason) in scan.unreadable.items()}
    assert reasons == {
        "corpus/out.txt": "link to a file outside this folder; not read",
        "corpus/chain.md": "link to a file outside this folder; not read",
        "corpus/out-folder": "link to a folder outside this folder; not read",
        "corpus/dangling.txt": "link to a file that does not exist; not read",
    }


def test_small_files_linked_inside_the_folder_are_read(tmp_path):
    corpus = write_files(tmp_path / "corpus", {"a.txt": "x", "b.txt": "x",
                                              "notes/ignore": "b.txt\n",
                                              "notes/a.json": '{"author": "Inside"}'})
    os.symlink("notes/ignore", corpus / ".archiveignore")
    os.symlink("notes/a.json", corpus / "a.txt.meta.json")
    scan = scan_root(Root("corpus", corpus))
    assert set(scan.found) == {"corpus/a.txt"} and not scan.unreadable
    assert load_document(corpus / "a.txt", "corpus/a.txt").author == "Inside"


def test_a_root_reached_through_a_link_still_reads_its_own_files(tmp_path):
    real = write_files(tmp_path / "real", {"a.txt": "x"})
    os.symlink("a.txt", real / "alias.txt")
    os.symlink(real, tmp_path / "linked")
    scan = scan_root(Root("corpus", tmp_path / "linked"))
    assert set(scan.found) == {"corpus/a.txt"} and not scan.unreadable


def test_a_non_utf8_name_gets_a_printable_key_and_its_exact_path(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    raw = os.path.join(os.fsencode(corpus), b"caf\xe9.txt")
    Path(os.fsdecode(raw)).write_text("x", encoding="utf-8")
    scan = scan_root(Root("corpus", corpus))
    ((key, (path, _)),) = scan.found.items()
    key.encode("utf-8")  # printable, storable: no lone surrogates
    assert key == "corpus/caf\\xe9.txt"
    assert os.fsencode(path) == raw


def test_the_catalog_keeps_the_exact_bytes_of_an_odd_path(tmp_path):
    path = os.fsdecode(os.path.join(os.fsencode(tmp_path), b"d\xfcr", b"caf\xe9.txt"))
    catalog = Catalog(tmp_path / "catalog.sqlite3", tmp_path / "roots.json")
    try:
        catalog.store_files([
            FileRecord("corpus/caf\\xe9.txt", "corpus", path, "1:1", "abc", None, None),
            FileRecord("corpus/x.txt", "corpus", path + "x", "1:1", None, "corrupt",
                       f"cannot read {Path(path).name}: broken")])
        assert catalog.record("corpus/caf\\xe9.txt").path == path
        assert catalog.files_of_root("corpus")["corpus/caf\\xe9.txt"].path == path
        assert catalog.key_for_path(path) == "corpus/caf\\xe9.txt"
        (skipped,) = catalog.skipped()
        assert skipped.path == path + "x"
        assert skipped.skip_reason == "cannot read caf\ufffd.txt: broken"
    finally:
        catalog.close()


# -- the walk against random trees -------------------------------------------------------
NAMES = st.sampled_from(["a.txt", "b.md", "c.bin", "d", "e", ".h", "f.txt.meta.json"])
Node = st.recursive(
    st.one_of(st.just("file"), st.tuples(st.just("link"), st.integers(0, 30))),
    lambda children: st.dictionaries(NAMES, children, max_size=4),
    max_leaves=25)


def build(folder: Path, node, made: list[Path], links: list[tuple[Path, int]]) -> None:
    """Make the random tree: dicts are folders, "file" a small file, ("link", n) a link."""
    for name, child in node.items():
        path = folder / name
        if isinstance(child, dict):
            path.mkdir()
            made.append(path)
            build(path, child, made, links)
        elif child == "file":
            path.write_text("words", encoding="utf-8")
            made.append(path)
        else:
            links.append((path, child[1]))


def link_targets(root: Path, outside: Path, made: list[Path]) -> list[str]:
    """Where random links may point: anything made, outside, missing, other links, ../.."""
    return [str(p) for p in made] + [str(outside), str(outside / "s.txt"), "missing.txt",
                                     "../../outside/s.txt", "../..", str(root)]


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(tree=Node.filter(lambda node: isinstance(node, dict)), depth=st.integers(0, 70))
def test_the_walk_never_leaves_the_folder_nor_finds_a_file_twice(tree, depth):
    base = Path(tempfile.mkdtemp())
    try:
        outside = write_files(base / "outside", {"s.txt": "secret"})
        root = base / "corpus" / chain(depth) if depth else base / "corpus"
        root.mkdir(parents=True)
        made: list[Path] = []
        links: list[tuple[Path, int]] = []
        build(root, tree, made, links)
        targets = link_targets(root, outside, made) + [str(p) for p, _ in links]
        for path, choice in links:
            os.symlink(targets[choice % len(targets)], path)
        scan = scan_root(Root("corpus", root))
        real_root = os.path.realpath(root)
        reals = [os.path.realpath(path) for path, _ in scan.found.values()]
        assert all(real.startswith(real_root + os.sep) for real in reals)
        assert all(not os.path.islink(path) for path, _ in scan.found.values())
        assert len(set(reals)) == len(reals)
        expected = {f"corpus/{p.relative_to(root).as_posix()}" for p in made
                    if p.is_file() and p.suffix in (".txt", ".md")
                    and not p.name.endswith(".meta.json")
                    and not any(part.startswith(".") for part in p.relative_to(root).parts)}
        assert set(scan.found) == expected
        assert not set(scan.found) & set(scan.unreadable)
    finally:
        shutil.rmtree(base)
