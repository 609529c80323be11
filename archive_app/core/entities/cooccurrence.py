"""Which entities appear together: an entity × entity table of documents in common, for
the results of a query (the engine counts it from the facet pairs, no text is read).

The table is square over the commonest entities (at most `most`); the diagonal is each
entity's own document count. It exports as CSV for a spreadsheet or a network tool.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass


@dataclass(frozen=True)
class CooccurrenceTable:
    query: str
    entities: list[tuple[str, int]]
    """(entity, documents naming it), commonest first."""
    together: dict[tuple[str, str], int]
    """(entity, entity) in name order -> documents naming both."""

    def count(self, first: str, second: str) -> int:
        if first == second:
            return dict(self.entities).get(first, 0)
        return self.together.get(tuple(sorted((first, second))), 0)

    def rows(self) -> list[list[int]]:
        names = [name for name, _ in self.entities]
        return [[self.count(a, b) for b in names] for a in names]

    def pairs(self) -> list[tuple[str, str, int]]:
        """Every pair with documents in common, most first."""
        return sorted(((a, b, n) for (a, b), n in self.together.items() if n),
                      key=lambda item: (-item[2], item[0], item[1]))

    def to_csv(self) -> str:
        names = [name for name, _ in self.entities]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["", *(_safe_cell(name) for name in names)])
        for name, row in zip(names, self.rows(), strict=True):
            writer.writerow([_safe_cell(name), *row])
        return buffer.getvalue()

    def as_dict(self) -> dict:
        return {"query": self.query,
                "entities": [{"entity": name, "docs": count} for name, count in self.entities],
                "pairs": [{"a": a, "b": b, "docs": n} for a, b, n in self.pairs()]}


def _safe_cell(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (=, +, -, @)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
