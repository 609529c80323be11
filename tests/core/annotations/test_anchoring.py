"""Anchors survive edits of the document and never land in a wrong place."""

from __future__ import annotations

from archive_app.core.annotations.anchoring import (
    ANCHORED,
    ORPHANED,
    REANCHORED,
    find_occurrence,
    make_anchor,
    reanchor,
)

TEXT = ("Seven years following a horrific and unprovoked attack on Camp Ashraf, Iraq, the "
        "residents are still waiting for justice. In the September 1, 2013 attack, 52 MEK "
        "members were killed, with many more injured, and six women and one man were "
        "kidnapped. Nine seriously injured residents were carried to the camp clinic.")
QUOTE = "52 MEK members were killed"


def anchor_of(text, quote, occurrence=1):
    start, end = find_occurrence(text, quote, occurrence)
    return make_anchor(text, start, end)


def test_unchanged_text_keeps_the_position():
    anchor = anchor_of(TEXT, QUOTE)
    assert reanchor(anchor, TEXT) == (placement := reanchor(anchor, TEXT))
    assert (placement.state, TEXT[placement.start:placement.end]) == (ANCHORED, QUOTE)


def test_text_inserted_before_the_passage():
    anchor = anchor_of(TEXT, QUOTE)
    changed = "EDITOR'S NOTE: updated in 2020 with new figures.\n\n" + TEXT
    placement = reanchor(anchor, changed)
    assert placement.state == ANCHORED
    assert changed[placement.start:placement.end] == QUOTE
    assert placement.start == anchor.start + len("EDITOR'S NOTE: updated in 2020 with new "
                                                 "figures.\n\n")


def test_whitespace_changes_inside_the_passage():
    anchor = anchor_of(TEXT, QUOTE)
    changed = TEXT.replace("52 MEK members were", "52  MEK\nmembers were")
    placement = reanchor(anchor, changed)
    assert placement.state == ANCHORED
    assert changed[placement.start:placement.end] == "52  MEK\nmembers were killed"


def test_a_word_changed_inside_the_passage_is_reanchored_for_review():
    quote = "six women and one man were kidnapped"
    anchor = anchor_of(TEXT, quote)
    changed = TEXT.replace("six women and one man were kidnapped",
                           "six women and one man were abducted")
    placement = reanchor(anchor, changed)
    assert placement.state == REANCHORED
    assert changed[placement.start:placement.end] == "six women and one man were abducted"
    assert 0.75 <= placement.similarity < 1


def test_deleted_passage_is_orphaned():
    quote = "Nine seriously injured residents were carried to the camp clinic."
    anchor = anchor_of(TEXT, quote)
    changed = TEXT.replace(quote, "")
    assert reanchor(anchor, changed).state == ORPHANED


def test_rewritten_beyond_recognition_is_orphaned_not_moved():
    anchor = anchor_of(TEXT, QUOTE)
    changed = TEXT.replace(QUOTE, "dozens of people lost their lives that morning")
    assert reanchor(anchor, changed).state == ORPHANED


def test_the_context_picks_the_right_one_of_two_equal_quotes():
    text = ("First report: the camp was attacked at dawn. Witnesses fled. "
            "Second report: the camp was attacked at dawn. Nobody fled.")
    second = anchor_of(text, "the camp was attacked at dawn", occurrence=2)
    changed = "Summary added on top.\n" + text.replace("First report", "Initial report")
    placement = reanchor(second, changed)
    assert placement.state == ANCHORED
    assert changed[placement.start - len("Second report: "):placement.start] == "Second report: "


def test_find_occurrence_counts_from_one_and_ignores_whitespace_differences():
    text = "camp  liberty and camp\nliberty"
    assert find_occurrence(text, "camp liberty", 1) == (0, 13)
    assert find_occurrence(text, "camp liberty", 2) == (18, 30)
    assert find_occurrence(text, "camp liberty", 3) is None
    assert find_occurrence(text, "   ", 1) is None
