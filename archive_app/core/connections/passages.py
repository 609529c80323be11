"""A passage two texts share, grown word by word from one shared anchor.

An anchor (fingerprints.py) says that four words stand in both texts. From there the
match is extended in both directions over the folded words, stepping over small edits:
where the words differ, the nearest place (at most LOOKAHEAD words further in either
text) where two words in a row agree again resumes it: a word replaced, dropped or
added, a phrase reworded. The match ends where no such place is near. What is left must
be at least `min_words` long in both texts and mostly the same words (MIN_AGREEMENT).
"""

from __future__ import annotations

from dataclasses import dataclass

from archive_app.core.connections.fingerprints import SHINGLE_WORDS

LOOKAHEAD = 3
MIN_AGREEMENT = 0.6
"""Share of a passage's words the two texts have in the same order."""


@dataclass(frozen=True)
class SharedSpan:
    """Word positions [start, end) of one passage in each of two texts."""

    first_start: int
    first_end: int
    second_start: int
    second_end: int
    agreeing: int
    """Words matched one to one."""

    @property
    def words(self) -> int:
        return min(self.first_end - self.first_start, self.second_end - self.second_start)


def _resync(a: list[str], b: list[str], i: int, j: int, step: int) -> tuple[int, int] | None:
    """The nearest (di, dj), each <= LOOKAHEAD, where two words agree again going
    `step` (+1 right, -1 left) from a[i], b[j]."""
    for total in range(1, 2 * LOOKAHEAD + 1):
        for di in range(max(0, total - LOOKAHEAD), min(total, LOOKAHEAD) + 1):
            dj = total - di
            x, y = i + step * di, j + step * dj
            nx, ny = x + step, y + step
            if (0 <= x < len(a) and 0 <= y < len(b) and 0 <= nx < len(a)
                    and 0 <= ny < len(b) and a[x] == b[y] and a[nx] == b[ny]):
                return di, dj
    return None


def _extend(a: list[str], b: list[str], i: int, j: int, step: int) -> tuple[int, int, int]:
    """From a[i], b[j] (the first words past the anchor on this side): how far the
    match reaches in each (exclusive bound going right, first index going left) and how
    many words agreed."""
    agreed = 0
    last_i, last_j = i - step, j - step  # the last agreeing words: the anchor's edge
    while 0 <= i < len(a) and 0 <= j < len(b):
        if a[i] == b[j]:
            agreed += 1
            last_i, last_j = i, j
            i, j = i + step, j + step
            continue
        found = _resync(a, b, i, j, step)
        if found is None:
            break
        i, j = i + step * found[0], j + step * found[1]
    return last_i, last_j, agreed


def grow(a: list[str], b: list[str], i: int, j: int) -> SharedSpan | None:
    """The passage around the anchor at a[i:i+4] == b[j:j+4]; None if they differ."""
    if a[i:i + SHINGLE_WORDS] != b[j:j + SHINGLE_WORDS] or len(a[i:i + SHINGLE_WORDS]) \
            < SHINGLE_WORDS:
        return None
    right_i, right_j, right = _extend(a, b, i + SHINGLE_WORDS, j + SHINGLE_WORDS, 1)
    left_i, left_j, left = _extend(a, b, i - 1, j - 1, -1)
    return SharedSpan(left_i, right_i + 1, left_j, right_j + 1,
                      SHINGLE_WORDS + left + right)


def shared_spans(a: list[str], b: list[str], anchors: list[tuple[int, int]],
                 min_words: int) -> list[SharedSpan]:
    """Every passage of at least `min_words` words that texts a and b share, grown from
    their shared anchors (position in a, position in b); an anchor inside a passage
    already grown is not grown again."""
    found: list[SharedSpan] = []
    for i, j in sorted(set(anchors)):
        if any(s.first_start <= i < s.first_end and s.second_start <= j < s.second_end
               for s in found):
            continue
        span = grow(a, b, i, j)
        if span is None or span.words < min_words:
            continue
        longest = max(span.first_end - span.first_start, span.second_end - span.second_start)
        if span.agreeing >= MIN_AGREEMENT * longest:
            found.append(span)
    return found
