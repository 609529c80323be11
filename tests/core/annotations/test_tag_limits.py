"""Hostile tags (issue 13.10): depth and length are bounded, control characters are cleaned,
and the tag tree is built without recursion, whatever the store already holds."""

from __future__ import annotations

import time

import pytest

from archive_app.core.annotations.records import (
    MAX_TAG_DEPTH,
    MAX_TAG_LENGTH,
    AnnotationError,
    TagInfo,
    clean_tag,
    tag_ancestors,
)
from archive_app.core.annotations.tag_tree import build_tag_tree, parse_tags, walk
from tests.cli.test_cli import run
from tests.core.archive_fixtures import KEYS, make_corpus, store_connection

DEEP = "/".join(["a"] * 20_000)
"""A tag 20,000 levels deep: accepted before, it broke the Tags dock and slowed search."""


def test_the_limits_are_the_documented_ones():
    assert (MAX_TAG_DEPTH, MAX_TAG_LENGTH) == (8, 100)


def test_a_20000_level_tag_is_refused_with_a_clear_message(library):
    started = time.perf_counter()
    with pytest.raises(AnnotationError) as refused:
        library.annotate_quote(KEYS["ashraf"], "massacre", [DEEP])
    message = str(refused.value)
    assert "20,000 levels" in message and "at most 8" in message
    assert len(message) < 300  # the hostile name is not echoed back in full
    assert time.perf_counter() - started < 5
    assert library.all_annotations() == [] and library.tags() == []


def test_a_huge_tag_is_refused_and_the_boundary_is_accepted(library):
    with pytest.raises(AnnotationError, match=r"at most 100 characters.*has 250,000"):
        library.annotate_quote(KEYS["ashraf"], "massacre", ["x" * 250_000])
    longest = "/".join(["b" * 11] * MAX_TAG_DEPTH)[:MAX_TAG_LENGTH]
    assert len(longest) == 95 and longest.count("/") == MAX_TAG_DEPTH - 1
    annotation = library.annotate_quote(KEYS["ashraf"], "massacre", [longest + "bbbbb"])
    assert annotation.tags == [longest + "bbbbb"]
    with pytest.raises(AnnotationError, match="at most 8"):
        library.annotate_quote(KEYS["ashraf"], "massacre", [longest + "/c"])


def test_every_tag_path_applies_the_limits(library):
    library.annotate_quote(KEYS["ashraf"], "massacre", ["event"])
    [annotation] = library.all_annotations()
    for attempt in (lambda: library.update_annotation(annotation.id, tags=[DEEP]),
                    lambda: library.rename_tag("event", DEEP),
                    lambda: library.merge_tags("event", "x" * 101)):
        with pytest.raises(AnnotationError):
            attempt()
    assert library.all_annotations()[0].tags == ["event"]


@pytest.mark.parametrize(("typed", "stored"), [
    ("wit\x1b]0;PWNED\x07ness", "wit]0;PWNEDness"),
    ("people\x00/\x1b[31mvictims", "people/[31mvictims"),
    ("line\nbreak\tand\r\ntab", "line break and tab"),
    ("\u202eevil\u2066 name\u2069", "evil name"),
    ("bad\ufffe\uffff\ud800char", "badchar"),
    ("نیم\u200cفاصله", "نیم\u200cفاصله"),  # a zero-width non-joiner is Persian spelling
    ("Cafe\u0301", "Café"),
])
def test_control_characters_are_cleaned_out(typed, stored):
    assert clean_tag(typed) == stored


def test_a_tag_of_only_control_characters_is_empty(library):
    with pytest.raises(AnnotationError, match="not a usable tag"):
        library.annotate_quote(KEYS["ashraf"], "massacre", ["\x1b\x07 / \x00"])


def test_stored_tags_are_clean(library):
    library.annotate_quote(KEYS["ashraf"], "massacre", ["wit\x1b[31mness\x07"])
    assert [t.name for t in library.tags()] == ["wit[31mness"]


def test_the_tag_dialog_s_parser_keeps_a_bad_tag_so_the_store_can_explain():
    """A too-deep tag typed in the dialog must reach the store and its message, not vanish."""
    assert parse_tags(f"ok, {DEEP}") == ["ok", DEEP]
    assert parse_tags("ok, \x1b , , a\x07b") == ["ok", "ab"]


def test_the_tree_of_a_deep_legacy_tag_is_built_without_recursion():
    """A store from before the limits may hold a 20,000-level tag: the tree stays flat
    below the depth limit and no function recurses."""
    started = time.perf_counter()
    tree = build_tag_tree([TagInfo(DEEP, "#111111", 3), TagInfo("a/b", "#222222", 1)])
    nodes = list(walk(tree))
    assert time.perf_counter() - started < 5
    depth = 0
    node = tree[0]
    while node.children:
        depth += 1
        node = next(child for child in node.children if child.is_tag or child.children)
    assert depth == MAX_TAG_DEPTH - 1
    assert node.name == DEEP and node.count == 3 and node.color == "#111111"
    assert tree[0].total == 4
    assert len(nodes) == MAX_TAG_DEPTH + 1


def test_the_cli_refuses_a_hostile_tag_with_the_message(tmp_path):
    home = tmp_path / "cli-home"
    run(home, "index", str(make_corpus(tmp_path)))
    result = run(home, "annotate", KEYS["ashraf"], "--quote", "massacre", "--tag", DEEP,
                 check_exit=1)
    assert "20,000 levels" in result.stderr and "at most 8" in result.stderr
    assert len(result.stderr) < 400
    result = run(home, "annotate", KEYS["ashraf"], "--quote", "massacre", "--tag",
                 "evil\x1b]0;PWNED\x07tag")
    assert "\x1b" not in result.stdout and "evil]0;PWNEDtag" in result.stdout


def plant_legacy_tag(library, name: str) -> int:
    """A tag as an older version stored it, before depth and length were limited."""
    annotation = library.annotate_quote(KEYS["ashraf"], "massacre", ["ordinary"])
    db = store_connection(library)
    tag_id = db.execute("INSERT INTO tags(name, color) VALUES (?, '#f6c945')",
                        (name,)).lastrowid
    db.execute("INSERT INTO annotation_tags(annotation_id, tag_id, position) VALUES (?, ?, 1)",
               (annotation.id, tag_id))
    return annotation.id


def annotation_of(library, annotation_id: int):
    return next(a for a in library.all_annotations() if a.id == annotation_id)


def test_a_legacy_hostile_tag_can_be_deleted_undone_and_renamed(library):
    legacy = DEEP + "\x1b[31m"
    annotation_id = plant_legacy_tag(library, legacy)
    library.delete_tag(legacy)
    assert [t.name for t in library.tags()] == ["ordinary"]
    started = time.perf_counter()
    library.undo()
    assert annotation_of(library, annotation_id).tags == ["ordinary", legacy]
    assert time.perf_counter() - started < 5  # its index entry is small (bounded ancestors)
    assert len(tag_ancestors(legacy)) == MAX_TAG_DEPTH
    library.rename_tag(legacy, "tidy")
    assert annotation_of(library, annotation_id).tags == ["ordinary", "tidy"]
    library.undo()
    library.update_annotation(annotation_id, note="edited")
    library.undo()  # the edit's undo puts the legacy name back as it was stored
    assert annotation_of(library, annotation_id).tags == ["ordinary", legacy]


def test_a_tag_query_reads_a_legacy_deep_tag_by_its_first_levels(library):
    """The reader's hit spans test each annotation's tags against the query's: a 20,000-
    level tag stored by an older version was read as 20,000 ever longer names, for every
    `tag:` query that opened its document (1.7 s each; 60,000 levels: 16 s). It is read
    as the index holds it (`tag_ancestors`)."""
    from archive_app.core.search.hit_spans import HitMatcher

    legacy = "/".join(["a"] * 60_000)
    plant_legacy_tag(library, legacy)
    witnesses = library.annotate_quote(KEYS["ashraf"], "Witnesses", ["people"])
    started = time.perf_counter()
    spans = library.hit_spans("tag:people", KEYS["ashraf"])
    assert time.perf_counter() - started < 1
    assert spans == [(witnesses.start, witnesses.end)]
    assert HitMatcher(tags={"a/a"}).marks_annotation([legacy], "")
    assert HitMatcher(tags={legacy}).marks_annotation([legacy.upper()], "")
    assert not HitMatcher(tags={"b"}).marks_annotation([legacy], "")
