"""Removing a folder from the archive: its documents leave search, its annotations stay."""

from __future__ import annotations

import pytest

from archive_app.core.errors import ArchiveError
from archive_app.core.library import Library
from tests.conftest import write_files
from tests.core.archive_fixtures import KEYS, make_corpus
from tests.core.conftest import keys


@pytest.fixture
def two_folders(app_paths, tmp_path):
    """The known corpus and a second folder with one good and one skipped file."""
    library = Library(app_paths)
    library.corpus = make_corpus(tmp_path)
    library.other = write_files(tmp_path / "letters", {"basel.txt": "Basel letter\n\nCamp.",
                                                       "empty.txt": ""})
    library.sync([library.corpus, library.other])
    yield library
    library.close()


def test_folders_count_documents_and_skipped_files(two_folders):
    summaries = {summary.path: summary for summary in two_folders.folders()}
    corpus, letters = summaries[two_folders.corpus], summaries[two_folders.other]
    assert (corpus.documents, corpus.skipped) == (6, [])
    assert letters.documents == 1
    assert [(s.path.endswith("empty.txt"), s.code) for s in letters.skipped] == [(True, "empty")]
    assert not corpus.missing


def test_removing_a_folder_orphans_its_annotations_and_empties_its_search(two_folders):
    library = two_folders
    note = library.annotate_quote(KEYS["ashraf"], "massacre", ["event"], note="keep me")
    assert keys(library, "camp") == {KEYS["ashraf"], KEYS["liberty"], "letters/basel.txt"}
    removed = library.remove_folder(library.corpus)
    assert removed.documents == 6 and removed.orphaned == 1
    assert keys(library, "camp") == {"letters/basel.txt"}
    assert keys(library, "tag:event") == set()
    assert [root.path for root in library.roots()] == [library.other]
    kept = library.all_annotations()
    assert [(a.id, a.state, a.note, a.exact) for a in kept] == [
        (note.id, "orphaned", "keep me", "massacre")]
    assert library.document(KEYS["ashraf"]) is None
    assert [s.path for s in library.folders()] == [library.other]


def test_a_removed_folder_can_be_added_again_and_finds_its_annotations(two_folders):
    library = two_folders
    library.annotate_quote(KEYS["ashraf"], "massacre", ["event"])
    library.remove_folder(library.corpus)
    library.sync([library.corpus])
    assert keys(library, "tag:event") == {KEYS["ashraf"]}
    assert [a.state for a in library.all_annotations()] == ["anchored"]


def test_removing_an_unknown_folder_is_refused(two_folders, tmp_path):
    with pytest.raises(ArchiveError, match="not a folder of this archive"):
        two_folders.remove_folder(tmp_path / "nowhere")
    assert len(two_folders.roots()) == 2
