"""Search semantics of DESIGN.md on a real Whoosh index of a small known corpus."""

from __future__ import annotations

import pytest

from archive_app.core.errors import QueryError
from archive_app.core.search.searcher import Searcher
from tests.core.archive_fixtures import KEYS, make_corpus


@pytest.fixture
def searcher(archive, tmp_path):
    archive.sync([make_corpus(tmp_path)])
    return Searcher(archive)


def found(searcher, query, **options):
    results = searcher.search(query, limit=100, **options)
    return {name for name, key in KEYS.items() if key in {hit.key for hit in results.hits}}


@pytest.mark.parametrize(("query", "expected"), [
    ("massacre", {"ashraf", "massacres"}),          # word forms: massacre ~ massacres
    ('"massacre"', {"ashraf"}),                      # quoted: exactly as written
    ("camp ashraf", {"ashraf"}),                     # words are ANDed
    ("ashraf OR liberty", {"ashraf", "liberty"}),
    ("camp -ashraf", {"liberty"}),
    ("camp NOT ashraf", {"liberty"}),
    ("(ashraf OR massacres) killed", {"ashraf"}),
    ('"returns the integer"', {"report"}),           # stop words kept: exact phrase
    ('"returns integer"', {"integer"}),
    ("returns integer", {"report", "integer"}),
    ("integ*", {"report", "integer"}),
    ("ashraff~", {"ashraf"}),
    ("b?ghdad", {"liberty"}),
    ("title:liberty", {"liberty"}),
    ("title:massacres", {"massacres"}),
    ("source:UNAMI", {"liberty"}),
    ('source:"UN News"', {"ashraf"}),
    ("author:centre", {"ashraf"}),
    ("date:2013", {"ashraf"}),
    ("date:2013-09", {"ashraf"}),
    ("date:[2013-01-01 TO 2014-12-31]", {"ashraf", "liberty"}),
    ("date:[2014 TO 2014]", {"liberty"}),
    ("date:[* TO 2012]", {"massacres"}),
    ("format:md", {"massacres"}),
    ("lang:en", {"ashraf", "liberty", "report", "integer"}),  # sidecar or detected
    ("cafe", {"accents"}),                            # accents folded
    ("ZURICH", {"accents"}),
    ('"cafe society"', {"accents"}),
    ("al-Maliki", set()),
])
def test_query_finds_exactly(searcher, query, expected):
    assert found(searcher, query) == expected


def test_sort_by_date_puts_undated_documents_last(searcher):
    newest = [hit.key for hit in searcher.search("the OR camp OR massacres", limit=10,
                                                 sort="newest").hits]
    oldest = [hit.key for hit in searcher.search("the OR camp OR massacres", limit=10,
                                                 sort="oldest").hits]
    dated = [KEYS["liberty"], KEYS["ashraf"], KEYS["massacres"]]
    assert newest[:3] == dated
    assert oldest[:3] == dated[::-1]
    assert set(newest[3:]) == set(oldest[3:]) and len(newest) == 6


def test_pagination_and_total(searcher):
    everything = searcher.search("camp", limit=10)
    page = searcher.search("camp", limit=1, offset=1)
    assert everything.total == page.total == 2
    assert [hit.key for hit in page.hits] == [everything.hits[1].key]


def test_facets_count_all_matches(searcher):
    results = searcher.search("camp OR massacres", limit=1)
    assert dict(results.facets["source"]) == {"UN News": 1, "UNAMI": 1, "History Review": 1}
    assert dict(results.facets["year"]) == {"2013": 1, "2014": 1, "2010": 1}
    assert dict(results.facets["format"]) == {"txt": 2, "md": 1}
    assert results.facets["tag"] == []


def test_snippet_highlights_cover_the_matched_words(searcher):
    results = searcher.search("massacre", limit=10)
    marked = {snippet.text[a:b].lower() for hit in results.hits for snippet in hit.snippets
              for a, b in snippet.highlights}
    assert marked == {"massacre", "massacres"}


def test_phrase_highlight_is_one_span(searcher):
    hit = searcher.search('"camp liberty"').hits[0]
    marked = [s.text[a:b] for s in hit.snippets for a, b in s.highlights]
    assert marked and set(marked) == {"Camp Liberty"}


def test_excluded_words_are_not_highlighted(searcher):
    hit = searcher.search("camp -ashraf").hits[0]
    marked = {s.text[a:b].lower() for s in hit.snippets for a, b in s.highlights}
    assert marked == {"camp"}


def test_hit_spans_cover_every_hit_of_the_whole_document(searcher, archive):
    text = archive.document(KEYS["report"]).text
    spans = searcher.hit_spans("integer", KEYS["report"])
    assert [text[a:b] for a, b in spans] == ["integer", "integer", "integer"]


def test_suggestion_when_nothing_is_found(searcher):
    results = searcher.search("ashrf massacre")
    assert results.total == 0
    assert results.suggestion == "ashraf massacre"
    assert searcher.search("ashraf").suggestion is None


def test_unparseable_query_raises_typed_error(searcher):
    with pytest.raises(QueryError):
        searcher.search("title:(")
    with pytest.raises(QueryError):
        searcher.search("camp", sort="sideways")


def test_large_limit_returns_everything(searcher):
    assert len(searcher.search("the OR camp", limit=1_000_000).hits) == 5
