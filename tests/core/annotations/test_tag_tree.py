"""The tag hierarchy built from 'a/b' names, and tag lists typed as comma-separated text."""

from __future__ import annotations

import pytest

from archive_app.core.annotations.records import TagInfo
from archive_app.core.annotations.tag_tree import build_tag_tree, format_tags, parse_tags, walk


def test_children_sit_under_their_parents_and_parents_need_not_be_tags():
    tree = build_tag_tree([TagInfo("witness", "#111111", 2),
                           TagInfo("people/victims", "#222222", 3),
                           TagInfo("People/Witnesses/local", "#333333", 1),
                           TagInfo("casualties", "#444444", 0)])
    assert [node.label for node in tree] == ["casualties", "people", "witness"]
    people = tree[1]
    assert not people.is_tag and people.count == 0 and people.total == 4
    assert [child.label for child in people.children] == ["victims", "Witnesses"]
    witnesses = people.children[1]
    assert witnesses.name == "people/Witnesses" and not witnesses.is_tag
    assert witnesses.children[0].name == "people/Witnesses/local"
    assert witnesses.children[0].color == "#333333"
    assert [node.name for node in walk(tree)][:3] == ["casualties", "people", "people/victims"]


def test_a_parent_that_is_also_a_tag_keeps_its_own_count_and_colour():
    tree = build_tag_tree([TagInfo("people/victims", "#222222", 3),
                           TagInfo("people", "#555555", 2)])
    assert len(tree) == 1
    assert tree[0].is_tag and tree[0].color == "#555555"
    assert (tree[0].count, tree[0].total) == (2, 5)


def test_no_tags_is_an_empty_tree():
    assert build_tag_tree([]) == []


@pytest.mark.parametrize(("typed", "names"), [
    ("witness, people/victims", ["witness", "people/victims"]),
    (" witness ,, people / victims ,", ["witness", "people/victims"]),
    ("Witness, witness, WITNESS", ["Witness"]),
    ("", []),
    (" , / ,", []),
    ("human  rights", ["human rights"]),
])
def test_parse_tags(typed, names):
    assert parse_tags(typed) == names


def test_format_tags_round_trips():
    assert parse_tags(format_tags(["a", "b/c"])) == ["a", "b/c"]
