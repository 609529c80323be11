"""Annotations as a user makes them: tag a passage, find it in search, edit, undo, survive edits."""

from __future__ import annotations

import os

import pytest

from archive_app.core.annotations.records import AnnotationError
from tests.core.archive_fixtures import KEYS, index_of
from tests.core.conftest import keys


def rewrite(path, text):
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(0, path.stat().st_mtime_ns + 5_000_000_000))


def test_tagging_a_quote_makes_it_searchable_at_once(library):
    annotation = library.annotate_quote(KEYS["ashraf"], "52 residents", ["witness"],
                                        note="Busztin confirmed the count")
    assert annotation.exact == "52 residents" and annotation.state == "anchored"
    assert keys(library, "tag:witness") == {KEYS["ashraf"]}
    assert keys(library, "note:Busztin") == {KEYS["ashraf"]}
    assert ("witness", 1) in library.search("camp").facets["tag"]
    assert [t.name for t in library.tags()] == ["witness"]


def test_annotation_by_offsets_records_both_selectors(library):
    text = library.document(KEYS["liberty"]).text
    start = text.index("Mortar attacks")
    annotation = library.annotate(KEYS["liberty"], start, start + len("Mortar attacks"),
                                  ["events/attacks"])
    assert annotation.prefix.endswith("near Baghdad. ")
    assert annotation.suffix.startswith(" struck the camp")
    assert annotation.color.startswith("#")


def test_hierarchical_tags_find_their_parents(library):
    library.annotate_quote(KEYS["ashraf"], "Witnesses", ["people/witnesses"])
    assert keys(library, "tag:people") == {KEYS["ashraf"]}
    assert keys(library, "tag:people/witnesses") == {KEYS["ashraf"]}
    assert [a.exact for a in library.all_annotations(tag="people")] == ["Witnesses"]


def test_edit_then_undo_restores_the_previous_note(library):
    annotation = library.annotate_quote(KEYS["ashraf"], "massacre", ["event"], note="first")
    library.update_annotation(annotation.id, note="second", tags=["event", "checked"])
    assert keys(library, "note:second") == {KEYS["ashraf"]}
    assert library.undo() == "edit annotation in 'Camp Ashraf attack'"
    restored = library.annotations_for(KEYS["ashraf"])[0]
    assert (restored.note, restored.tags) == ("first", ["event"])
    assert keys(library, "note:second") == set()
    assert keys(library, "tag:checked") == set()


def test_delete_then_undo_brings_it_back_with_the_same_identity(library):
    annotation = library.annotate_quote(KEYS["ashraf"], "massacre", ["event"])
    library.delete_annotation(annotation.id)
    assert library.annotations_for(KEYS["ashraf"]) == []
    assert keys(library, "tag:event") == set()
    library.undo()
    back = library.annotations_for(KEYS["ashraf"])
    assert [(a.id, a.uuid, a.tags) for a in back] == [(annotation.id, annotation.uuid,
                                                        ["event"])]
    assert keys(library, "tag:event") == {KEYS["ashraf"]}


def test_undo_of_an_addition_removes_it(library):
    library.annotate_quote(KEYS["ashraf"], "massacre", ["event"])
    library.undo()
    assert library.all_annotations() == [] and library.undo() is None


def test_rename_merge_colour_and_delete_tags(library):
    first = library.annotate_quote(KEYS["ashraf"], "massacre", ["witnes"])
    library.annotate_quote(KEYS["liberty"], "Mortar attacks", ["witness"], note="kept")
    library.rename_tag("witnes", "witness-account")
    assert keys(library, "tag:witness-account") == {KEYS["ashraf"]}
    library.merge_tags("witness-account", "witness")
    assert {(t.name, t.count) for t in library.tags()} == {("witness", 2)}
    assert keys(library, "tag:witness") == {KEYS["ashraf"], KEYS["liberty"]}
    library.set_tag_color("witness", "#123456")
    assert library.annotations_for(KEYS["ashraf"])[0].color == "#123456"
    library.delete_tag("witness")
    assert library.tags() == []
    assert len(library.all_annotations()) == 2  # deleting a tag never deletes notes
    assert library.annotations_for(KEYS["liberty"])[0].note == "kept"
    assert keys(library, "tag:witness") == set()
    assert library.annotations_for(KEYS["ashraf"])[0].id == first.id


def test_bad_requests_are_explained(library):
    with pytest.raises(AnnotationError, match="not in"):
        library.annotate_quote(KEYS["ashraf"], "no such words", ["x"])
    with pytest.raises(AnnotationError, match="no document"):
        library.annotate_quote("corpus/missing.txt", "x", ["x"])
    with pytest.raises(AnnotationError, match="tag or a note"):
        library.annotate_quote(KEYS["ashraf"], "massacre", [])
    with pytest.raises(AnnotationError, match="not a usable tag"):
        library.annotate_quote(KEYS["ashraf"], "massacre", [" / "])


def test_text_inserted_before_keeps_the_annotation_anchored(library):
    annotation = library.annotate_quote(KEYS["ashraf"], "52 residents", ["count"])
    path = library.corpus / "ashraf.txt"
    rewrite(path, path.read_text(encoding="utf-8").replace(
        "On 1 September", "UPDATED.\n\nOn 1 September"))
    library.sync()
    after = library.annotations_for(KEYS["ashraf"])[0]
    text = library.document(KEYS["ashraf"]).text
    assert after.state == "anchored" and after.id == annotation.id
    assert text[after.start:after.end] == "52 residents"
    assert after.start == annotation.start + len("UPDATED.\n\n")


def test_changed_word_is_reanchored_and_needs_attention(library):
    library.annotate_quote(KEYS["ashraf"], "Witnesses described the massacre in detail", ["x"])
    path = library.corpus / "ashraf.txt"
    rewrite(path, path.read_text(encoding="utf-8").replace("described", "recounted"))
    library.sync()
    after = library.annotations_for(KEYS["ashraf"])[0]
    assert after.state == "reanchored"
    assert after.exact == "Witnesses recounted the massacre in detail"
    assert [a.id for a in library.needs_attention()] == [after.id]


def test_deleted_passage_is_orphaned_but_kept(library):
    library.annotate_quote(KEYS["ashraf"], "Witnesses described the massacre in detail.",
                           ["x"], note="important")
    path = library.corpus / "ashraf.txt"
    rewrite(path, "Camp Ashraf attack\n\nOn 1 September 2013 an attack took place.")
    library.sync()
    after = library.annotations_for(KEYS["ashraf"])[0]
    assert after.state == "orphaned" and after.note == "important"
    assert after.exact == "Witnesses described the massacre in detail."


def test_deleted_file_orphans_and_moved_file_keeps_annotations(library):
    library.annotate_quote(KEYS["ashraf"], "massacre", ["event"])
    library.annotate_quote(KEYS["liberty"], "Mortar attacks", ["event"])
    (library.corpus / "ashraf.txt").unlink()
    (library.corpus / "moved").mkdir()
    (library.corpus / "liberty.txt").rename(library.corpus / "moved" / "liberty.txt")
    library.sync()
    orphan = library.annotations_for(KEYS["ashraf"])
    moved = library.annotations_for("corpus/moved/liberty.txt")
    assert [a.state for a in orphan] == ["orphaned"]
    assert [(a.state, a.exact) for a in moved] == [("anchored", "Mortar attacks")]
    assert keys(library, "tag:event") == {"corpus/moved/liberty.txt"}


def test_rebuilding_the_index_keeps_tags_searchable(library):
    library.annotate_quote(KEYS["ashraf"], "massacre", ["event"], note="Busztin")
    library.sync(rebuild=True)
    assert keys(library, "tag:event") == {KEYS["ashraf"]}
    assert keys(library, "note:busztin") == {KEYS["ashraf"]}


def test_annotations_view_filters_by_text_tag_and_state(library):
    library.annotate_quote(KEYS["ashraf"], "massacre", ["event"], note="Busztin")
    library.annotate_quote(KEYS["liberty"], "Mortar attacks", ["weapons"])
    assert [a.exact for a in library.all_annotations(text="busztin")] == ["massacre"]
    assert [a.exact for a in library.all_annotations(tag="weapons")] == ["Mortar attacks"]
    assert library.all_annotations(state="orphaned") == []


def test_a_deleted_file_that_comes_back_is_anchored_again(library):
    library.annotate_quote(KEYS["ashraf"], "massacre", ["event"])
    path = library.corpus / "ashraf.txt"
    content = path.read_bytes()
    path.unlink()
    library.sync()
    assert [a.state for a in library.annotations_for(KEYS["ashraf"])] == ["orphaned"]
    path.write_bytes(content)
    library.sync()
    assert [a.state for a in library.annotations_for(KEYS["ashraf"])] == ["anchored"]


def test_a_crash_before_reanchoring_is_made_good_by_the_next_sync(library):
    annotation = library.annotate_quote(KEYS["ashraf"], "52 residents", ["count"])
    path = library.corpus / "ashraf.txt"
    rewrite(path, path.read_text(encoding="utf-8").replace("On 1 September",
                                                           "UPDATED.\n\nOn 1 September"))
    index_of(library).sync()  # the index moved on, but the re-anchoring step never ran
    library.sync()        # nothing changed on disk since: it still re-anchors
    after = library.annotations_for(KEYS["ashraf"])[0]
    assert after.start == annotation.start + len("UPDATED.\n\n")
    assert library.document(KEYS["ashraf"]).text[after.start:after.end] == "52 residents"


def test_a_typed_note_is_cleaned_at_the_door(library):
    """Issue 13: every field is cleaned once, at the door; a note typed (or pasted) with
    terminal escapes, a NUL or a lone surrogate must be stored clean, not crash the write."""
    hostile = "first\x1b]0;PWNED\x07 line\x00\n\n\n\nsecond \udce9 line\ufffe"
    created = library.annotate_quote(KEYS["ashraf"], "52 residents", ["numbers"],
                                     note=hostile)
    assert created.note == "first]0;PWNED line\n\nsecond \ufffd line"
    edited = library.update_annotation(created.id, note="edit\x1b[31m red\udce9")
    assert edited.note == "edit[31m red\ufffd"
    assert [a.note for a in library.all_annotations()] == ["edit[31m red\ufffd"]
