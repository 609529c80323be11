"""Anchor a passage the W3C Web Annotation way and find it again after the text changes.

An anchor is a position selector (start, end in the normalised text) plus a quote selector
(the exact text and ~32 characters of prefix and suffix). After an edit we look for the
quote, let the context choose between repeats, tolerate whitespace changes, then try a
fuzzy match bounded by the old context; below the threshold the annotation is orphaned.
We never silently move an annotation to a wrong place: a fuzzy match is flagged for review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

CONTEXT_CHARS = 32
FUZZY_THRESHOLD = 0.75
"""Minimum similarity (difflib ratio of the old quote and the candidate) to re-anchor."""

ANCHORED, REANCHORED, ORPHANED = "anchored", "reanchored", "orphaned"


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


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
    pattern = _loose_pattern(quote)
    if pattern is None:
        return None
    for number, match in enumerate(pattern.finditer(text), 1):
        if number == occurrence:
            return match.start(), match.end()
    return None


def _loose_pattern(quote: str) -> re.Pattern[str] | None:
    words = quote.split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(word) for word in words))


def _context_score(text: str, start: int, end: int, anchor: Anchor) -> float:
    before = text[max(0, start - len(anchor.prefix)):start]
    after = text[end:end + len(anchor.suffix)]
    score = 0.0
    if anchor.prefix:
        score += SequenceMatcher(None, before, anchor.prefix).ratio()
    if anchor.suffix:
        score += SequenceMatcher(None, after, anchor.suffix).ratio()
    return score


def reanchor(anchor: Anchor, text: str) -> Placement:
    """Place `anchor` in `text`: unchanged, moved by an edit elsewhere, fuzzy, or orphaned."""
    if text[anchor.start:anchor.end] == anchor.exact:
        return Placement(anchor.start, anchor.end, ANCHORED)
    pattern = _loose_pattern(anchor.exact)
    candidates = [(m.start(), m.end()) for m in pattern.finditer(text)] if pattern else []
    if candidates:
        start, end = max(candidates, key=lambda c: (_context_score(text, *c, anchor),
                                                    -abs(c[0] - anchor.start)))
        return Placement(start, end, ANCHORED)
    return _fuzzy(anchor, text) or Placement(anchor.start, anchor.end, ORPHANED, 0.0)


def _fuzzy(anchor: Anchor, text: str) -> Placement | None:
    """The best window near where the context or the quote's own words still occur."""
    best: Placement | None = None
    for start, end in _fuzzy_windows(anchor, text):
        similarity = SequenceMatcher(None, anchor.exact, text[start:end],
                                     autojunk=False).ratio()
        if similarity >= FUZZY_THRESHOLD and (best is None or similarity > best.similarity):
            best = Placement(start, end, REANCHORED, round(similarity, 3))
    return best


def _fuzzy_windows(anchor: Anchor, text: str) -> list[tuple[int, int]]:
    length = len(anchor.exact)
    windows: list[tuple[int, int]] = []
    prefix, suffix = anchor.prefix.strip(), anchor.suffix.strip()
    starts = [m.end() for m in re.finditer(re.escape(prefix), text)] if prefix else []
    ends = [m.start() for m in re.finditer(re.escape(suffix), text)] if suffix else []
    for start in starts:
        start = _skip_space(text, start)
        following = [end for end in ends if start < end <= start + 2 * length]
        windows += [(start, _trim_space(text, end)) for end in following]
        windows.append((start, min(len(text), start + length)))
    for end in ends:
        windows.append((max(0, _trim_space(text, end) - length), _trim_space(text, end)))
    words = sorted(set(re.findall(r"\w{5,}", anchor.exact)), key=len, reverse=True)[:3]
    for word in words:
        offset = anchor.exact.find(word)
        for match in re.finditer(re.escape(word), text):
            start = max(0, match.start() - offset)
            windows.append((start, min(len(text), start + length)))
    return [(s, e) for s, e in dict.fromkeys(windows) if s < e][:2000]


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _trim_space(text: str, position: int) -> int:
    while position > 0 and text[position - 1].isspace():
        position -= 1
    return position
