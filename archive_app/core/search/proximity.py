"""What "words close together" means, once, for the highlighter and the reference engine.

A proximity search has parts (each one word: a word's forms, a prefix, a fuzzy word, a
regex), a distance N and an order:

- ordered (`"camp attack"~5`): positions p1 < p2 < ... < pk, one per part in the
  query's order, with at most N other words between p1 and pk (pk - p1 - (k - 1) <= N;
  `~0` is the words side by side, as a phrase);
- any order (`ashraf NEAR/10 maliki`): positions one per part, all different, in any
  order, with at most N other words between the first and the last.

`windows` finds every such stretch by taking each word as the stretch's first word and
the nearest following word of every other part: for an ordered search the earliest
chain from that start; for any order the nearest later occurrence of each other part.
Both are exact for two parts and for ordered chains. For three or more parts in any
order, one word matching two of the parts may be counted for both (the engine's
vectorised rule in engine/proximity.py is the same rule, so both faces agree).
"""

from __future__ import annotations

from bisect import bisect_right


def windows(parts: list[list[int]], distance: int, ordered: bool) -> list[tuple[int, int]]:
    """Every (first, last) position of a stretch that satisfies the search, sorted.

    `parts` holds each part's positions, sorted ascending."""
    if not parts or any(not positions for positions in parts):
        return []
    span = distance + len(parts) - 1
    found: set[tuple[int, int]] = set()
    if ordered:
        first, rest = parts[0], parts[1:]
        for start in first:
            current = start
            for positions in rest:
                at = bisect_right(positions, current)
                if at == len(positions):
                    current = None
                    break
                current = positions[at]
            if current is None:
                break  # a later start finds no chain either
            if current - start <= span:
                found.add((start, current))
        return sorted(found)
    for number, positions in enumerate(parts):
        others = [other for n, other in enumerate(parts) if n != number]
        for start in positions:
            last = start
            for other in others:
                at = bisect_right(other, start)
                if at == len(other):
                    last = None
                    break
                last = max(last, other[at])
            if last is not None and last - start <= span:
                found.add((start, last))
    return sorted(found)
