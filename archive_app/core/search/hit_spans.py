"""Where a query's words are in a text: the highlights of snippets and of the reader.

A span always covers exactly the characters of a word the index matched, because the
words are the index's words (analysis.py). No Python code runs per word of a long text:

- Mostly-ASCII text (English, most European archives) is searched directly: an ASCII
  word is indexed as its lower case, so one case-insensitive regex over the query's ASCII
  words finds them; the few words holding other letters ("café", "Überweisung") are
  picked out around the non-ASCII characters, folded, and their written forms that match
  join the regex. No tokenising of the whole text (1 MB: ~15 ms instead of ~150 ms).
- Other text is tokenised with one `findall` and the fold cache; the matching words are
  picked by set lookups in C, and one regex finds their written forms.
- Text where words and indexed words are not one to one (CJK bigrams) takes the
  token-by-token path. Property tests check all three agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import compress

from archive_app.core.annotations.records import tag_ancestors
from archive_app.core.search.proximity import windows
from archive_app.core.text.analysis import WORD_CHARS, WORD_PATTERN, iter_words, surface_words

_BEFORE = rf"(?<![{WORD_CHARS}])"
_WORD_CHAR = re.compile(rf"[{WORD_CHARS}]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_ASCII_WORD_TAIL = "[0-9A-Za-z_]*"
NON_ASCII_LIMIT = 20_000
"""Non-ASCII characters beyond which a text is tokenised whole (Persian, Arabic, CJK)."""
_AFTER = rf"(?![{WORD_CHARS}])"
_GAP = rf"[^{WORD_CHARS}]+"


@dataclass
class HitMatcher:
    """What to highlight in a text: exact words, word prefixes, regexes and phrases; and
    which annotations' passages are hits (those with a matched tag or note words)."""

    terms: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    patterns: list[re.Pattern[str]] = field(default_factory=list)
    phrases: set[tuple[str, ...]] = field(default_factory=set)
    proximities: list[tuple[tuple[frozenset[str], ...], int, bool]] = field(
        default_factory=list)
    """Proximity searches: each part's indexed words, the distance, whether in order; a
    stretch that satisfies one (search/proximity.py) is one span, first word to last."""
    tags: set[str] = field(default_factory=set)
    """Indexed tag names (lower case) a positive `tag:` part matched."""
    notes: HitMatcher | None = None
    """What a positive `note:` part matches in an annotation's note."""

    def names_annotations(self) -> bool:
        """True when the query has a `tag:` or `note:` part whose passages are hits."""
        return bool(self.tags) or self.notes is not None

    def marks_annotation(self, tags: list[str], note: str) -> bool:
        """Whether an annotation with these tags and note is a hit of the query: one of
        its tags (or their ancestors, as the index holds them) was matched, or its note
        holds a matched note word."""
        for tag in tags:
            # the names the index holds for it: at most MAX_TAG_DEPTH, so a tag stored
            # before the limits (20,000 levels) is not read as 20,000 ever longer names
            if any(name in self.tags for name in tag_ancestors(tag.lower())):
                return True
        return self.notes is not None and bool(note) and bool(self.notes.spans(note))

    def word_matches(self, word: str) -> bool:
        return (word in self.terms or any(word.startswith(p) for p in self.prefixes)
                or any(p.fullmatch(word) for p in self.patterns))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Every hit in `text` as (start, end), sorted, phrases and proximity stretches
        as one span each."""
        if not self.proximities:
            return self.word_spans(text)
        return merge_spans(self.word_spans(text) + self.proximity_spans(text))

    def proximity_spans(self, text: str) -> list[tuple[int, int]]:
        """The stretches of `text` that satisfy a proximity search (a word's position is
        its index among the text's words, as indexed). The folded words come from
        `surface_words` (one `findall`, cached folds) and each part's positions from
        `compress`, in C; only text whose words and indexed words are not one to one
        (CJK bigrams) is tokenised word by word."""
        found = surface_words(text)
        if found is None:
            tokens = list(iter_words(text))
            folded = [token[0] for token in tokens]
            edges = [(start, end) for _, start, end in tokens]
        else:
            folded = found[1]
            edges = None
        spans = []
        for parts, distance, ordered in self.proximities:
            positions = [list(compress(range(len(folded)), map(part.__contains__, folded)))
                         for part in parts]
            stretches = windows(positions, distance, ordered)
            if stretches and edges is None:
                edges = [match.span() for match in WORD_PATTERN.finditer(text)]
            spans += [(edges[first][0], edges[last][1]) for first, last in stretches]
        return spans

    def word_spans(self, text: str) -> list[tuple[int, int]]:
        """The hits of the words, prefixes, patterns and phrases."""
        if not self.patterns:
            found = non_ascii_words(text)
            if found is not None:
                spans = self.spans_by_case(text, found)
                if spans is not None:
                    return spans
        return self.spans_by_forms(text)

    def spans_by_case(self, text: str, non_ascii: set[str]) -> list[tuple[int, int]] | None:
        """The spans of a mostly-ASCII text, without tokenising it; None if its non-ASCII
        words do not fold one to one (a CJK run), for the other paths to answer."""
        words = surface_words(" ".join(non_ascii))
        if words is None:
            return None
        forms: dict[str, set[str]] = {}  # folded word -> its written non-ASCII forms
        for written, folded in zip(*words, strict=True):
            forms.setdefault(folded, set()).add(written)
        alternatives = [_case_insensitive(term) for term in self.terms if term.isascii()]
        alternatives += [_case_insensitive(prefix) + _ASCII_WORD_TAIL
                         for prefix in self.prefixes if prefix.isascii()]
        alternatives += [re.escape(written) for folded, written_forms in forms.items()
                         if self.word_matches(folded) for written in written_forms]
        spans = _word_starts(text, _alternation(alternatives), overlapping=False)
        for phrase in self.phrases:
            sequence = []
            for word in phrase:
                choices = [re.escape(written) for written in forms.get(word, ())]
                if word.isascii():
                    choices.append(_case_insensitive(word))
                sequence.append(_alternation(choices))
            if all(sequence):
                spans += _word_starts(text, _GAP.join(f"(?:{word})" for word in sequence),
                                      overlapping=True)
        return merge_spans(spans)

    def spans_by_forms(self, text: str) -> list[tuple[int, int]]:
        """The spans found by tokenising the whole text (any script)."""
        words = surface_words(text)
        if words is None:
            return self.spans_by_tokens(text)
        written, folded = words
        if self.prefixes or self.patterns:
            wanted = {word for word in set(folded) if self.word_matches(word)}
        else:
            wanted = self.terms
        spans = []
        forms = set(compress(written, map(wanted.__contains__, folded)))
        if forms:
            alternatives = "|".join(map(re.escape, sorted(forms, key=len, reverse=True)))
            pattern = re.compile(f"{_BEFORE}(?:{alternatives}){_AFTER}")
            spans += [match.span() for match in pattern.finditer(text)]
        for phrase in self.phrases:
            sequences = _written_sequences(written, folded, phrase)
            if sequences:
                alternatives = "|".join(_GAP.join(map(re.escape, sequence))
                                        for sequence in sequences)
                # in a lookahead, so overlapping occurrences ("a a a" for "a a") all count
                pattern = re.compile(f"(?=({_BEFORE}(?:{alternatives}){_AFTER}))")
                spans += [match.span(1) for match in pattern.finditer(text)]
        return merge_spans(spans)

    def spans_by_tokens(self, text: str) -> list[tuple[int, int]]:
        """The same spans, token by token (any text, including CJK bigrams)."""
        tokens = list(iter_words(text))
        terms = self.terms
        if self.prefixes or self.patterns:
            spans = [(start, end) for word, start, end in tokens if self.word_matches(word)]
        else:  # the common case: a set lookup per word, no method call
            spans = [(start, end) for word, start, end in tokens if word in terms]
        for phrase in self.phrases:
            size = len(phrase)
            for i in range(len(tokens) - size + 1):
                if tokens[i][0] == phrase[0] and all(
                        tokens[i + j][0] == phrase[j] for j in range(1, size)):
                    spans.append((tokens[i][1], tokens[i + size - 1][2]))
        return merge_spans(spans)


def non_ascii_words(text: str) -> set[str] | None:
    """The words of `text` that hold a non-ASCII character, found around those characters;
    None when there are more than NON_ASCII_LIMIT of them (then tokenising is cheaper)."""
    found: set[str] = set()
    seen = word_end = 0
    for run in _NON_ASCII.finditer(text):
        seen += run.end() - run.start()
        if seen > NON_ASCII_LIMIT:
            return None
        for position in range(max(run.start(), word_end), run.end()):
            if position < word_end or not _WORD_CHAR.match(text, position):
                continue
            start = position
            while start and _WORD_CHAR.match(text, start - 1):
                start -= 1
            word = WORD_PATTERN.match(text, start)
            found.add(word.group())
            word_end = word.end()
    return found


def _case_insensitive(word: str) -> str:
    """A pattern for an ASCII word in any letter case (and only ASCII: no Kelvin sign)."""
    return f"(?ai:{re.escape(word)})"


def _alternation(alternatives: list[str]) -> str:
    return "|".join(sorted(alternatives, key=len, reverse=True))


def _word_starts(text: str, pattern: str, overlapping: bool) -> list[tuple[int, int]]:
    """The spans of `pattern` that start and end at word boundaries.

    The start is checked in Python rather than by a lookbehind, which would keep the
    regex engine from skipping ahead to the first letter (45 ms against 4 ms on 1 MB).
    A match rejected for starting inside a word hides no valid one: the rest of it lies
    inside that same word. Overlapping phrase occurrences ("a a" in "a a a") all count.
    """
    if not pattern:
        return []
    if overlapping:
        matches = re.finditer(f"(?=((?:{pattern}){_AFTER}))", text)
        spans = [match.span(1) for match in matches]
    else:
        spans = [match.span() for match in re.finditer(f"(?:{pattern}){_AFTER}", text)]
    return [(start, end) for start, end in spans
            if start == 0 or not _WORD_CHAR.match(text, start - 1)]


def _written_sequences(written: list[str], folded: list[str],
                       phrase: tuple[str, ...]) -> set[tuple[str, ...]]:
    """The written forms of every occurrence of `phrase` among the folded words."""
    size = len(phrase)
    first = phrase[0]
    found = set()
    for start in compress(range(len(folded)), map(first.__eq__, folded)):
        if tuple(folded[start:start + size]) == phrase:
            found.add(tuple(written[start:start + size]))
    return found


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, with overlapping or touching spans joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
