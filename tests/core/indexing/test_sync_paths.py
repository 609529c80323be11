"""The targeted sync (issue 19, part 6): `Library.sync_paths` follows what happened at a
few paths — created, changed, deleted, moved — exactly as a full sync would, at the cost
of those paths: it never walks the folder, and lists no directory it was not given."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import pytest

from archive_app.core import ingest
from archive_app.core.indexing import index as index_module
from archive_app.core.indexing import scanning
from archive_app.core.library import Library
from tests.conftest import write_files
from tests.core.archive_fixtures import KEYS, index_of, make_corpus
from tests.core.conftest import keys
from tests.core.indexing.test_members import write_zip


def bump(path: Path, text: str) -> None:
    """Rewrite a file so that its signature surely differs (mtime moved on 5 s)."""
    path.write_text(text, encoding="utf-8")
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 5_000_000_000))


@pytest.fixture
def library(app_paths, tmp_path):
    library = Library(app_paths)
    library.corpus = make_corpus(tmp_path)
    library.sync([library.corpus])
    yield library
    library.close()


class _NoWalk:
    """Refuses every walk of a whole folder, except inside `allowed()` (a full sync the
    test makes on purpose)."""

    def __init__(self, monkeypatch):
        self.allowing = False
        monkeypatch.setattr(index_module, "scan_root", self._scan_root)

    def _scan_root(self, root):
        if not self.allowing:
            raise AssertionError("the targeted sync walked the whole folder")
        return scanning.scan_root(root)

    @contextlib.contextmanager
    def allowed(self):
        self.allowing = True
        try:
            yield
        finally:
            self.allowing = False


@pytest.fixture
def no_walk(monkeypatch) -> _NoWalk:
    """A targeted sync must never walk a whole folder."""
    return _NoWalk(monkeypatch)


@pytest.fixture
def load_calls(monkeypatch):
    calls: list[str] = []
    real = ingest.load_document

    def counting(path, key, catalog_metadata=None, read_options=None):
        calls.append(key)
        return real(path, key, catalog_metadata, read_options)

    monkeypatch.setattr(ingest, "load_document", counting)
    return calls


def test_a_new_file_is_found_and_nothing_else_is_read(library, no_walk, load_calls):
    new = write_files(library.corpus, {"fresh.txt": "Fresh\n\nThe zeppelin landed."}) / "fresh.txt"
    summary = library.sync_paths([new])
    assert load_calls == ["corpus/fresh.txt"]
    assert (summary.added, summary.updated, summary.removed) == (1, 0, 0)
    assert keys(library, "zeppelin") == {"corpus/fresh.txt"}


def test_a_changed_file_is_read_again(library, no_walk, load_calls):
    bump(library.corpus / "liberty.txt", "Camp Liberty relocation\n\nThe camp closed in 2016.")
    summary = library.sync_paths([library.corpus / "liberty.txt"])
    assert load_calls == [KEYS["liberty"]] and summary.updated == 1
    assert keys(library, "closed") == {KEYS["liberty"]}
    assert keys(library, "mortar") == set()


def test_an_unchanged_path_reads_nothing(library, no_walk, load_calls):
    summary = library.sync_paths([library.corpus / "liberty.txt"])
    assert load_calls == [] and summary.unchanged == 1 and summary.indexed == 0


def test_a_deleted_file_leaves_and_orphans_its_annotations(library, no_walk):
    text = library.document(KEYS["ashraf"]).text
    start = text.index("52 residents")
    library.annotate(KEYS["ashraf"], start, start + 12, ["casualties"])
    (library.corpus / "ashraf.txt").unlink()
    summary = library.sync_paths([library.corpus / "ashraf.txt"])
    assert summary.removed == 1 and summary.removed_keys == [KEYS["ashraf"]]
    assert keys(library, "ashraf") == set()
    assert [a.state for a in library.annotations_for(KEYS["ashraf"])] == ["orphaned"]


def test_a_moved_file_keeps_its_annotations_under_its_new_key(library, no_walk, load_calls):
    text = library.document(KEYS["ashraf"]).text
    start = text.index("52 residents")
    library.annotate(KEYS["ashraf"], start, start + 12, ["casualties"], note="count")
    (library.corpus / "moved").mkdir()
    old, new = library.corpus / "ashraf.txt", library.corpus / "moved" / "ashraf.txt"
    old.rename(new)
    (library.corpus / "ashraf.txt.meta.json").rename(new.with_name("ashraf.txt.meta.json"))
    summary = library.sync_paths([old, old.with_name("ashraf.txt.meta.json"), new.parent])
    assert summary.moved == [(KEYS["ashraf"], "corpus/moved/ashraf.txt")]
    assert keys(library, "tag:casualties") == {"corpus/moved/ashraf.txt"}
    [annotation] = library.annotations_for("corpus/moved/ashraf.txt")
    assert annotation.state == "anchored" and annotation.exact == "52 residents"
    assert library.annotations_for(KEYS["ashraf"]) == []
    assert keys(library, 'source:"UN News"') == {"corpus/moved/ashraf.txt"}


def test_an_annotation_is_reanchored_when_its_file_changes(library, no_walk):
    text = library.document(KEYS["liberty"]).text
    start = text.index("Mortar attacks")
    library.annotate(KEYS["liberty"], start, start + 14, ["attacks"])
    bump(library.corpus / "liberty.txt", "Camp Liberty relocation\n\nA new first line.\n"
         "Residents were moved to Camp Liberty near Baghdad. Mortar attacks struck the "
         "camp in 2013 and 2015.")
    library.sync_paths([library.corpus / "liberty.txt"])
    [annotation] = library.annotations_for(KEYS["liberty"])
    new_text = library.document(KEYS["liberty"]).text
    assert new_text[annotation.start:annotation.end] == "Mortar attacks"
    assert annotation.state in ("anchored", "reanchored")


def test_a_file_in_a_new_subfolder_is_found_through_the_folder(library, no_walk):
    write_files(library.corpus, {"new/deeper/report.md": "# Dirigible\n\nThe dirigible rose.",
                                 "new/deeper/other.txt": "Other\n\nA zeppelin too."})
    summary = library.sync_paths([library.corpus / "new"])
    assert summary.added == 2
    assert keys(library, "dirigible") == {"corpus/new/deeper/report.md"}
    assert keys(library, "zeppelin") == {"corpus/new/deeper/other.txt"}


def test_a_deleted_folder_takes_its_documents(library, no_walk):
    for path in (library.corpus / "code").iterdir():
        path.unlink()
    (library.corpus / "code").rmdir()
    summary = library.sync_paths([library.corpus / "code"])
    assert sorted(summary.removed_keys) == sorted([KEYS["report"], KEYS["integer"]])
    assert keys(library, "integer") == set()
    assert keys(library, "historians") == {KEYS["massacres"]}  # the rest stays


def test_a_renamed_folder_moves_its_documents(library, no_walk):
    (library.corpus / "code").rename(library.corpus / "notes")
    summary = library.sync_paths([library.corpus / "code", library.corpus / "notes"])
    assert sorted(summary.moved) == [(KEYS["integer"], "corpus/notes/integer.txt"),
                                     (KEYS["report"], "corpus/notes/report.txt")]
    assert keys(library, "integer") == {"corpus/notes/integer.txt", "corpus/notes/report.txt"}


def test_an_ignored_file_stays_out(library, no_walk, load_calls):
    write_files(library.corpus, {".archiveignore": "drafts/*\nSOURCES.md\n"})
    with no_walk.allowed():
        library.sync([library.corpus])
    write_files(library.corpus, {"drafts/plan.txt": "Plan\n\nThe quokka plan.",
                                 "SOURCES.md": "Sources\n\nThe quokka list."})
    load_calls.clear()
    summary = library.sync_paths([library.corpus / "drafts", library.corpus / "SOURCES.md"])
    assert load_calls == [] and summary.added == 0
    assert keys(library, "quokka") == set()


def test_hidden_files_and_editor_droppings_are_not_documents(library, no_walk, load_calls):
    write_files(library.corpus, {".hidden.txt": "the quokka", "~$draft.docx": "x",
                                 "notes.txt.swp": "the quokka"})
    library.sync_paths([library.corpus / name for name in
                        (".hidden.txt", "~$draft.docx", "notes.txt.swp")])
    assert load_calls == [] and keys(library, "quokka") == set()


def test_a_link_out_of_the_folder_is_not_followed(library, no_walk, tmp_path):
    outside = write_files(tmp_path / "outside", {"secret.txt": "Secret\n\nThe wombat code."})
    link = library.corpus / "secret.txt"
    link.symlink_to(outside / "secret.txt")
    folder_link = library.corpus / "elsewhere"
    folder_link.symlink_to(outside, target_is_directory=True)
    summary = library.sync_paths([link, folder_link])
    assert summary.added == 0 and keys(library, "wombat") == set()
    assert {skipped.code for skipped in summary.skipped} == {"unreadable"}
    assert {os.path.basename(s.path) for s in summary.skipped} == {"secret.txt", "elsewhere"}


def test_a_file_below_a_linked_folder_is_not_reached_through_the_link(library, no_walk,
                                                                       tmp_path):
    outside = write_files(tmp_path / "outside", {"secret.txt": "Secret\n\nThe wombat code."})
    (library.corpus / "elsewhere").symlink_to(outside, target_is_directory=True)
    summary = library.sync_paths([library.corpus / "elsewhere" / "secret.txt"])
    assert summary.added == 0 and keys(library, "wombat") == set()


def test_a_document_swapped_for_a_link_out_leaves(library, no_walk, tmp_path):
    outside = write_files(tmp_path / "outside", {"secret.txt": "Secret\n\nThe wombat code."})
    (library.corpus / "accents.txt").unlink()
    (library.corpus / "accents.txt").symlink_to(outside / "secret.txt")
    summary = library.sync_paths([library.corpus / "accents.txt"])
    assert summary.removed == 1 and keys(library, "zürich") == set()
    assert keys(library, "wombat") == set()


def test_a_sidecar_change_rereads_its_documents(library, no_walk, load_calls):
    bump(library.corpus / "liberty.txt.meta.json", json.dumps({"source": "UNHCR"}))
    library.sync_paths([library.corpus / "liberty.txt.meta.json"])
    assert load_calls == [KEYS["liberty"]]
    assert keys(library, "source:UNHCR") == {KEYS["liberty"]}
    load_calls.clear()
    write_files(library.corpus, {"accents.meta.json": json.dumps({"source": "Stem Side"})})
    library.sync_paths([library.corpus / "accents.meta.json"])
    assert load_calls == [KEYS["accents"]]
    assert keys(library, 'source:"Stem Side"') == {KEYS["accents"]}


def test_a_changed_catalog_csv_reads_the_folder_in_full(library, load_calls):
    write_files(library.corpus, {"catalog.csv": "path,title\naccents.txt,Swiss cafés\n"})
    summary = library.sync_paths([library.corpus / "catalog.csv"])
    assert summary.rescanned == [str(library.corpus)]
    assert sorted(load_calls) == sorted(KEYS.values())  # every signature holds it
    assert keys(library, 'title:"Swiss cafés"') == {KEYS["accents"]}


def test_paths_outside_every_folder_are_left_alone(library, no_walk, tmp_path, load_calls):
    other = write_files(tmp_path / "other", {"x.txt": "The quokka."}) / "x.txt"
    summary = library.sync_paths([other])
    assert load_calls == [] and summary.indexed == 0 and keys(library, "quokka") == set()


def test_a_zips_members_follow_it(app_paths, tmp_path, no_walk):
    corpus = write_files(tmp_path / "corpus", {"intro.txt": "Intro\n\nNothing here."})
    library = Library(app_paths)
    try:
        with no_walk.allowed():
            library.sync([corpus])
        write_zip(corpus / "leak.zip", {"a.txt": b"A\n\nThe narwhal memo.",
                                        "b.txt": b"B\n\nThe okapi memo."})
        summary = library.sync_paths([corpus / "leak.zip"])
        assert summary.added == 1 and summary.members == 2
        assert keys(library, "narwhal") == {"corpus/leak.zip//a.txt"}
        write_zip(corpus / "leak.zip", {"a.txt": b"A\n\nThe narwhal memo, again."})
        os.utime(corpus / "leak.zip", ns=(0, os.stat(corpus / "leak.zip").st_mtime_ns + 10**10))
        summary = library.sync_paths([corpus / "leak.zip"])
        assert summary.removed_keys == ["corpus/leak.zip//b.txt"]
        assert keys(library, "okapi") == set()
        (corpus / "leak.zip").rename(corpus / "moved.zip")
        summary = library.sync_paths([corpus / "leak.zip", corpus / "moved.zip"])
        assert keys(library, "narwhal") == {"corpus/moved.zip//a.txt"}
        (corpus / "moved.zip").unlink()
        library.sync_paths([corpus / "moved.zip"])
        assert keys(library, "narwhal") == set()
    finally:
        library.close()


def test_the_result_equals_a_full_sync(app_paths, tmp_path, no_walk):
    """After a mixed batch, the index says what a full sync says."""
    corpus = make_corpus(tmp_path)
    library = Library(app_paths)
    try:
        with no_walk.allowed():
            library.sync([corpus])
        write_files(corpus, {"n1.txt": "N1\n\nThe first quokka.", "sub/n2.md": "# N2\n\nquokka"})
        (corpus / "accents.txt").unlink()
        bump(corpus / "liberty.txt", "Liberty\n\nThe quokka camp.")
        (corpus / "history").rename(corpus / "past")
        library.sync_paths([corpus / name for name in
                            ("n1.txt", "sub", "accents.txt", "liberty.txt", "history", "past")])
        targeted = {hit.key for hit in library.search("quokka OR massacres OR café",
                                                      limit=50).hits}
        count = library.doc_count()
        with no_walk.allowed():
            summary = library.sync([corpus])
        assert summary.indexed == summary.removed == 0  # nothing left for the full sync
        assert library.doc_count() == count
        assert {hit.key for hit in library.search("quokka OR massacres OR café",
                                                  limit=50).hits} == targeted
    finally:
        library.close()


class _Counted:
    """Counts the calls of the file-system functions a scan may use on the corpus's
    paths (the index's own folder is not the corpus)."""

    def __init__(self, monkeypatch, corpus: Path):
        self.corpus = str(corpus)
        self.calls: dict[str, int] = {}
        for name in ("stat", "lstat", "scandir", "listdir"):
            monkeypatch.setattr(os, name, self._wrap(name, getattr(os, name)))

    def _wrap(self, name, real):
        def counted(path=".", *args, **kwargs):
            if os.fspath(path if not isinstance(path, int) else "").startswith(self.corpus):
                self.calls[name] = self.calls.get(name, 0) + 1
            return real(path, *args, **kwargs)
        return counted


def test_one_changed_file_costs_a_few_stats_not_one_per_file(app_paths, tmp_path,
                                                              monkeypatch):
    """The cost is the change's: with 300 files in the folder, the targeted sync of one
    changed file lists no directory and stats a handful of paths; the full sync stats
    each of the 300."""
    corpus = write_files(tmp_path / "corpus", {f"d{n % 5}/f{n}.txt": f"File {n}\n\nword{n}"
                                               for n in range(300)})
    library = Library(app_paths)
    try:
        library.sync([corpus])
        bump(corpus / "d1" / "f1.txt", "File 1\n\nThe aardvark.")
        counted = _Counted(monkeypatch, corpus)
        library.sync_paths([corpus / "d1" / "f1.txt"])
        targeted = dict(counted.calls)
        assert keys(library, "aardvark") == {"corpus/d1/f1.txt"}
        assert targeted.get("scandir", 0) == 0 and targeted.get("listdir", 0) == 0
        assert targeted.get("stat", 0) + targeted.get("lstat", 0) < 20, targeted
        counted.calls.clear()
        bump(corpus / "d1" / "f1.txt", "File 1\n\nThe armadillo.")
        library.sync([corpus])
        assert counted.calls.get("scandir", 0) >= 6  # the root and its five folders
    finally:
        library.close()


def test_prepare_for_changes_reads_the_keys_the_first_change_would_read(library, no_walk):
    engine = index_of(library).engine
    library.prepare_for_changes()
    assert engine.prepare_deletions() == 0  # every segment's keys are known now
    bump(library.corpus / "liberty.txt", "Liberty\n\nThe camp became a llama farm.")
    library.sync_paths([library.corpus / "liberty.txt"])
    assert keys(library, "llama") == {KEYS["liberty"]}
