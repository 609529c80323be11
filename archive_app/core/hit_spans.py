"""Where a query's words are in a text: the highlights of snippets and of the reader.

A span always covers exactly the characters of a word the index matched, because the
words are the index's words (analysis.py). The fast path tokenises with one `findall`
and the fold cache, picks the matching words by set lookups in C, and then finds the
written forms of those words with one regular expression, so no Python code runs per
word of a long document. Text where words and indexed words are not one to one (CJK
bigrams) takes the token-by-token path; a property test checks both agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import compress

from archive_app.core.analysis import WORD_CHARS, iter_words, surface_words

_BEFORE = rf"(?<![{WORD_CHARS}])"
_AFTER = rf"(?![{WORD_CHARS}])"
_GAP = rf"[^{WORD_CHARS}]+"


@dataclass
class HitMatcher:
    """What to highlight in a text: exact words, word prefixes, regexes and phrases."""

    terms: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    patterns: list[re.Pattern[str]] = field(default_factory=list)
    phrases: set[tuple[str, ...]] = field(default_factory=set)

    def word_matches(self, word: str) -> bool:
        return (word in self.terms or any(word.startswith(p) for p in self.prefixes)
                or any(p.fullmatch(word) for p in self.patterns))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Every hit in `text` as (start, end), sorted, phrases as one span each."""
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
