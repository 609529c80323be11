"""`check` finds a damaged index and `check --repair` rebuilds it; the user's work stays."""

from __future__ import annotations

import pytest

from archive_app.core.errors import IndexProblem
from archive_app.core.health import check_index
from archive_app.core.index import ArchiveIndex
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
    tocs = sorted(paths.index_dir.glob("_archive-v1_*.toc"))
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
