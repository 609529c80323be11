"""`tag:` and `note:` queries as README documents them, by both evaluation paths.

A tag name finds every tag whose path ends with it (`tag:witnesses` finds
`people/witnesses`), with everything below it; `tag:people/*` finds only the tags below
`people`. The reader is sent to the matching passages (hit spans), and a query naming a
tag that was renamed says so.
"""

from __future__ import annotations

import pytest

from archive_app.core.library import Library
from archive_app.core.search.searcher import Searcher
from tests.core.archive_fixtures import KEYS, index_of

TAGGED = [  # (document, quote, tags, note)
    ("ashraf", "Witnesses described the massacre", ["people/witnesses"], ""),
    ("ashraf", "killed 52 residents", ["people/victims"], "Busztin's count"),
    ("liberty", "Mortar attacks", ["x/witnesses"], ""),
    ("report", "integer value", ["people"], ""),
    ("integer", "rounded", ["people/victims/local"], "rounded down"),
]


@pytest.fixture
def tagged(library):
    for name, quote, tags, note in TAGGED:
        library.annotate_quote(KEYS[name], quote, tags, note)
    return library


def found(library: Library, query: str, set_evaluation: bool) -> set[str]:
    searcher = Searcher(index_of(library), set_evaluation=set_evaluation)
    return {hit.key for hit in searcher.search(query, limit=50).hits}


def named(*names: str) -> set[str]:
    return {KEYS[name] for name in names}


ENGINES = pytest.mark.parametrize("engine", [True, False], ids=["sets", "whoosh"])


@ENGINES
def test_a_leaf_name_finds_the_full_tag(tagged, engine):
    assert found(tagged, "tag:witnesses", engine) == named("ashraf", "liberty")
    assert found(tagged, "tag:Witnesses", engine) == named("ashraf", "liberty")
    assert found(tagged, "tag:victims", engine) == named("ashraf", "integer")
    assert found(tagged, "tag:local", engine) == named("integer")
    assert found(tagged, "tag:victims/local", engine) == named("integer")
    assert found(tagged, "tag:witneses~", engine) == named("ashraf", "liberty")
    assert found(tagged, "tag:wit*", engine) == named("ashraf", "liberty")


@ENGINES
def test_a_full_path_finds_that_tag_and_everything_under_it(tagged, engine):
    assert found(tagged, "tag:people", engine) == named("ashraf", "report", "integer")
    assert found(tagged, "tag:people/witnesses", engine) == named("ashraf")
    assert found(tagged, "tag:people/victims", engine) == named("ashraf", "integer")


@ENGINES
def test_a_path_with_star_finds_only_the_tags_below_it(tagged, engine):
    assert found(tagged, "tag:people/*", engine) == named("ashraf", "integer")
    assert found(tagged, "tag:victims/*", engine) == named("integer")
    assert found(tagged, "tag:x/*", engine) == named("liberty")


@ENGINES
def test_tag_queries_combine_with_words_and_exclusion(tagged, engine):
    assert found(tagged, "tag:witnesses camp", engine) == named("ashraf", "liberty")
    assert found(tagged, "tag:witnesses -mortar", engine) == named("ashraf")
    assert found(tagged, "tag:witnesses OR tag:local", engine) == named(
        "ashraf", "liberty", "integer")
    assert found(tagged, "tag:nosuchtag", engine) == set()
    assert found(tagged, "tag:nesses", engine) == set()  # whole names only


def test_both_engines_agree_on_totals_facets_and_order(tagged):
    index = index_of(tagged)
    sets, whoosh = Searcher(index), Searcher(index, set_evaluation=False)
    for query in ("tag:witnesses", "tag:people", "tag:people/*", "tag:victims camp",
                  "tag:witnesses OR tag:people", "camp -tag:witnesses", "tag:wit*"):
        expected = whoosh.search(query, limit=50, snippets=False)
        actual = sets.search(query, limit=50, snippets=False)
        assert (actual.total, actual.facets) == (expected.total, expected.facets), query
        assert [(h.key, round(h.score, 3)) for h in actual.hits] == [
            (h.key, round(h.score, 3)) for h in expected.hits], query


def test_the_tag_facet_still_counts_each_tag_and_its_ancestors(tagged):
    facets = dict(tagged.search("tag:witnesses").facets["tag"])
    assert facets["people"] == 1 and facets["people/witnesses"] == 1
    assert facets["x"] == 1 and facets["x/witnesses"] == 1


def passages(library: Library, key: str, query: str) -> list[str]:
    text = library.document(key).text
    return [text[start:end] for start, end in library.hit_spans(query, key)]


def test_hit_spans_of_a_tag_query_are_the_tagged_passages(tagged):
    assert passages(tagged, KEYS["ashraf"], "tag:witnesses") == [
        "Witnesses described the massacre"]
    assert passages(tagged, KEYS["ashraf"], "tag:people") == [
        "killed 52 residents", "Witnesses described the massacre"]
    assert passages(tagged, KEYS["integer"], "tag:victims/*") == ["rounded"]
    assert passages(tagged, KEYS["ashraf"], "-tag:nothing camp") == ["Camp", "Camp"]


def test_hit_spans_of_a_note_query_are_the_annotated_passages(tagged):
    assert passages(tagged, KEYS["ashraf"], "note:busztin") == ["killed 52 residents"]
    assert passages(tagged, KEYS["integer"], 'note:"rounded down"') == ["rounded"]
    assert passages(tagged, KEYS["ashraf"], "note:nobody") == []


def test_tag_passages_and_word_hits_come_in_text_order(tagged):
    assert passages(tagged, KEYS["ashraf"], "tag:witnesses attack") == [
        "attack", "attack", "Witnesses described the massacre"]


def test_a_query_naming_a_renamed_tag_says_so(tagged):
    tagged.rename_tag("people/witnesses", "people/eyewitnesses")
    results = tagged.search("tag:people/witnesses")
    assert results.total == 0
    assert results.notices == ["tag 'people/witnesses' was renamed to 'people/eyewitnesses'"]
    assert results.suggestion == "tag:people/eyewitnesses"
    assert tagged.search(results.suggestion).total == 1
    assert tagged.search("tag:eyewitnesses").notices == []


def test_a_renamed_parent_renames_the_tags_below_it_in_the_notice(tagged):
    tagged.rename_tag("people", "persons")
    results = tagged.search("tag:people/victims camp")
    assert results.notices == ["tag 'people/victims' was renamed to 'persons/victims'"]
    assert results.suggestion == "tag:persons/victims camp"


def test_a_rename_chain_and_a_merge_lead_to_the_current_name(tagged):
    tagged.rename_tag("x/witnesses", "x/seen")
    tagged.rename_tag("x/seen", "x/observed")
    assert tagged.search("tag:x/witnesses").notices == [
        "tag 'x/witnesses' was renamed to 'x/observed'"]
    tagged.merge_tags("people/victims", "people")
    assert tagged.search("tag:people/victims").notices == [
        "tag 'people/victims' was merged into 'people'"]


def test_no_notice_while_the_old_name_is_still_a_tag(tagged):
    tagged.rename_tag("x/witnesses", "x/seen")
    results = tagged.search("tag:witnesses")  # people/witnesses still exists
    assert results.notices == [] and results.total == 1


def test_the_rename_history_outlives_the_session(tagged):
    tagged.rename_tag("people/witnesses", "people/eyewitnesses")
    paths = tagged.paths
    tagged.close()
    reopened = Library(paths)
    try:
        assert reopened.search("tag:people/witnesses").notices == [
            "tag 'people/witnesses' was renamed to 'people/eyewitnesses'"]
    finally:
        reopened.close()
    tagged.__init__(paths)  # the fixture closes it again


def test_a_tag_query_s_snippet_shows_the_tagged_passage_marked(tagged):
    hit = next(hit for hit in tagged.search("tag:witnesses").hits if hit.key == KEYS["ashraf"])
    marked = [snippet.text[a:b] for snippet in hit.snippets for a, b in snippet.highlights]
    assert marked == ["Witnesses described the massacre"]


def test_a_many_star_pattern_over_a_long_tag_or_word_answers_at_once(library):
    """`tag:a*a*a*a*a*a*a*a*b` over a 60-letter tag took about a minute: the pattern was
    a backtracking regex (`.*a.*a…`), tried against every level of every tag and every
    word of a reader's text. Each `*` now finds its next piece once and keeps it."""
    import time

    long_word = "a" * 60
    library.annotate_quote(KEYS["ashraf"], "massacre", [long_word])
    started = time.monotonic()
    assert library.search("tag:a*a*a*a*a*a*a*a*b").total == 0
    assert library.search(f"tag:a*a*a*a*a*a*a*a*{long_word[-3:]}").total == 1
    assert library.hit_spans("massacr*a*a*a*a*a*a*a*a*b", KEYS["ashraf"]) == []
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("pattern", ["a*", "a*b", "a?c*d", "*x*", "a**b", "ab", "a*b*a",
                                     "a.b*", "a+(b)*"])
def test_the_tag_and_word_pattern_means_what_a_glob_means(pattern):
    import fnmatch

    from archive_app.core.engine.compile import _wildcard_regex

    words = ["a", "ab", "abb", "acb", "abcd", "axcd", "xax", "aab", "aba", "a.bc",
             "a+(b)", "a+(b)zz", "b"]
    regex = _wildcard_regex(pattern)
    assert [w for w in words if regex.fullmatch(w)] == \
        [w for w in words if fnmatch.fnmatchcase(w, pattern)]
