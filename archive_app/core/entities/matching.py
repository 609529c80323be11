"""Where the watch-lists' entities occur: every alias of every list, matched over the
document's words as the index folds them (text/analysis.py: lower case, Latin accents
removed, Persian and Arabic letter variants unified), whole words only.

One Aho-Corasick automaton (pyahocorasick, in C) holds every alias as its folded words
joined by single spaces and framed by spaces; the text is searched as its folded words
joined the same way, so a match is always whole words, "maliki" never matches inside
"malikiyya", and "Málikí", "MALIKI" and "maliki" are the same. The cost is linear in
the text whatever the number of aliases.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from archive_app.core.entities.watchlists import WatchList
from archive_app.core.text.analysis import fold_words, iter_words

ListSpec = tuple[str, str, tuple[tuple[str, tuple[str, ...]], ...]]
"""A list as plain tuples (name, colour, ((entity, aliases), …)): what the indexing
children are sent to build their own matcher."""


@dataclass(frozen=True)
class EntityMention:
    """One occurrence of an entity in a text (Python offsets into the stored text)."""

    start: int
    end: int
    entity: str
    list_name: str
    color: str


def list_specs(lists: Iterable[WatchList]) -> tuple[ListSpec, ...]:
    return tuple((wl.name, wl.color, tuple((e.name, e.aliases) for e in wl.entities))
                 for wl in lists)


class EntityMatcher:
    """Every alias of the given lists, ready to be found in texts."""

    def __init__(self, specs: tuple[ListSpec, ...]):
        self.specs = specs
        self.automaton = ahocorasick.Automaton()
        forms: dict[str, set[tuple[str, str, str]]] = {}
        for list_name, color, entities in specs:
            for name, aliases in entities:
                for form in (name, *aliases):
                    words = fold_words(form)
                    if words:
                        forms.setdefault(f" {' '.join(words)} ", set()).add(
                            (name, list_name, color))
        for pattern, owners in forms.items():
            self.automaton.add_word(pattern, (len(pattern), tuple(sorted(owners))))
        self.empty = not forms
        if not self.empty:
            self.automaton.make_automaton()

    def entities_in(self, text: str) -> list[str]:
        """The names of the entities `text` mentions, each once, sorted."""
        if self.empty or not text:
            return []
        joined = f" {' '.join(fold_words(text))} "
        found = {owner[0] for _end, (_length, owners) in self.automaton.iter(joined)
                 for owner in owners}
        return sorted(found)

    def mentions_in(self, text: str) -> list[EntityMention]:
        """Every occurrence with its offsets, for the reader to mark."""
        if self.empty or not text:
            return []
        starts, ends, pieces, position = [], [], [], 1
        for word, start, end in iter_words(text):
            starts.append(position)
            pieces.append(word)
            position += len(word) + 1
            ends.append((start, end))
        joined = " " + " ".join(pieces) + " "
        found = []
        for last, (length, owners) in self.automaton.iter(joined):
            first_char = last - length + 2  # the pattern's first letter, after its space
            first = bisect.bisect_left(starts, first_char)
            final = bisect.bisect_right(starts, last - 1) - 1
            if not 0 <= first <= final < len(ends):
                continue
            for entity, list_name, color in owners:
                found.append(EntityMention(ends[first][0], ends[final][1], entity,
                                           list_name, color))
        found.sort(key=lambda m: (m.start, -m.end, m.entity))
        kept: list[EntityMention] = []
        reach: dict[str, int] = {}  # entity -> the end of its last kept mention
        for mention in found:  # "Liberty" inside "Camp Liberty" is the same mention
            if reach.get(mention.entity, -1) >= mention.end:
                continue
            kept.append(mention)
            reach[mention.entity] = mention.end
        return kept


_CACHE: dict[tuple[ListSpec, ...], EntityMatcher] = {}


def matcher_for(specs: tuple[ListSpec, ...]) -> EntityMatcher:
    """One matcher per set of lists (a child builds it once for all its files)."""
    if specs not in _CACHE:
        _CACHE.clear()
        _CACHE[specs] = EntityMatcher(specs)
    return _CACHE[specs]
