"""Group excerpts by tag, by document or not at all, in a stable order."""

from __future__ import annotations

from archive_app.core.export.model import Excerpt, ExportError

UNTAGGED = "Untagged"

Group = tuple[str, list[Excerpt]]
"""A heading ('' when there is none) and its excerpts."""


def group_excerpts(excerpts: list[Excerpt], grouping: str) -> list[Group]:
    """Groups to render; an excerpt with two tags appears under each of them."""
    if grouping == "none":
        return [("", list(excerpts))] if excerpts else []
    if grouping == "document":
        return _by_document(excerpts)
    if grouping == "tag":
        return _by_tag(excerpts)
    raise ExportError(f"unknown grouping '{grouping}' (use tag, document or none)")


def _by_document(excerpts: list[Excerpt]) -> list[Group]:
    groups: dict[str, list[Excerpt]] = {}
    for excerpt in excerpts:
        groups.setdefault(excerpt.doc, []).append(excerpt)
    return [(_document_label(items[0]), items) for items in groups.values()]


def _document_label(excerpt: Excerpt) -> str:
    return excerpt.title or excerpt.doc


def _by_tag(excerpts: list[Excerpt]) -> list[Group]:
    groups: dict[str, list[Excerpt]] = {}
    untagged: list[Excerpt] = []
    for excerpt in excerpts:
        if not excerpt.tags:
            untagged.append(excerpt)
        for tag in dict.fromkeys(excerpt.tags):
            groups.setdefault(tag, []).append(excerpt)
    ordered = [(tag, groups[tag]) for tag in sorted(groups, key=lambda t: (t.casefold(), t))]
    return ordered + ([(UNTAGGED, untagged)] if untagged else [])


def entry_count(excerpts: list[Excerpt], grouping: str) -> int:
    """How many excerpt entries the grouped rendering writes (for progress)."""
    return sum(len(items) for _, items in group_excerpts(excerpts, grouping))
