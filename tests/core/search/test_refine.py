"""Facet filters, query combination and find-in-document (archive_app.core.search.refine)."""

from __future__ import annotations

import pytest

from archive_app.core.search.query import parse_query
from archive_app.core.search.refine import combine, facet_filter, find_all, user_part


@pytest.mark.parametrize(("facet", "value", "expected"), [
    ("source", "UN News", 'source:"UN News"'),
    ("source", "UNAMI", "source:UNAMI"),
    ("year", "2013", "date:2013"),
    ("format", "pdf", "format:pdf"),
    ("tag", "camp life", 'tag:"camp life"'),
    ("source", 'The "Quoted" Review', 'source:"The Quoted Review"'),
])
def test_facet_filter_is_a_query_clause(facet, value, expected):
    assert facet_filter(facet, value) == expected
    parse_query(expected)


@pytest.mark.parametrize(("query", "filters", "expected", "shift"), [
    ("camp", [], "camp", 0),
    ("  camp ", [], "camp", 0),
    ("", ["format:pdf"], "format:pdf", 0),
    ("a OR b", ["date:2013"], "(a OR b) date:2013", 1),
])
def test_combine(query, filters, expected, shift):
    assert combine(query, filters) == (expected, shift)


def test_user_part_undoes_combine():
    combined, _ = combine("cmap", ['source:"UN News"'])
    suggestion = combined.replace("cmap", "camp")
    assert user_part(suggestion, "cmap", ['source:"UN News"']) == "camp"
    assert user_part("camp", "cmap", []) == "camp"


def test_find_all_is_case_insensitive_with_offsets():
    text = "Camp Ashraf; the camp; CAMP."
    assert find_all(text, "camp") == [(0, 4), (17, 21), (23, 27)]
    assert find_all(text, "") == []
    assert find_all(text, "a.b") == []
