"""`check` finds a damaged index and `check --repair` rebuilds it; the user's work stays."""

from __future__ import annotations

import sqlite3

import pytest

from archive_app.core.errors import Cancelled, IndexProblem
from archive_app.core.indexing.health import check_index
from archive_app.core.indexing.index import INDEX_NAME, ArchiveIndex
from archive_app.core.library import Library
from tests.core.archive_fixtures import KEYS, make_corpus


@pytest.fixture
def indexed_home(app_paths, tmp_path):
    library = Library(app_paths)
    library.sync([make_corpus(tmp_path)])
    library.edit_metadata(KEYS["accents"], {"author": "Jane Doe"})
    library.close()
    return app_paths


def damage(paths, how):
    segments = sorted(paths.index_dir.glob("*.seg"))
    tocs = sorted(paths.index_dir.glob(f"_{INDEX_NAME}_*.toc"))
    if how == "truncate-segment":
        target = segments[0]
        target.write_bytes(target.read_bytes()[:100])
    elif how == "delete-segment":
        segments[0].unlink()
    elif how == "garble-toc":
        tocs[-1].write_bytes(b"\x00garbage" * 10)
    elif how == "delete-catalog":
        for path in paths.index_dir.glob("catalog.sqlite3*"):
            path.unlink()


def test_healthy_index_is_reported_healthy(indexed_home):
    report = check_index(indexed_home)
    assert report.healthy and report.documents == len(KEYS)


@pytest.mark.parametrize("how", ["truncate-segment", "delete-segment", "garble-toc",
                                 "delete-catalog"])
def test_damage_is_detected_and_repaired_without_losing_edits(indexed_home, how):
    damage(indexed_home, how)
    report = check_index(indexed_home)
    assert not report.healthy and report.problems
    repaired = check_index(indexed_home, repair=True)
    assert repaired.repaired and repaired.documents == len(KEYS)
    library = Library(indexed_home)
    try:
        assert {h.key for h in library.search("author:jane").hits} == {KEYS["accents"]}
    finally:
        library.close()


def test_opening_a_garbled_index_raises_a_plain_problem(indexed_home):
    damage(indexed_home, "garble-toc")
    with pytest.raises(IndexProblem, match="damaged"):
        ArchiveIndex(indexed_home)


def test_changed_corpus_is_reported_and_repair_resyncs(indexed_home, tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "liberty.txt").unlink()
    (corpus / "new.txt").write_text("A new report about Basel", encoding="utf-8")
    report = check_index(indexed_home)
    assert not report.healthy and report.out_of_date
    assert {"corpus/liberty.txt is deleted from disk",
            "corpus/new.txt is not indexed yet"} <= set(report.problems)
    repaired = check_index(indexed_home, repair=True)
    assert repaired.repaired and "brought up to date" in repaired.fixed[0]
    assert check_index(indexed_home).healthy


def test_annotation_whose_anchor_drifted_is_reanchored(indexed_home):
    library = Library(indexed_home)
    annotation = library.annotate_quote(KEYS["ashraf"], "52 residents", ["count"])
    library.close()
    with sqlite3.connect(indexed_home.annotations_db) as store:  # the anchor drifts
        store.execute("UPDATE annotations SET start = start + 3, end = end + 3 WHERE id = ?",
                      (annotation.id,))
    report = check_index(indexed_home)
    assert report.anchors_to_fix == 1
    repaired = check_index(indexed_home, repair=True)
    assert repaired.repaired
    library = Library(indexed_home)
    try:
        again = library.annotations_for(KEYS["ashraf"])[0]
        assert (again.start, again.exact) == (annotation.start, "52 residents")
    finally:
        library.close()


def test_damaged_annotation_database_is_reported_and_left_alone(indexed_home):
    data = bytearray(indexed_home.annotations_db.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)
    indexed_home.annotations_db.write_bytes(bytes(data))
    for leftover in indexed_home.home.glob("annotations.sqlite3-*"):
        leftover.unlink()
    before = indexed_home.annotations_db.read_bytes()
    report = check_index(indexed_home, repair=True)
    assert report.store_damaged and not report.repaired
    assert any("left untouched" in item for item in report.unfixed)
    assert indexed_home.annotations_db.read_bytes() == before


def cancel_after(count: int):
    import threading

    from archive_app.core.jobs import JobControl

    event = threading.Event()
    return JobControl(progress=lambda done, total, message: done >= count and event.set(),
                      cancel_event=event)


def all_found(paths) -> set[str]:
    library = Library(paths)
    try:
        found = library.search("the OR camp OR report OR massacre*", limit=100)
        return {hit.key for hit in found.hits}
    finally:
        library.close()


def test_a_repair_that_fails_keeps_the_working_index(indexed_home):
    before = all_found(indexed_home)
    assert len(before) == len(KEYS)
    import sqlite3

    with sqlite3.connect(indexed_home.catalog_db) as catalog:  # damage; search still works
        catalog.execute("DELETE FROM files WHERE key = ?", (KEYS["ashraf"],))
    assert check_index(indexed_home).problems
    try:
        failed = check_index(indexed_home, repair=True, control=cancel_after(2))
    except Cancelled:
        failed = None  # the rebuild's failure escaped
    assert all_found(indexed_home) == before, "the working index was deleted"
    assert failed is not None and not failed.repaired and failed.failing
    assert any("left as it was" in item for item in failed.unfixed)
    report = check_index(indexed_home)
    assert report.damaged and report.group("damage").count == 1
    assert not (indexed_home.home / "index.new").exists()
    assert check_index(indexed_home, repair=True).repaired
    assert all_found(indexed_home) == before


def test_check_groups_damage_apart_from_what_is_not_indexed_yet(indexed_home, tmp_path,
                                                                capsys):
    import json

    from archive_app.cli import main

    corpus = tmp_path / "corpus"
    (corpus / "new.txt").write_text("A new report about Basel", encoding="utf-8")
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    report = check_index(indexed_home)
    assert not report.damaged and not report.failing and not report.healthy
    assert [item.path for item in report.group("not-indexed").items] == [
        "corpus/empty.txt", "corpus/new.txt"]
    home = ["--home", str(indexed_home.home)]
    assert main([*home, "check"]) == 0  # nothing damaged: only a Re-index is due
    printed = capsys.readouterr().out
    assert "Not indexed yet (2)" in printed and "Damage" not in printed
    assert main([*home, "check", "--json"]) == 0
    groups = {g["name"]: g for g in json.loads(capsys.readouterr().out)["groups"]}
    assert groups["not-indexed"]["count"] == 2 and groups["damage"]["count"] == 0
    assert main([*home, "index"]) == 0
    capsys.readouterr()
    assert main([*home, "check", "--json"]) == 0
    groups = {g["name"]: g for g in json.loads(capsys.readouterr().out)["groups"]}
    assert groups["not-indexed"]["count"] == 0
    assert [(i["path"].rsplit("/", 1)[1], i["code"]) for i in groups["skipped"]["items"]] \
        == [("empty.txt", "empty")]
    with __import__("sqlite3").connect(indexed_home.catalog_db) as catalog:
        catalog.execute("UPDATE files SET skip_code = 'timeout', skip_reason = 'took "
                        "longer than 30 s' WHERE key = 'corpus/empty.txt'")
    assert [i.code for i in check_index(indexed_home).group("limits").items] == ["timeout"]
    with __import__("sqlite3").connect(indexed_home.catalog_db) as catalog:
        catalog.execute("DELETE FROM files WHERE key = ?", (KEYS["ashraf"],))
    assert main([*home, "check"]) == 1  # damage fails
    assert "Damage (1)" in capsys.readouterr().out


def test_an_open_library_checks_and_repairs_its_own_anchors(indexed_home):
    """The window checks the archive it has open (`Library.check`, on a worker) and
    re-anchors through that same Library: no second one is opened behind its back."""
    import threading

    from archive_app.core.indexing.health import inspect

    library = Library(indexed_home)
    try:
        annotation = library.annotate_quote(KEYS["ashraf"], "52 residents", ["count"])
        with sqlite3.connect(indexed_home.annotations_db) as store:  # the anchor drifts
            store.execute("UPDATE annotations SET start = start + 3, end = end + 3 "
                          "WHERE id = ?", (annotation.id,))
        found = {}
        worker = threading.Thread(target=lambda: found.update(report=library.check()))
        worker.start()
        worker.join(60)
        report = found["report"]
        assert report.anchors_to_fix == 1 and report.documents == len(KEYS)
        assert not report.index_damaged and report.damaged
        assert report.to_json() == inspect(indexed_home).to_json()  # as the CLI sees it
        assert [a.id for a, view in library.drifted_annotations()] == [annotation.id]
        assert library.reanchor_drifted() == 1
        again = library.annotations_for(KEYS["ashraf"])[0]
        assert (again.start, again.exact) == (annotation.start, "52 residents")
        assert library.check().healthy and library.drifted_annotations() == []
        assert library.can_undo().startswith("tag passage")  # not an action to undo
    finally:
        library.close()
