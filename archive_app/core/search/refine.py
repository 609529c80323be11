"""Narrowing a query by facet values and finding plain text in a document (shared by the faces).

A facet value becomes a field filter in the query language (``source:"UN News"``,
``date:2013``, ``format:pdf``, ``tag:x``) so what the user sees as a chip is also a query
they could type. Find-in-document is a case-insensitive literal search whose spans are
offsets into the same normalised text the hit spans use.
"""

from __future__ import annotations

import re

from archive_app.core.search.query import parse_query

FACET_FIELDS = {"source": "source", "year": "date", "format": "format", "tag": "tag",
                "sender": "from", "entity": "entity", "email": "email", "phone": "phone",
                "link": "link", "iban": "iban", "mentioned": "mentioned"}
"""Facet name (as in SearchResults.facets) -> the query field that filters by it."""

_PLAIN_VALUE = re.compile(r"^[\w.-]+$")


def facet_filter(facet: str, value: str) -> str:
    """The query clause that keeps only documents whose `facet` is `value`."""
    field = FACET_FIELDS.get(facet, facet)
    value = " ".join(value.replace('"', " ").split())
    if facet == "year" or _PLAIN_VALUE.match(value):
        return f"{field}:{value}"
    return f'{field}:"{value}"'


def within_filter(query: str) -> str:
    """The clause that keeps only what `query` finds: "search within these results".

    The earlier query, bracketed, becomes a filter like a facet's, so the next query is
    ANDed with it and the chip shows what narrows the list; raises QueryError if the
    earlier query cannot be read (nothing to search within)."""
    query = query.strip()
    parse_query(query)
    return f"({query})"


def split_within(filters: list[str]) -> tuple[list[str], list[str]]:
    """(the facet clauses, the earlier queries of `within_filter` chips, unbracketed).

    A facet clause is always `field:value`; only a within chip is bracketed. The
    earlier queries narrow the search without being marked (`Library.search(within=)`).
    """
    facets = [clause for clause in filters if not _is_within(clause)]
    within = [clause[1:-1] for clause in filters if _is_within(clause)]
    return facets, within


def _is_within(clause: str) -> bool:
    return clause.startswith("(") and clause.endswith(")")


def within_label(query: str, width: int = 40) -> str:
    """A chip's label for a `within_filter`: 'Within: camp ashraf', long queries cut."""
    query = " ".join(query.split())
    shown = query if len(query) <= width else query[:width - 1] + "…"
    return f"Within: {shown}"


def combine(query: str, filters: list[str]) -> tuple[str, int]:
    """The user's query ANDed with filter clauses, and where the user's text starts in it.

    The user's part is bracketed when there are filters so that `a OR b` stays one
    alternative; the returned offset lets an error position point back into what they typed.
    """
    query = query.strip()
    if not filters:
        return query, 0
    clauses = " ".join(filters)
    if not query:
        return clauses, 0
    return f"({query}) {clauses}", 1


def user_part(combined: str, query: str, filters: list[str]) -> str:
    """Undo `combine` on a text derived from it (e.g. a 'did you mean' suggestion)."""
    if not filters or not query.strip():
        return combined
    suffix = ") " + " ".join(filters)
    if combined.startswith("(") and combined.endswith(suffix):
        return combined[1:-len(suffix)]
    return combined


def find_all(text: str, needle: str) -> list[tuple[int, int]]:
    """Every case-insensitive occurrence of `needle` in `text` as (start, end) offsets."""
    if not needle:
        return []
    pattern = re.compile(re.escape(needle), re.IGNORECASE)
    return [(match.start(), match.end()) for match in pattern.finditer(text)]
