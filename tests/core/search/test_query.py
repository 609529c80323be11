"""The query language parses into the tree search compiles, and bad input gets a message."""

from __future__ import annotations

import pytest

from archive_app.core.errors import QueryError
from archive_app.core.search.query import (
    And,
    DateRange,
    Fuzzy,
    Near,
    Not,
    Or,
    Phrase,
    Prefix,
    Regex,
    Wildcard,
    Word,
    parse_query,
)


@pytest.mark.parametrize(("text", "tree"), [
    ("Ashraf", Word("Ashraf")),
    ("Ashraf massacre", And((Word("Ashraf"), Word("massacre")))),
    ("Ashraf AND massacre", And((Word("Ashraf"), Word("massacre")))),
    ("a OR b", Or((Word("a"), Word("b")))),
    ("a b OR c", Or((And((Word("a"), Word("b"))), Word("c")))),
    ("a -b", And((Word("a"), Not(Word("b"))))),
    ("a NOT b", And((Word("a"), Not(Word("b"))))),
    ("(a OR b) c", And((Or((Word("a"), Word("b"))), Word("c")))),
    ('"Camp Liberty"', Phrase("Camp Liberty")),
    ("camp*", Prefix("camp")),
    ("wom?n", Wildcard("wom?n")),
    ("ashraff~", Fuzzy("ashraff", 1)),
    ("ashraff~2", Fuzzy("ashraff", 2)),
    ("title:camp", Word("camp", "title")),
    ('source:"UN News"', Phrase("UN News", "source")),
    ("tag:witness", Word("witness", "tags")),
    ("note:Busztin", Word("Busztin", "notes")),
    ("title:(camp ashraf)", And((Word("camp", "title"), Word("ashraf", "title")))),
    ("date:2013", DateRange("2013", "2013")),
    ("date:2013-09", DateRange("2013-09", "2013-09")),
    ("date:[2013-01-01 TO 2014-12-31]", DateRange("2013-01-01", "2014-12-31")),
    ("date:[2013 TO *]", DateRange("2013", None)),
    ("http://example.org/page", Word("http://example.org/page")),
    ("10:30", Word("10:30")),
    ('"camp attack"~5', Near((Word("camp"), Word("attack")), 5, True)),
    ('"camp attack"~0', Near((Word("camp"), Word("attack")), 0, True)),
    ('"camp* attak~ /mal+iki/"~3',
     Near((Prefix("camp"), Fuzzy("attak", 1), Regex("mal+iki")), 3, True)),
    ('"al-Maliki said"~2', Near((Word("al"), Word("maliki"), Word("said")), 2, True)),
    ('title:"camp attack"~5', Near((Word("camp"), Word("attack")), 5, True, "title")),
    ('"camp"~5', Word("camp")),
    ("ashraf NEAR/10 maliki", Near((Word("ashraf"), Word("maliki")), 10, False)),
    ("ashraf NEAR maliki", Near((Word("ashraf"), Word("maliki")), 10, False)),
    ("a NEAR/3 b NEAR/3 c", Near((Word("a"), Word("b"), Word("c")), 3, False)),
    ("x a NEAR/3 b", And((Word("x"), Near((Word("a"), Word("b")), 3, False)))),
    ("a NEAR/3 b OR c", Or((Near((Word("a"), Word("b")), 3, False), Word("c")))),
    ("body:(ashraf NEAR mal*)", Near((Word("ashraf"), Prefix("mal")), 10, False, "body")),
    ("near the camp", And((Word("near"), Word("the"), Word("camp")))),
    ("/mal+iki/", Regex("mal+iki")),
    ("title:/ab(c|d)/", Regex("ab(c|d)", "title")),
    ("(/a.c/)", Regex("a.c")),
    ("/usr/bin", Word("/usr/bin")),
    ("and/or", Word("and/or")),
])
def test_parses(text, tree):
    assert parse_query(text) == tree


@pytest.mark.parametrize(("text", "words_in_message"), [
    ("", "empty"),
    ("   ", "empty"),
    ("title:(", "not closed"),
    ("(a b", "not closed"),
    ("a)", "never opened"),
    ('"camp liberty', "quotation mark"),
    ("foo:bar", "Unknown field"),
    ("title:", "needs something"),
    ("*", "match everything"),
    ("*camp", "starts with a wildcard"),
    ("NOT camp", "only exclude"),
    ("camp OR", "OR"),
    ("AND camp", "AND"),
    ("date:yesterday", "not a date"),
    ("date:[2014 TO 2013]", "after it ends"),
    ("title:[a TO b]", "Ranges"),
    ("()", "Empty brackets"),
    ("(" * 60 + "a" + ")" * 60, "deep"),
    ("a " * 3000, "too long"),
    ('"camp attack"~', "needs its distance"),
    ('"camp attack"~999', "too wide"),
    ("a NEAR/999 b", "too wide"),
    ("a NEAR", "needs a word after"),
    ("NEAR b", "needs a word before"),
    ("a NEAR/2 b NEAR/3 c", "one distance"),
    ('a NEAR "b c"', "single words"),
    ("a NEAR al-maliki", "several"),
    ("a NEAR (b OR c)", "single words"),
    ("title:a NEAR body:b", "one field"),
    ("date:2013 NEAR b", "single words"),
    ("tag:a NEAR tag:b", "no word positions"),
    (" NEAR ".join("abcdefghijkl"), "at most"),
    ("/(a/", "not a regular expression"),
    ("/(?=a)b/", "not a regular expression"),
    ("/a\\1/", "not a regular expression"),
    ("/" + "a" * 300 + "/", "at most"),
    ("date:/20.*/", "not a /regex/"),
])
def test_bad_queries_explain_themselves(text, words_in_message):
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    assert words_in_message.lower() in caught.value.message.lower()
    assert caught.value.position is not None


def test_control_characters_are_treated_as_spaces():
    assert parse_query("camp\x00\tliberty") == And((Word("camp"), Word("liberty")))
