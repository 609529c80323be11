"""Authors as names: people split into family and given names, organisations kept whole.

One author field often holds several authors ("Jane Doe and John Smith", "Doe, Jane;
Smith, John") or an organisation ("Debian Project", "United Nations"). Reference
managers and QDA tools need each person as a separate name and an organisation as one
literal name, or a style prints "Project, D." for the Debian Project. CSL, BibTeX,
REFI-QDA and the citation styles all read authors through `parse_authors`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ORGANISATION_WORDS = frozenset((
    "academy", "agency", "alliance", "assembly", "association", "authority", "bank",
    "board", "bureau", "campaign", "center", "centre", "church", "coalition", "college",
    "commission", "committee", "community", "company", "congress", "consortium",
    "corporation", "council", "court", "department", "division", "federation", "forum",
    "foundation", "front", "fund", "government", "group", "inc", "institute",
    "institution", "international", "league", "library", "limited", "ltd", "ministry",
    "movement", "museum", "nations", "network", "news", "office", "organisation",
    "organization", "parliament", "party", "press", "programme", "program", "project",
    "radio", "republic", "school", "secretariat", "senate", "service", "society",
    "team", "times", "trust", "tribunal", "union", "university", "watch",
    "body", "borders", "frontières", "initiative", "monitor", "observatory", "rights",
    "against", "for", "of", "ohne", "sans", "the", "without",
))
"""Words that make a name an organisation's ("Amnesty International", "Debian Project",
"Iraq Body Count"); function words too, which no person's name has even capitalised
("Doctors Without Borders", "Médecins Sans Frontières")."""

_PARTICLES = frozenset((
    "van", "von", "der", "den", "de", "del", "della", "da", "di", "du", "la", "le",
    "ten", "ter", "bin", "ibn", "al", "el",
))
_SEPARATOR = re.compile(r"\s*;\s*")
_AND = re.compile(r"\s+(?:and|&)\s+", re.IGNORECASE)
_ADDRESS = re.compile(r"\s*<[^<>\s]+@[^<>\s]+>")
"""An e-mail address after a name ('Mary Shore <mary@example.org>'), as From: lines have."""


@dataclass(frozen=True)
class Name:
    """A person (family and given names) or, when `literal` is set, an organisation or a
    name we cannot take apart."""

    family: str = ""
    given: str = ""
    literal: str = ""

    @property
    def is_person(self) -> bool:
        return not self.literal


def parse_authors(text: str) -> list[Name]:
    """The authors in one author field: ';' always separates; 'and'/'&' separates only
    when every part is a person's name (so "Bill and Melinda Gates Foundation" stays one)."""
    found: list[Name] = []
    for part in _SEPARATOR.split(" ".join(_ADDRESS.sub("", text).split())):
        if not part:
            continue
        pieces = _AND.split(part)
        people = [person_name(piece) for piece in pieces]
        if len(pieces) > 1 and all(people):
            found += [p for p in people if p]
        else:
            found.append(person_name(part) or Name(literal=part))
    return found


def person_name(text: str) -> Name | None:
    """Name('Doe', 'Jane') for 'Jane Doe' or 'Doe, Jane'; None when `text` does not look
    like one person's name (an organisation, one word, digits, too many words)."""
    text = " ".join(text.split())
    if text.count(",") == 1:
        family, given = (part.strip() for part in text.split(","))
        words = given.split(" ") + family.split(" ")
    else:
        words = text.split(" ")
        if not 2 <= len(words) <= 4:
            return None
        cut = _family_start(words)
        given, family = " ".join(words[:cut]), " ".join(words[cut:])
    if not given or not family or any(w.lower().strip(".") in ORGANISATION_WORDS
                                      for w in words):
        return None
    if not all(_is_name_word(w) or w.lower() in _PARTICLES for w in words):
        return None
    return Name(family=family, given=given)


def _family_start(words: list[str]) -> int:
    """Where the family name begins: the last word, with particles before it ('van Gogh')."""
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].lower() in _PARTICLES:
        cut -= 1
    return cut


def _is_name_word(word: str) -> bool:
    return bool(re.fullmatch(r"[^\W\d_][\w.'’\-]*", word)) and word[0].isupper()


def family_of_first(text: str) -> str:
    """What a bibliography key starts with: the first author's family name, or the first
    word of an organisation's name."""
    names = parse_authors(text)
    if not names:
        return ""
    first = names[0]
    return first.family if first.is_person else (first.literal.split() or [""])[0]


def initials(given: str) -> str:
    """'J. M.' for 'Jane Mary', 'J.-P.' for 'Jean-Pierre'."""
    out = []
    for word in given.split():
        parts = [p for p in word.split("-") if p]
        out.append("-".join(p[0] + "." for p in parts))
    return " ".join(out)
