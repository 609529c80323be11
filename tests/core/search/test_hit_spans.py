"""The regex fast path of highlighting finds exactly the spans token-by-token finds."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from archive_app.core.search.hit_spans import HitMatcher, non_ascii_words
from archive_app.core.text.analysis import surface_words, words

WORDS = ["camp", "Camp", "CAMP", "café", "Cafe\u0301", "the", "a", "an", "Ashraf", "زندگی",
         "زندگي", "ال\u0640كرامة", "42", "x_y", "naïve", "über", "Überweisung", "中文",
         "人权宣言", "ok\u200cok", "re-run", "\u212aelvin", "kelvin", "KELVIN", "ſtraße",
         "strasse", "İstanbul", "istanbul", "DIGNITY", "dignité", "Dignity", "x2", "X2_y"]
GAPS = [" ", "  ", ", ", ".\n\n", " — ", "\t", "(", ") ", "'", "«", "» ", "/"]

ALPHABETIC = [word for word in WORDS if word not in ("中文", "人权宣言")]


def texts(vocabulary):
    return st.lists(st.tuples(st.sampled_from(vocabulary), st.sampled_from(GAPS)),
                    max_size=60).map(lambda parts: "".join(word + gap for word, gap in parts))


@st.composite
def text_and_matcher(draw, vocabulary):
    text = draw(texts(vocabulary))
    indexed = words(text) or ["camp"]
    matcher = HitMatcher()
    matcher.terms = set(draw(st.lists(st.sampled_from(indexed), max_size=3)))
    if draw(st.booleans()):
        matcher.prefixes = {draw(st.sampled_from(indexed))[:2]}
    if draw(st.booleans()):
        matcher.patterns = [re.compile(re.escape(draw(st.sampled_from(indexed))[:1]) + ".*")]
    for _ in range(draw(st.integers(0, 2))):
        start = draw(st.integers(0, len(indexed) - 1))
        size = draw(st.integers(1, 3))
        matcher.phrases.add(tuple(indexed[start:start + size]))
    return text, matcher


@settings(max_examples=400, deadline=None)
@given(text_and_matcher(ALPHABETIC))
def test_fast_spans_equal_token_spans(case):
    text, matcher = case
    assert surface_words(text) is not None  # the regex path is the one under test
    expected = matcher.spans_by_tokens(text)
    assert matcher.spans(text) == expected
    assert matcher.spans_by_forms(text) == expected


@settings(max_examples=400, deadline=None)
@given(text_and_matcher(ALPHABETIC))
def test_case_insensitive_search_of_mostly_ascii_text_equals_token_spans(case):
    text, matcher = case
    matcher.patterns = []  # wildcard patterns take the tokenising path
    by_case = matcher.spans_by_case(text, non_ascii_words(text))
    assert by_case == matcher.spans_by_tokens(text)


@settings(max_examples=100, deadline=None)
@given(text_and_matcher(WORDS))
def test_text_with_cjk_bigrams_gets_the_same_spans(case):
    text, matcher = case
    assert matcher.spans(text) == matcher.spans_by_tokens(text)


def test_overlapping_phrase_occurrences_are_all_highlighted():
    matcher = HitMatcher(phrases={("a", "a")})
    assert matcher.spans("a a a, b") == [(0, 5)]
    assert matcher.spans("a a a, b, né") == [(0, 5)]  # the case-insensitive path too


def test_mostly_ascii_text_finds_folded_non_ascii_forms_and_no_kelvin_sign():
    text = "Café society; CAFE\u0301 noir; cafe. \u212aelvin kelvin “quoted” Straße"
    matcher = HitMatcher(terms={"cafe", "kelvin", "strasse"}, phrases={("cafe", "noir")})
    assert non_ascii_words(text) == {"Café", "CAFE\u0301", "\u212aelvin", "Straße"}
    shown = [text[start:end] for start, end in matcher.spans(text)]
    assert shown == [text[start:end] for start, end in matcher.spans_by_tokens(text)]
    assert "CAFE\u0301 noir" in shown and "cafe" in shown and "kelvin" in shown


def test_text_with_many_non_ascii_letters_is_tokenised_instead():
    persian = "زندگی " * 5000
    assert non_ascii_words(persian) is None
    matcher = HitMatcher(terms={"زندگی"})
    assert len(matcher.spans(persian + " camp")) == 5000


def test_a_written_form_is_found_only_as_a_whole_word():
    matcher = HitMatcher(terms={"camp"})
    text = "Camp camps encampment CAMP camp_x camp."
    assert [text[s:e] for s, e in matcher.spans(text)] == ["Camp", "CAMP", "camp"]
