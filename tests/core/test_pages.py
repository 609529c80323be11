"""Which page a text offset is on, from a document's page start offsets."""

from __future__ import annotations

from archive_app.core.pages import page_label, page_of

STARTS = [0, 10, 25]


def test_an_offset_exactly_at_a_page_start_is_on_that_page():
    assert [page_of(STARTS, offset) for offset in STARTS] == [1, 2, 3]


def test_an_offset_just_before_a_page_start_is_on_the_page_before():
    assert page_of(STARTS, 9) == 1
    assert page_of(STARTS, 24) == 2


def test_before_the_first_page_counts_as_page_one():
    assert page_of([5, 10], 0) == 1
    assert page_of(STARTS, -3) == 1


def test_after_the_last_page_start_is_the_last_page():
    assert page_of(STARTS, 10_000) == 3


def test_no_pages_means_no_page():
    assert page_of([], 0) is None
    assert page_label([], 0) is None


def test_the_label():
    assert page_label(STARTS, 12) == "page 2 of 3"
    assert page_label([0], 0) == "page 1 of 1"
