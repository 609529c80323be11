"""One reading of author fields for every export: organisations whole, several people apart."""

from __future__ import annotations

import pytest

from archive_app.core.export import Excerpt
from archive_app.core.export.author_names import Name, family_of_first, parse_authors
from archive_app.core.export.bibtex import author_field
from archive_app.core.export.common import citation_keys


@pytest.mark.parametrize("text", ["Debian Project", "Amnesty International", "United Nations",
                                  "UN News Centre", "Central Intelligence Agency",
                                  "Bill and Melinda Gates Foundation", "Human Rights Watch",
                                  "Doctors Without Borders", "Médecins Sans Frontières",
                                  "Iraq Body Count", "Human Rights First",
                                  "Syrian Observatory for Human Rights"])
def test_organisations_stay_one_literal_name(text):
    assert parse_authors(text) == [Name(literal=text)]


@pytest.mark.parametrize(("text", "people"), [
    ("Jane Doe", [("Doe", "Jane")]),
    ("Doe, Jane", [("Doe", "Jane")]),
    ("Jane Doe and John Smith", [("Doe", "Jane"), ("Smith", "John")]),
    ("Jane Doe & John Smith", [("Doe", "Jane"), ("Smith", "John")]),
    ("Doe, Jane; Smith, John", [("Doe", "Jane"), ("Smith", "John")]),
    ("Jane Doe; John Smith", [("Doe", "Jane"), ("Smith", "John")]),
    ("Vincent van Gogh", [("van Gogh", "Vincent")]),
    ("Mary Shore <mary@example.org>", [("Shore", "Mary")]),
])
def test_people_are_split_into_family_and_given_names(text, people):
    assert parse_authors(text) == [Name(family=f, given=g) for f, g in people]


def test_a_person_and_an_organisation_in_one_field():
    assert parse_authors("Jane Doe; Amnesty International") == [
        Name(family="Doe", given="Jane"), Name(literal="Amnesty International")]


def test_bibtex_keeps_organisations_in_braces_and_joins_people_with_and():
    assert author_field("Debian Project") == "{Debian Project}"
    assert author_field("Jane Doe and John Smith") == "Doe, Jane and Smith, John"


def test_keys_start_with_the_family_name():
    assert family_of_first("Jane Doe and John Smith") == "Doe"
    assert family_of_first("Debian Project") == "Debian"
    documents = [Excerpt(doc="a", path="a", quote="q", start=0, end=1, title="Camp studies",
                         author="Jane Doe and John Smith", date="2015"),
                 Excerpt(doc="b", path="b", quote="q", start=0, end=1, title="Camp report",
                         author="Smith, John", date="2016")]
    assert citation_keys(documents) == {"a": "doe2015camp", "b": "smith2016camp"}
