"""Thousands of generated query strings: each gives results or the typed query error, fast."""

from __future__ import annotations

import gzip
import json
import string
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive_app.core.errors import QueryError
from archive_app.core.library import Library
from tests.conftest import write_files
from tests.core.archive_fixtures import make_corpus

REAL_TEXTS = Path(__file__).resolve().parents[1] / "data" / "real_texts.jsonl.gz"

PIECES = ['"', "(", ")", "[", "]", "{", "}", ":", "*", "?", "~", "-", "+", "OR", "AND",
          "NOT", "TO", "title:", "date:", "tag:", "source:", "nosuchfield:", "camp",
          "liberty", "massacre", "2013", "2013-09", " ", "\\", "/", "'", "\x00", "\t",
          "ß", "İ", "ي", "ی", "\u200c", "中文", "🙂", "\u202e", "*" * 5, "a" * 300,
          "NEAR", "NEAR/3", "NEAR/0", '"~', "~5", "/", "/c.*/", "/(a+)+b/", ".*", "|"]
QUERY_TIME_LIMIT = 5.0  # seconds; generous: this guards against hangs, not speed
SLOWEST_QUERY_LIMIT = 10.0  # seconds for the slowest long query: catches minutes, not ms
PARAGRAPH = ("On 1 September 2013 an attack on Camp Ashraf killed 52 residents; witnesses "
             "described the massacre in detail, and the relocation to Camp Liberty near "
             "Baghdad followed, with mortar attacks striking the camp in 2013 and 2015. ")


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    from archive_app.core.paths import AppPaths

    base = tmp_path_factory.mktemp("hostile-queries")
    library = Library(AppPaths(base / "home"))
    library.sync([make_corpus(base)])
    library.annotate_quote("corpus/ashraf.txt", "massacre", ["event"])
    yield library
    library.close()


@pytest.fixture(scope="module")
def real_library(tmp_path_factory):
    """310 real texts (a lexicon of ~10,000 words), tagged and noted: the cost of a long
    word grew with the lexicon as well as with the word."""
    from archive_app.core.paths import AppPaths

    base = tmp_path_factory.mktemp("hostile-real")
    with gzip.open(REAL_TEXTS, "rt", encoding="utf-8") as handle:
        files = {f"doc{n:04d}.txt": json.loads(line)["body"] for n, line in enumerate(handle)}
    library = Library(AppPaths(base / "home"))
    library.sync([write_files(base / "real", files)])
    library.annotate("real/doc0001.txt", 0, 20, ["people/witnesses"], "a note")
    yield library
    library.close()


def check_answer(library, text) -> None:
    """The query gives results with valid highlights, or a typed error with a message."""
    try:
        results = library.search(text, limit=5)
        assert results.total >= 0
        for hit in results.hits:
            for snippet in hit.snippets:
                assert all(0 <= a < b <= len(snippet.text) for a, b in snippet.highlights)
    except QueryError as error:
        assert error.message.strip()


def run_query(library, text):
    started = time.monotonic()
    check_answer(library, text)
    assert time.monotonic() - started < QUERY_TIME_LIMIT, repr(text[:200])


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
                 "date:[0000 TO 9999]", "camp OR " * 500 + "x",
                 '"' + "c* " * 10 + '"~200', " NEAR/200 ".join(["c*"] * 10),
                 "/(a+)+$/", "/(x+x+)+y/", "/" + "(a|aa)*" * 20 + "b/", "/.*/", "/[a-z]*/",
                 '"' + "/.*a.*/ " * 10 + '"~200', "camp NEAR " * 9 + "camp"]:
        run_query(library, text)


def slowest(library, texts) -> tuple[float, str]:
    """The longest time any of `texts` took, and its start (each answer checked)."""
    worst = (0.0, "")
    for text in texts:
        started = time.monotonic()
        check_answer(library, text)
        worst = max(worst, (time.monotonic() - started, f"{text[:40]}… ({len(text)})"))
    return worst


def test_pasted_paragraphs_and_very_long_words_are_answered_in_bounded_time(real_library):
    """A pasted page, or one word of thousands of letters, once took minutes: the "Did
    you mean" suggester computed an edit distance to every indexed word, at a cost that
    grows with the word's length. Each must now be answered (or refused) promptly."""
    alphabet = string.ascii_lowercase
    texts = [
        PARAGRAPH * 17,  # ~600 words, under the length limit
        PARAGRAPH * 120,  # thousands of words: refused as too long, at once
        " ".join("wrod" + alphabet[n % 26] + alphabet[n // 26 % 26]
                 for n in range(450)),  # hundreds of unknown words to correct
        "a" * 3000, "massacre" * 375, "x" * 30_000, "massacr" + "e" * 2990,
        "".join(alphabet[(n * 7) % 26] for n in range(3000)),
        "ashraf " + "q" * 3000 + " camp",
        "z" * 3000 + "~", "massacer" * 300 + "~2", "ab" * 1500 + "~2",
        " ".join("massacer~2" for _ in range(300)), "title:" + "y" * 3000,
        "tag:" + "w" * 3000, "note:" + "n" * 3000 + "~", '"' + "k" * 3000 + '"',
        "w" * 2000 + "*", "w" * 1000 + "?" * 500,
    ]
    seconds, text = slowest(real_library, texts)
    assert seconds < SLOWEST_QUERY_LIMIT, (seconds, text)


def test_a_long_misspelling_gets_no_absurd_suggestion(real_library):
    results = real_library.search("lord" * 300)
    assert results.total == 0
    assert results.suggestion is None  # no indexed word is within two edits of it
    assert real_library.search("lrod").suggestion == "lord"
