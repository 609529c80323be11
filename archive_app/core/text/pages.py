"""Which page of a document a text offset is on, from its page start offsets.

A document with pages (PDF, slides) keeps `page_starts`: the offset in its stored text
at which each page begins, the first normally 0.
"""

from __future__ import annotations

import bisect


def page_of(page_starts: list[int], offset: int) -> int | None:
    """The 1-based page `offset` is on; an offset before the first start counts as page 1,
    one after the last start is on the last page; None for a document without pages."""
    if not page_starts:
        return None
    return max(1, bisect.bisect_right(page_starts, offset))


def page_label(page_starts: list[int], offset: int) -> str | None:
    """'page 12 of 300' for the page `offset` is on, or None without pages."""
    page = page_of(page_starts, offset)
    if page is None:
        return None
    return f"page {page} of {len(page_starts)}"
