"""Snippets: short stretches of a document around its first hits, with the hits marked.

Only the start of a long text is scanned when it holds enough hits, so a result list of
long documents does not tokenise every one of them whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive_app.core.search.hit_spans import HitMatcher
from archive_app.core.text.pages import page_of

SNIPPET_CHARS = 220
SNIPPETS_PER_HIT = 2
SNIPPET_SCAN_CHARS = 4000


@dataclass
class Snippet:
    """A stretch of a document's text; `highlights` are spans into `text`."""

    text: str
    highlights: list[tuple[int, int]]
    start: int = 0
    """Where the snippet begins in the document's text."""
    page: int | None = None
    """The 1-based page of its first hit (of its start, without hits), for a document
    with pages (PDF, scans, slides)."""


def leading_spans(matcher: HitMatcher, text: str) -> list[tuple[int, int]]:
    """Hit spans enough for the snippets: the start of the text first, all of it if needed.

    Snippets show the first hits, so tokenising a whole long document per result is
    wasted work; the cut is at a space so no word is split.
    """
    if len(text) > SNIPPET_SCAN_CHARS * 2:
        cut = text.rfind(" ", 0, SNIPPET_SCAN_CHARS)
        if cut > 0:
            spans = matcher.spans(text[:cut])
            if len(spans) >= SNIPPETS_PER_HIT * 2:
                return spans
    return matcher.spans(text)


def make_snippets(text: str, spans: list[tuple[int, int]],
                  count: int = SNIPPETS_PER_HIT, width: int = SNIPPET_CHARS,
                  page_starts: list[int] | None = None) -> list[Snippet]:
    """Up to `count` windows of about `width` characters around the densest hits, each
    with the page it is on when the document has pages."""
    if not spans:
        return [Snippet(_clip(text, 0, width)[0], [], 0, page_of(page_starts or [], 0))
                ] if text else []
    windows: list[tuple[int, int]] = []
    for start, _ in spans:
        if len(windows) >= count:
            break
        if windows and start < windows[-1][1]:
            continue
        begin = max(0, start - width // 3)
        windows.append((begin, begin + width))
    snippets = []
    for begin, end in windows:
        snippet_text, shift = _clip(text, begin, end - begin)
        stop = shift + len(snippet_text)
        highlights = [(max(s, shift) - shift, min(e, stop) - shift) for s, e in spans
                      if s < stop and e > shift]
        kept = [(a, b) for a, b in highlights if a < b]
        where = shift + kept[0][0] if kept else shift  # the page of its first hit
        snippets.append(Snippet(snippet_text, kept, shift, page_of(page_starts or [], where)))
    return snippets


def _clip(text: str, begin: int, width: int) -> tuple[str, int]:
    """A window of text moved to word boundaries, newlines flattened to spaces."""
    end = min(len(text), begin + width)
    if begin > 0:
        space = text.rfind(" ", max(0, begin - 20), begin)
        begin = space + 1 if space >= 0 else begin
    if end < len(text):
        space = text.find(" ", end, end + 20)
        end = space if space >= 0 else end
    return text[begin:end].replace("\n", " "), begin
