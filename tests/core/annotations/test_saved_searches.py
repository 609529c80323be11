"""Saved searches: kept in the precious store (migration 5), listed with how many documents
are new since each was last run, run again, undone, exported and imported (hostile files
included)."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from archive_app.core.annotations import store as store_module
from archive_app.core.annotations.records import Annotations
from archive_app.core.annotations.saved_searches import (
    MAX_FILTERS,
    MAX_IMPORT_ITEMS,
    MAX_NAME_CHARS,
    SavedSearchError,
)
from archive_app.core.annotations.store import UserStore
from archive_app.core.errors import QueryError
from archive_app.core.indexing import health
from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from tests.core.archive_fixtures import KEYS, make_corpus


def counts(library: Library) -> dict[str, int | None]:
    return {search.name: search.new for search in library.saved_searches()}


def add_file(library: Library, relative: str, text: str) -> None:
    path = library.corpus / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    library.sync()


# -- the store ---------------------------------------------------------------------------
def test_a_version_4_store_gains_saved_searches_and_keeps_its_annotations(tmp_path: Path):
    paths = AppPaths(tmp_path / "home")
    paths.home.mkdir(parents=True)
    db = sqlite3.connect(paths.annotations_db)
    for step in store_module.MIGRATIONS[:4]:
        step(db)
    db.execute("INSERT INTO annotations(uuid, doc, doc_sha256, start, end, exact, note, "
               "created, modified) VALUES ('u1', 'c/a.txt', 'x', 0, 4, 'tide', 'mine', 't', "
               "'t')")
    db.execute("INSERT INTO metadata_edits VALUES ('c/a.txt', 'title', 'Kept', 't')")
    db.execute("PRAGMA user_version = 4")
    db.commit()
    db.close()
    store = UserStore(paths.annotations_db, paths.backups_dir)
    try:
        assert store.version == store_module.SCHEMA_VERSION == 6
        [old] = Annotations(store).all()
        assert (old.exact, old.note) == ("tide", "mine")
        assert store.metadata_edits("c/a.txt") == {"title": "Kept"}
        columns = {row[1] for row in store.connection.execute(
            "PRAGMA table_info(saved_searches)")}
        assert columns == {"id", "name", "query", "filters", "sort", "created", "last_run"}
        assert list(paths.backups_dir.glob("*before-migration-4-to-*.sqlite3"))
    finally:
        store.close()


def test_save_list_and_run_keep_query_filters_and_sort(library):
    saved = library.save_search("UN camps", "camp", ["source:\"UN News\""], "newest")
    assert (saved.name, saved.query, saved.filters, saved.sort) == (
        "UN camps", "camp", ('source:"UN News"',), "newest")
    [listed] = library.saved_searches()
    assert listed.name == "UN camps" and listed.new == 0 and listed.problem == ""
    ran, results = library.run_saved_search("un CAMPS")  # the name's case is ignored
    assert [hit.key for hit in results.hits] == [KEYS["ashraf"]]
    assert results.sort == "newest" and results.query == '(camp) source:"UN News"'
    assert ran.last_run > saved.last_run


def test_a_taken_name_is_refused_unless_replaced(library):
    library.save_search("camps", "camp")
    with pytest.raises(SavedSearchError, match="already a saved search named 'camps'"):
        library.save_search("CAMPS", "liberty")
    library.save_search("Camps", "liberty", replace_existing=True)
    [only] = library.saved_searches()
    assert (only.name, only.query) == ("Camps", "liberty")


@pytest.mark.parametrize(("name", "query", "filters", "sort", "message"), [
    ("", "camp", [], "relevance", "give the saved search a name"),
    ("\u202e\x1b\x07\u2066", "camp", [], "relevance", "give the saved search a name"),
    ("x" * (MAX_NAME_CHARS + 1), "camp", [], "relevance", "at most 100 characters"),
    ("n", "", [], "relevance", "nothing to save"),
    ("n", "camp", [], "sideways", "is not a sort"),
    ("n", "camp", ["format:pdf"] * (MAX_FILTERS + 1), "relevance", "at most 20 filters"),
    ("n", "camp", "format:pdf", "relevance", "must be a list"),
])
def test_bad_saved_searches_are_refused_with_a_message(library, name, query, filters, sort,
                                                       message):
    with pytest.raises(SavedSearchError, match=message):
        library.save_search(name, query, filters, sort)
    assert library.saved_searches() == []


def test_a_query_that_cannot_be_parsed_is_refused_as_a_bad_search(library):
    with pytest.raises(QueryError):
        library.save_search("broken", '"unclosed')
    with pytest.raises(QueryError):
        library.save_search("broken", "camp", ["title:("])


def test_names_and_queries_are_cleaned(library):
    saved = library.save_search("  my\u202e  \x07camps\n", "  camp\x1b  liberty ")
    assert saved.name == "my camps" and saved.query == "camp liberty"


# -- new since the last run --------------------------------------------------------------
def test_new_documents_since_the_last_run_are_counted_until_it_runs_again(library):
    library.save_search("camps", "camp")
    library.save_search("rounding", "rounded")
    assert counts(library) == {"camps": 0, "rounding": 0}
    add_file(library, "new/dawn.txt", "Dawn raid\n\nA new camp was raided at dawn.")
    add_file(library, "new/other.txt", "Weather\n\nRain over the hills.")
    assert counts(library) == {"camps": 1, "rounding": 0}
    library.run_saved_search("camps")
    assert counts(library) == {"camps": 0, "rounding": 0}


def test_a_changed_document_is_new_and_one_read_again_unchanged_is_not(library):
    library.save_search("camps", "camp")
    liberty = library.corpus / "liberty.txt"
    text = liberty.read_text(encoding="utf-8")
    os.utime(liberty, (1_000_000_000, 1_000_000_000))  # a touched file is read again...
    library.sync()
    assert counts(library) == {"camps": 0}  # ...but says nothing new
    liberty.write_text(text + " A later camp report.", encoding="utf-8")
    library.sync()
    assert counts(library) == {"camps": 1}


def test_a_rebuild_makes_nothing_new(library):
    library.save_search("camps", "camp")
    library.sync(rebuild=True)
    assert counts(library) == {"camps": 0}
    add_file(library, "late.txt", "Late camp news.")
    assert counts(library) == {"camps": 1}


def test_a_repair_carries_the_reading_times_over(app_paths, tmp_path):
    library = Library(app_paths)
    try:
        library.corpus = make_corpus(tmp_path)
        library.sync([library.corpus])
        library.save_search("camps", "camp")
        add_file(library, "late.txt", "Late camp news.")
    finally:
        library.close()
    health.rebuild_index(app_paths)  # check --repair: a new index beside, swapped in
    again = Library(app_paths)
    try:
        assert counts(again) == {"camps": 1}
    finally:
        again.close()


def test_a_member_of_a_new_zip_counts(library):
    import zipfile

    with zipfile.ZipFile(library.corpus / "box.zip", "w") as archive:
        archive.writestr("inside/camp.txt", "A camp inside the zip.")
    library.sync()
    library.save_search("camps", "camp")
    assert counts(library) == {"camps": 0}
    with zipfile.ZipFile(library.corpus / "box2.zip", "w") as archive:
        archive.writestr("notes/two.txt", "Another camp inside another zip.")
    library.sync()
    assert counts(library) == {"camps": 1}  # the member; its zip lists only "notes/two.txt"


# -- undo ----------------------------------------------------------------------------------
def test_deleting_a_saved_search_is_undone_with_its_last_run(library):
    library.save_search("camps", "camp", ["format:txt"], "oldest")
    ran, _ = library.run_saved_search("camps")
    library.delete_saved_search("camps")
    assert library.saved_searches() == []
    assert library.can_undo() == "delete saved search 'camps'"
    change = library.undo_change()
    assert change.kind == "saved search"
    [back] = library.saved_searches(count_new=False)
    assert (back.query, back.filters, back.sort, back.last_run) == (
        "camp", ("format:txt",), "oldest", ran.last_run)
    library.redo()
    assert library.saved_searches() == []


def test_saving_is_undone_and_a_replacement_gives_the_old_one_back(library):
    library.save_search("camps", "camp")
    library.save_search("camps", "liberty", replace_existing=True)
    assert library.undo() == "save search 'camps'"
    assert [s.query for s in library.saved_searches()] == ["camp"]
    assert library.undo() == "save search 'camps'"
    assert library.saved_searches() == []
    library.redo()
    library.redo()
    assert [s.query for s in library.saved_searches()] == ["liberty"]


def test_an_undo_never_overwrites_a_search_saved_meanwhile(library):
    library.save_search("camps", "camp")
    library.delete_saved_search("camps")
    other = Library(library.paths)  # the CLI, or another window, takes the name
    try:
        other.save_search("camps", "liberty")
    finally:
        other.close()
    with pytest.raises(Exception, match="already a saved search"):
        library.undo()
    assert [s.query for s in library.saved_searches()] == ["liberty"]


# -- export and import ---------------------------------------------------------------------
def test_export_and_import_round_trip(library, tmp_path, app_paths):
    library.save_search("camps", "camp", ['source:"UN News"'], "newest")
    library.save_search("Persian", "lang:fa")
    target = tmp_path / "team.json"
    assert library.export_saved_searches(target) == 2
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["format"] == "archive-app/saved-searches" and data["version"] == 1
    assert [item["name"] for item in data["saved_searches"]] == ["camps", "Persian"]
    with pytest.raises(SavedSearchError, match="already exists"):
        library.export_saved_searches(target)

    elsewhere = Library(AppPaths(tmp_path / "elsewhere"))
    try:
        report = elsewhere.import_saved_searches(target)
        assert report.imported == ["camps", "Persian"] and not report.invalid
        mine = {s.name: (s.query, s.filters, s.sort) for s in elsewhere.saved_searches()}
        assert mine == {"camps": ("camp", ('source:"UN News"',), "newest"),
                        "Persian": ("lang:fa", (), "relevance")}
        again = elsewhere.import_saved_searches(target)
        assert again.imported == [] and len(again.skipped) == 2
        assert "'camps': this archive has a saved search of that name" in again.skipped[0]
    finally:
        elsewhere.close()


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_hostile_import_file_imports_what_is_good_and_names_the_rest(library, tmp_path):
    items = [
        {"name": "good", "query": "camp", "filters": ["format:txt"], "sort": "oldest",
         "created": "2020-01-02T03:04:05+00:00"},
        "not an object",
        {"query": "camp"},
        {"name": 7, "query": "camp"},
        {"name": "bad query", "query": "title:("},
        {"name": "bad sort", "query": "camp", "sort": {"x": 1}},
        {"name": "bad filters", "query": "camp", "filters": [1, 2]},
        {"name": "huge", "query": "x " * 5000},
        {"name": "n" * 5000, "query": "camp"},
        {"name": "\x1b]0;pwned\x07 term\u202e", "query": "camp\x00 liberty",
         "created": "yesterday"},
        {"name": "GOOD", "query": "liberty"},
    ]
    report = library.import_saved_searches(write_json(tmp_path / "hostile.json", {
        "format": "archive-app/saved-searches", "version": 1, "saved_searches": items}))
    assert report.imported == ["good", "]0;pwned term"]
    assert report.skipped == ["'GOOD': the file, earlier, has a saved search of that name; "
                              "it is kept as it is"]
    reasons = "\n".join(report.invalid)
    assert len(report.invalid) == 8, reasons
    for expected in ("item 2: not an object", "item 3: it has no \"name\"",
                     "item 4: its \"name\" is not a text", "item 5 ('bad query'):",
                     "item 6 ('bad sort'): ", "is not a sort", "item 7 ('bad filters'): each "
                     "filter must be a text", "item 8 ('huge'): the query is too long",
                     "item 9 ('nnnn"):
        assert expected in reasons, expected
    assert max(len(line) for line in report.lines()) < 300  # nothing echoed in full
    searches = {s.name: s for s in library.saved_searches()}
    assert searches["good"].created.startswith("2020-01-02T03:04:05")
    assert searches["]0;pwned term"].query == "camp liberty"
    assert searches["good"].new == 0  # imported searches count as run now


@pytest.mark.parametrize(("content", "message"), [
    (b"{not json", "not JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (json.dumps({"format": "something else"}).encode(), "not a saved-search file"),
    (json.dumps({"format": "archive-app/saved-searches", "version": 99,
                 "saved_searches": []}).encode(), "newer Archive App"),
    (json.dumps({"format": "archive-app/saved-searches", "version": 1}).encode(),
     "no \"saved_searches\" list"),
    (json.dumps("a string").encode(), "neither a saved-search export nor a list"),
    (json.dumps([{"name": f"n{i}", "query": "camp"}
                 for i in range(MAX_IMPORT_ITEMS + 1)]).encode(), "at most 1,000"),
    (b"\xff\xfe\x00garbage", "not JSON"),
])
def test_an_unreadable_import_file_is_refused_whole(library, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(SavedSearchError, match=message):
        library.import_saved_searches(path)
    assert library.saved_searches() == []


def test_a_fifo_or_a_folder_is_refused_without_waiting(library, tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(SavedSearchError, match="not a regular file"):
        library.import_saved_searches(fifo)
    with pytest.raises(SavedSearchError, match="not a regular file"):
        library.import_saved_searches(tmp_path)


def test_a_catalog_made_before_the_reading_times_counts_nothing_new(library):
    from tests.core.archive_fixtures import index_of

    catalog = index_of(library).catalog
    library.save_search("camps", "camp")
    with catalog.connection:
        catalog.connection.execute("DROP TABLE indexed")
    assert catalog.indexed_since(0) == {}
    assert counts(library) == {"camps": 0}
