"""Choosing excerpts: from annotations, from search hits (sentences), and grouping them."""

from __future__ import annotations

from archive_app.core.export import excerpts_from_annotations, excerpts_from_search
from archive_app.core.export.gather import CONTEXT_MARGIN, sentence_bounds
from archive_app.core.export.grouping import UNTAGGED, group_excerpts
from tests.core.export.conftest import KEYS, by_doc


def test_sentence_bounds_take_the_whole_sentence():
    text = "Title line\n\nFirst one here. The hit is in this one! Last one."
    start = text.index("hit")
    begin, end = sentence_bounds(text, start, start + 3)
    assert text[begin:end] == "The hit is in this one!"
    first = text.index("First")
    assert text[slice(*sentence_bounds(text, first, first + 5))] == "First one here."
    last = text.index("Last")
    assert text[slice(*sentence_bounds(text, last, last + 4))] == "Last one."
    assert text[slice(*sentence_bounds(text, 0, 5))] == "Title line"


def test_sentence_bounds_cut_a_very_long_sentence_at_spaces():
    text = "word " * 300 + "target " + "word " * 300
    start = text.index("target")
    begin, end = sentence_bounds(text, start, start + 6, reach=50)
    assert 40 < start - begin <= 50 and text[begin] != " " and text[end - 1] != " "
    assert text[begin:end].split()[0] == "word"


def test_search_excerpts_are_sentences_around_hits(library):
    found = excerpts_from_search(library, "residents")
    quotes = {e.doc: e.quote for e in found}
    assert quotes[KEYS["ashraf"]] == ("On 1 September 2013 an attack on Camp Ashraf killed 52 "
                                      "residents.")
    assert all(e.annotation_uuid is None and e.tags == [] for e in found)
    assert all(e.citation for e in found)


def test_search_excerpts_are_capped_per_document(library):
    found = excerpts_from_search(library, "integer", keys=[KEYS["report"]], per_document=1)
    assert len(found) == 1
    both = excerpts_from_search(library, "integer", keys=[KEYS["report"]])
    assert 1 < len(both) <= 3 and len({e.start for e in both}) == len(both)


def test_annotation_excerpts_carry_metadata_context_and_citation(library, excerpts):
    ashraf = by_doc(excerpts, "ashraf")[0]
    assert (ashraf.title, ashraf.author, ashraf.source, ashraf.date) == (
        "Camp Ashraf attack", "UN News Centre", "UN News", "2013-09-01")
    assert ashraf.citation == library.citation(KEYS["ashraf"])
    assert ashraf.context_before.endswith("killed ")
    assert len(ashraf.context_before) == min(ashraf.start, 40 + CONTEXT_MARGIN)
    plain = excerpts_from_annotations(library, library.all_annotations(tag="camp"))
    assert plain[0].context_before == plain[0].context_after == ""


def test_grouping_by_tag_repeats_and_collects_untagged(excerpts):
    groups = dict(group_excerpts(excerpts, "tag"))
    assert [e.quote for e in groups["people/victims"]] == ["52 residents"]
    assert "52 residents" in [e.quote for e in groups["witness"]]
    assert [e.doc for e in groups[UNTAGGED]] == [KEYS["accents"]]
    assert list(groups)[-1] == UNTAGGED
    assert group_excerpts(excerpts, "none") == [("", excerpts)]
    assert group_excerpts([], "none") == []
