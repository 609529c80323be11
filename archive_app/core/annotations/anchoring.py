"""Anchor a passage the W3C Web Annotation way and find it again after the text changes.

An anchor is a position selector (start, end in the normalised text) plus a quote selector
(the exact text and ~32 characters of prefix and suffix). After an edit we look for the
quote, let the context choose between repeats, tolerate whitespace changes, then try a
fuzzy match bounded by the old context; below the threshold the annotation is orphaned.
We never silently move an annotation to a wrong place: a fuzzy match is flagged for review.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import islice

from rapidfuzz.distance import Indel

CONTEXT_CHARS = 32
FUZZY_THRESHOLD = 0.75
"""Minimum similarity (Indel ratio of the old quote and the candidate) to re-anchor."""
MAX_MATCHES = 100_000
"""Occurrences of a quote, prefix or word looked at: a search stops after these."""
MAX_SCORED = 200
MAX_SEEDS = 64
MAX_ENDS = 8
MAX_WINDOWS = 400
FUZZY_BUDGET = 2_000_000_000
"""Character pairs (window length × quote length) the fuzzy comparisons may cost in all:
about a third of a second of rapidfuzz; a paragraph's quote gets all its windows, a
4,000-word quote the nearest one, and a quote over ~45,000 characters is found only
exactly or with white-space changes."""
SPACE_SKIP = 256
_SQUEEZE = re.compile(r"\s{2,}|[^\S ]")
"""What squeezing changes: runs of white space, and single white space other than ' '."""
_SPACE_RUNS = re.compile(r"\s{2,}")

ANCHORED, REANCHORED, ORPHANED = "anchored", "reanchored", "orphaned"


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


@dataclass
class Budget:
    """Character pairs the fuzzy comparisons may still cost: one re-anchoring gets
    FUZZY_BUDGET; an import shares one budget among all its items, so a file of
    thousands of near-miss quotes is bounded too."""

    pairs: int = FUZZY_BUDGET

    def spend(self, pairs: int) -> bool:
        """Take `pairs` from the budget; False (and nothing taken) when it has not enough."""
        if pairs > self.pairs:
            return False
        self.pairs -= pairs
        return True


@dataclass(frozen=True)
class Placement:
    """Where an anchor lands in a (possibly new) text, and how sure we are."""

    start: int
    end: int
    state: str
    similarity: float = 1.0


def make_anchor(text: str, start: int, end: int, context: int = CONTEXT_CHARS) -> Anchor:
    """The selectors of text[start:end]; raises ValueError for an empty or outside range."""
    if not 0 <= start < end <= len(text):
        raise ValueError(f"passage {start}-{end} is outside the text (length {len(text)})")
    return Anchor(start, end, text[start:end], text[max(0, start - context):start],
                  text[end:end + context])


def find_occurrence(text: str, quote: str, occurrence: int = 1) -> tuple[int, int] | None:
    """The n-th (1-based) place where `quote` occurs, whitespace differences allowed."""
    if occurrence < 1:
        return None
    found = loose_matches(text, quote, limit=occurrence)
    return found[occurrence - 1] if len(found) >= occurrence else None


def loose_matches(text: str, quote: str, limit: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each place the quote's words occur in order, any white space
    between them (non-overlapping, at most `limit` or MAX_MATCHES).

    One C-speed `str.find` pass over the text with its white-space runs squeezed (a
    regex of the quote's words took 1.8 s just to compile for 4,000 words), mapped
    back to offsets in the text.
    """
    needle = " ".join(quote.split())
    if not needle:
        return []
    squeezed, run_starts, shifts = _squeezed(text)
    found: list[tuple[int, int]] = []
    position = squeezed.find(needle)
    while position >= 0 and len(found) < (limit or MAX_MATCHES):
        end = position + len(needle)
        found.append((_original(position, run_starts, shifts),
                      _original(end - 1, run_starts, shifts) + 1))
        position = squeezed.find(needle, end)
    return found


@lru_cache(maxsize=1)
def _squeezed(text: str) -> tuple[str, array, array]:
    """The text with each run of white space as one space, and where runs of two or
    more moved the offsets: after squeezed position run_starts[k], add shifts[k].

    Cached (the last text only): a sync re-anchors every annotation of a document
    against the same text, and a hostile rewrite may have many.
    """
    run_starts, shifts = array("q"), array("q")
    removed = 0
    for run in _SPACE_RUNS.finditer(text):
        run_starts.append(run.start() - removed + 1)
        removed += run.end() - run.start() - 1
        shifts.append(removed)
    return _SQUEEZE.sub(" ", text), run_starts, shifts


def _original(position: int, run_starts: array, shifts: array) -> int:
    """A squeezed position (not inside a run) as an offset into the original text."""
    index = bisect_right(run_starts, position) - 1
    return position + (shifts[index] if index >= 0 else 0)


def _context_score(text: str, start: int, end: int, anchor: Anchor) -> float:
    before = text[max(0, start - len(anchor.prefix)):start]
    after = text[end:end + len(anchor.suffix)]
    score = 0.0
    if anchor.prefix:
        score += SequenceMatcher(None, before, anchor.prefix).ratio()
    if anchor.suffix:
        score += SequenceMatcher(None, after, anchor.suffix).ratio()
    return score


def reanchor(anchor: Anchor, text: str, budget: Budget | None = None) -> Placement:
    """Place `anchor` in `text`: unchanged, moved by an edit elsewhere, fuzzy, or orphaned.

    Bounded whatever the text: each search is one linear pass, at most `MAX_SCORED`
    candidates and `MAX_WINDOWS` fuzzy windows are compared, and the fuzzy comparisons
    spend from `budget` (FUZZY_BUDGET character pairs when none is given; a 3 MB rewrite
    that repeats the context took a minute when every pair of places was tried).
    """
    if text[anchor.start:anchor.end] == anchor.exact:
        return Placement(anchor.start, anchor.end, ANCHORED)
    candidates = loose_matches(text, anchor.exact)
    if candidates:
        start, end = max(_likeliest(candidates, text, anchor),
                         key=lambda c: (_context_score(text, *c, anchor),
                                        -abs(c[0] - anchor.start)))
        return Placement(start, end, ANCHORED)
    found = _fuzzy(anchor, text, budget or Budget())
    return found or Placement(anchor.start, anchor.end, ORPHANED, 0.0)


def _likeliest(candidates: list[tuple[int, int]], text: str,
               anchor: Anchor) -> list[tuple[int, int]]:
    """The MAX_SCORED candidates worth a context score: an exact context first, then
    nearness to the old place (thousands of repeats are compared by these cheap tests)."""
    if len(candidates) <= MAX_SCORED:
        return candidates

    def cheap(candidate: tuple[int, int]) -> tuple[int, int]:
        start, end = candidate
        same = (text[max(0, start - len(anchor.prefix)):start] == anchor.prefix) + \
            (text[end:end + len(anchor.suffix)] == anchor.suffix)
        return -same, abs(start - anchor.start)

    return sorted(candidates, key=cheap)[:MAX_SCORED]


def _fuzzy(anchor: Anchor, text: str, budget: Budget) -> Placement | None:
    """The best window near where the context or the quote's own words still occur.

    Similarity is rapidfuzz's Indel ratio (2·LCS / total length, bit-parallel and cut
    off below the threshold); the windows are compared nearest-first until the budget
    of character pairs is spent.
    """
    best: Placement | None = None
    for start, end in _fuzzy_windows(anchor, text):
        if not budget.spend((end - start) * len(anchor.exact)):
            break
        cutoff = max(FUZZY_THRESHOLD, best.similarity if best else 0.0)
        similarity = Indel.normalized_similarity(anchor.exact, text[start:end],
                                                 score_cutoff=cutoff)
        if similarity >= FUZZY_THRESHOLD and (best is None or similarity > best.similarity):
            best = Placement(start, end, REANCHORED, round(similarity, 3))
    return best


def _positions(needle: str, text: str, near: int, at_start: bool = False) -> list[int]:
    """Where the occurrences of `needle` end (start, with `at_start`): the MAX_SEEDS
    nearest `near` of at most MAX_MATCHES occurrences."""
    found = islice(re.finditer(re.escape(needle), text), MAX_MATCHES)
    places = [match.start() if at_start else match.end() for match in found]
    return sorted(places, key=lambda place: abs(place - near))[:MAX_SEEDS]


def _fuzzy_windows(anchor: Anchor, text: str) -> list[tuple[int, int]]:
    """Candidate passages: after the old prefix, before the old suffix, between the two,
    and around the quote's longest words; at most MAX_WINDOWS, nearest the old place."""
    length = len(anchor.exact)
    windows: list[tuple[int, int]] = []
    prefix, suffix = anchor.prefix.strip(), anchor.suffix.strip()
    starts = _positions(prefix, text, anchor.start) if prefix else []
    ends = sorted(_positions(suffix, text, anchor.end, at_start=True)) if suffix else []
    for start in starts:
        start = _skip_space(text, start)
        low, high = bisect_right(ends, start), bisect_right(ends, start + 2 * length)
        following = sorted(ends[low:high], key=lambda end: abs(end - start - length))
        windows += [(start, _trim_space(text, end)) for end in following[:MAX_ENDS]]
        windows.append((start, min(len(text), start + length)))
    for end in ends:
        windows.append((max(0, _trim_space(text, end) - length), _trim_space(text, end)))
    words = sorted(set(re.findall(r"\w{5,}", anchor.exact)), key=len, reverse=True)[:3]
    for word in words:
        offset = anchor.exact.find(word)
        for place in _positions(word, text, anchor.start + offset, at_start=True):
            start = max(0, place - offset)
            windows.append((start, min(len(text), start + length)))
    unique = [(s, e) for s, e in dict.fromkeys(windows) if s < e]
    return sorted(unique, key=lambda w: abs(w[0] - anchor.start))[:MAX_WINDOWS]


def _skip_space(text: str, position: int) -> int:
    """Past the white space at `position` (at most SPACE_SKIP characters of it)."""
    limit = min(len(text), position + SPACE_SKIP)
    while position < limit and text[position].isspace():
        position += 1
    return position


def _trim_space(text: str, position: int) -> int:
    """Back before the white space ending at `position` (at most SPACE_SKIP of it)."""
    limit = max(0, position - SPACE_SKIP)
    while position > limit and text[position - 1].isspace():
        position -= 1
    return position
