"""One undo/redo history for every change to the user's work: it undoes exactly that change.

The defect this guards against: after a tag merge, Ctrl+Z deleted the user's newest
(unrelated) annotation, because only annotation changes were on the undo stack.
"""

from __future__ import annotations

import pytest

from archive_app.core.ingest.documents import content_hash
from tests.core.archive_fixtures import KEYS, store_connection
from tests.core.conftest import keys


def state(library):
    """Everything undo may touch, as plain values: annotations with tags and notes, tags."""
    annotations = sorted((a.id, a.uuid, a.doc, a.exact, tuple(a.tags), a.note)
                         for a in library.all_annotations())
    return annotations, [(t.name, t.color, t.count) for t in library.tags()]


def tagged(library):
    """Two tags on two passages, then an unrelated newest annotation (as in the report)."""
    library.annotate_quote(KEYS["ashraf"], "52 residents", ["numbers"], note="count")
    library.annotate_quote(KEYS["liberty"], "Mortar attacks", ["displacement", "numbers"])
    library.annotate_quote(KEYS["liberty"], "Camp Liberty", ["displacement"])
    newest = library.annotate_quote(KEYS["ashraf"], "Witnesses", ["people"], note="mine")
    return newest


def test_merge_then_undo_restores_both_tags_and_leaves_the_newest_annotation(library):
    newest = tagged(library)
    before = state(library)
    library.merge_tags("numbers", "displacement")
    assert [t.name for t in library.tags()] == ["displacement", "people"]
    assert library.can_undo() == "merge 'numbers' into 'displacement'"
    assert library.undo() == "merge 'numbers' into 'displacement'"
    assert state(library) == before
    assert newest.id in [a.id for a in library.all_annotations()]
    assert keys(library, "tag:numbers") == {KEYS["ashraf"], KEYS["liberty"]}
    assert keys(library, "tag:people") == {KEYS["ashraf"]}
    assert library.can_redo() == "merge 'numbers' into 'displacement'"


def test_merge_undo_keeps_each_passage_s_tag_order_and_the_source_colour(library):
    tagged(library)
    library.set_tag_color("numbers", "#123456")
    before = state(library)
    library.merge_tags("numbers", "displacement")
    library.undo()
    assert state(library) == before
    liberty = [a for a in library.annotations_for(KEYS["liberty"])
               if a.exact == "Mortar attacks"][0]
    assert liberty.tags == ["displacement", "numbers"]


@pytest.mark.parametrize(("action", "description"), [
    (lambda lib: lib.merge_tags("numbers", "displacement"),
     "merge 'numbers' into 'displacement'"),
    (lambda lib: lib.rename_tag("numbers", "figures"), "rename tag 'numbers' to 'figures'"),
    (lambda lib: lib.rename_tag("numbers", "displacement"),
     "rename tag 'numbers' to 'displacement'"),
    (lambda lib: lib.set_tag_color("numbers", "#abcdef"), "recolour tag 'numbers'"),
    (lambda lib: lib.delete_tag("numbers"), "delete tag 'numbers'"),
    (lambda lib: lib.annotate_quote(KEYS["accents"], "Zürich", ["places"]),
     "tag passage in 'Café society'"),
    (lambda lib: lib.update_annotation(lib.all_annotations(tag="people")[0].id,
                                       tags=["people", "checked"], note="changed"),
     "edit annotation in 'Camp Ashraf attack'"),
    (lambda lib: lib.delete_annotation(lib.all_annotations(tag="people")[0].id),
     "delete annotation in 'Camp Ashraf attack'"),
    (lambda lib: lib.edit_metadata(KEYS["ashraf"], {"title": "Ashraf, 2013"}),
     "edit metadata of 'Ashraf, 2013'"),
])
def test_each_action_undoes_and_redoes_exactly(library, action, description):
    tagged(library)
    before = state(library)
    metadata_before = library.metadata_edits(KEYS["ashraf"])
    action(library)
    after = state(library), library.metadata_edits(KEYS["ashraf"])
    assert after != (before, metadata_before)
    assert library.can_undo() == description and library.can_redo() is None
    assert library.undo() == description
    assert (state(library), library.metadata_edits(KEYS["ashraf"])) == (before,
                                                                        metadata_before)
    assert library.can_redo() == description
    assert library.redo() == description
    assert (state(library), library.metadata_edits(KEYS["ashraf"])) == after
    assert library.can_undo() == description and library.can_redo() is None


def test_undo_of_a_metadata_edit_puts_back_the_title_search_knows(library):
    library.edit_metadata(KEYS["liberty"], {"title": "Relocation report", "author": "UNAMI"})
    assert keys(library, "title:relocation") == {KEYS["liberty"]}
    assert library.undo() == "edit metadata of 'Relocation report'"
    assert library.metadata_edits(KEYS["liberty"]) == {}
    assert library.document(KEYS["liberty"]).title == "Camp Liberty relocation"
    assert keys(library, "author:unami") == set()
    library.redo()
    assert library.document(KEYS["liberty"]).title == "Relocation report"
    assert keys(library, "author:unami") == {KEYS["liberty"]}


def test_a_new_action_clears_redo(library):
    tagged(library)
    library.rename_tag("numbers", "figures")
    library.undo()
    assert library.can_redo() == "rename tag 'numbers' to 'figures'"
    library.set_tag_color("people", "#00ff00")
    assert library.can_redo() is None and library.redo() is None
    assert [t.name for t in library.tags()] == ["displacement", "numbers", "people"]


def test_undo_walks_back_through_mixed_actions_in_order(library):
    newest = tagged(library)
    start = state(library)
    library.rename_tag("people", "persons")
    library.update_annotation(newest.id, note="changed")
    library.delete_tag("displacement")
    assert library.undo() == "delete tag 'displacement'"
    assert library.undo() == "edit annotation in 'Camp Ashraf attack'"
    assert library.undo() == "rename tag 'people' to 'persons'"
    assert state(library) == start
    assert library.undo() == "tag passage in 'Camp Ashraf attack'"
    assert newest.id not in [a.id for a in library.all_annotations()]


def test_tag_search_agrees_at_once_after_undo_and_redo(library):
    tagged(library)
    library.delete_tag("numbers")
    assert keys(library, "tag:numbers") == set()
    library.undo()
    assert keys(library, "tag:numbers") == {KEYS["ashraf"], KEYS["liberty"]}
    library.redo()
    assert keys(library, "tag:numbers") == set()
    library.undo()
    library.rename_tag("numbers", "stats/numbers")
    assert keys(library, "tag:stats") == {KEYS["ashraf"], KEYS["liberty"]}
    library.undo()
    assert keys(library, "tag:stats") == set()
    assert keys(library, "tag:numbers") == {KEYS["ashraf"], KEYS["liberty"]}


def test_undo_of_a_tag_deletion_never_touches_a_passage_tagged_since(library, app_paths):
    """Another face (the CLI) may change the store between a change and its undo."""
    from archive_app.core.library import Library

    tagged(library)
    library.delete_tag("numbers")
    other = Library(app_paths)  # the command line, while the window is open
    try:
        other.annotate_quote(KEYS["accents"], "Café society", ["numbers"],
                             note="made elsewhere")
    finally:
        other.close()
    library.undo()
    elsewhere = [a for a in library.all_annotations() if a.note == "made elsewhere"]
    assert [a.tags for a in elsewhere] == [["numbers"]]
    assert {t.name: t.count for t in library.tags()}["numbers"] == 3


def test_nothing_to_undo_or_redo(library):
    assert library.can_undo() is None and library.can_redo() is None
    assert library.undo() is None and library.redo() is None


def test_undo_after_the_file_moved_puts_the_work_on_its_new_key(library):
    annotation = library.annotate_quote(KEYS["liberty"], "Mortar attacks", ["attacks"],
                                        note="precious")
    library.edit_metadata(KEYS["liberty"], {"title": "Relocation report"})
    library.delete_annotation(annotation.id)
    (library.corpus / "moved").mkdir()
    (library.corpus / "liberty.txt").rename(library.corpus / "moved" / "liberty.txt")
    library.sync()
    moved = "corpus/moved/liberty.txt"
    assert library.document(moved).title == "Relocation report"
    library.undo()
    [back] = library.annotations_for(moved)
    assert (back.id, back.note, back.tags) == (annotation.id, "precious", ["attacks"])
    assert keys(library, "tag:attacks") == {moved}
    library.undo()
    assert library.document(moved).title == "Camp Liberty relocation"


def test_renaming_a_group_that_is_not_a_tag_itself_and_undoing_it(library):
    library.annotate_quote(KEYS["ashraf"], "52 residents", ["people/victims"])
    library.annotate_quote(KEYS["ashraf"], "Witnesses", ["people/witnesses"])
    before = state(library)
    library.rename_tag("people", "persons")
    assert [t.name for t in library.tags()] == ["persons/victims", "persons/witnesses"]
    assert library.undo() == "rename tag 'people' to 'persons'"
    assert state(library) == before
    assert keys(library, "tag:people") == {KEYS["ashraf"]}


def _move_liberty(library) -> str:
    (library.corpus / "moved").mkdir()
    (library.corpus / "liberty.txt").rename(library.corpus / "moved" / "liberty.txt")
    library.sync()
    return "corpus/moved/liberty.txt"


def test_undo_of_a_tagging_after_the_file_moved_leaves_search_with_it(library):
    """The undo refreshes the document's new key: refreshing the old one (gone) left the
    moved document found by the tag the undo had just removed."""
    library.annotate_quote(KEYS["liberty"], "Mortar attacks", ["attacks"])
    moved = _move_liberty(library)
    assert keys(library, "tag:attacks") == {moved}
    library.undo()
    assert library.annotations_for(moved) == []
    assert keys(library, "tag:attacks") == set()
    library.redo()
    assert keys(library, "tag:attacks") == {moved}


def test_undo_of_an_annotation_edit_after_the_file_moved_leaves_search_with_it(library):
    annotation = library.annotate_quote(KEYS["liberty"], "Mortar attacks", ["attacks"])
    library.update_annotation(annotation.id, tags=["shelling"])
    moved = _move_liberty(library)
    assert keys(library, "tag:shelling") == {moved}
    library.undo()
    assert keys(library, "tag:shelling") == set()
    assert keys(library, "tag:attacks") == {moved}
    library.redo()
    assert keys(library, "tag:shelling") == {moved}
    assert keys(library, "tag:attacks") == set()


def test_undo_of_a_deletion_after_the_text_changed_finds_the_passage_again(library):
    """The deleted annotation is put back with the place it had in the old text; the file
    was re-indexed since with text before it, so it must be re-anchored at once (the
    reader marked the wrong words until the next sync)."""
    annotation = library.annotate_quote(KEYS["liberty"], "Mortar attacks", ["attacks"])
    library.delete_annotation(annotation.id)
    path = library.corpus / "liberty.txt"
    path.write_text("A new first paragraph, added later.\n\n" + path.read_text("utf-8"),
                    encoding="utf-8")
    library.sync()
    library.undo()
    [back] = library.annotations_for(KEYS["liberty"])
    text = library.document(KEYS["liberty"]).text
    assert text[back.start:back.end] == "Mortar attacks"
    assert back.doc_sha256 == content_hash(text)


def test_undo_of_a_metadata_edit_puts_back_only_the_fields_it_changed(library, app_paths):
    """The window's dialog saves every field; its undo restored them all, so a title the
    command line corrected meanwhile was put back to the window's old one."""
    from archive_app.core.library import Library

    key = KEYS["liberty"]
    library.edit_metadata(key, {"title": "Relocation report"})
    library.edit_metadata(key, {"title": "Relocation report", "date": "2014-02-09"})
    other = Library(app_paths)  # the command line, while the window is open
    try:
        other.edit_metadata(key, {"title": "Corrected elsewhere"})
    finally:
        other.close()
    assert library.undo() is not None
    assert library.metadata_edits(key) == {"title": "Corrected elsewhere"}
    library.redo()
    assert library.metadata_edits(key) == {"title": "Corrected elsewhere",
                                           "date": "2014-02-09"}


def test_an_undo_the_store_could_not_save_stays_in_the_list(library, app_paths):
    """While another process holds the database (the command line importing), or the
    disk is full, an undo cannot be saved; nothing changed, so it stays in the list and
    a second Ctrl+Z undoes it (it was dropped: the merge could never be undone)."""
    import sqlite3

    from archive_app.core.annotations.history import HistoryError

    tagged(library)
    before = state(library)
    library.merge_tags("numbers", "displacement")
    store_connection(library).execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(app_paths.annotations_db, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(HistoryError, match="try again"):
            library.undo()
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert library.can_undo() == "merge 'numbers' into 'displacement'"
    assert library.undo() == "merge 'numbers' into 'displacement'"
    assert state(library) == before
