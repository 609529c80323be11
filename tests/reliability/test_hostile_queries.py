"""Thousands of generated query strings: each gives results or the typed query error, fast."""

from __future__ import annotations

import string
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive_app.core.errors import QueryError
from archive_app.core.library import Library
from tests.core.archive_fixtures import make_corpus

PIECES = ['"', "(", ")", "[", "]", "{", "}", ":", "*", "?", "~", "-", "+", "OR", "AND",
          "NOT", "TO", "title:", "date:", "tag:", "source:", "nosuchfield:", "camp",
          "liberty", "massacre", "2013", "2013-09", " ", "\\", "/", "'", "\x00", "\t",
          "ß", "İ", "ي", "ی", "\u200c", "中文", "🙂", "\u202e", "*" * 5, "a" * 300]
QUERY_TIME_LIMIT = 5.0  # seconds; generous: this guards against hangs, not speed


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    from archive_app.core.paths import AppPaths

    base = tmp_path_factory.mktemp("hostile-queries")
    library = Library(AppPaths(base / "home"))
    library.sync([make_corpus(base)])
    library.annotate_quote("corpus/ashraf.txt", "massacre", ["event"])
    yield library
    library.close()


def run_query(library, text):
    started = time.monotonic()
    try:
        results = library.search(text, limit=5)
        assert results.total >= 0
        for hit in results.hits:
            for snippet in hit.snippets:
                assert all(0 <= a < b <= len(snippet.text) for a, b in snippet.highlights)
    except QueryError as error:
        assert error.message.strip()
    assert time.monotonic() - started < QUERY_TIME_LIMIT, repr(text)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join))
def test_query_made_of_syntax_pieces(library, text):
    run_query(library, text)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=200))
def test_query_of_any_unicode(library, text):
    run_query(library, text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=string.printable, min_size=1, max_size=80))
def test_query_of_printable_ascii(library, text):
    run_query(library, text)


def test_very_long_and_pathological_queries(library):
    for text in ["camp " * 1000, "(" * 500 + "camp" + ")" * 500, '"' + "camp " * 900 + '"',
                 "c*" * 300, "a~2 " * 200, "title:" * 300 + "camp", "-" * 100 + "camp",
                 "date:[0000 TO 9999]", "camp OR " * 500 + "x"]:
        run_query(library, text)
