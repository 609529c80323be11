"""Choose what to export: excerpts from annotations, or the sentences around search hits."""

from __future__ import annotations

import bisect
import contextlib
import os
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from archive_app.core.annotations.records import WHOLE_DOCUMENT, Annotation
from archive_app.core.annotations.regions import Region
from archive_app.core.export.citation import format_citation
from archive_app.core.export.common import HASHED_NAME, cite
from archive_app.core.export.model import Excerpt
from archive_app.core.indexing.model import DocumentView
from archive_app.core.pages.renderer import PageProblem

if TYPE_CHECKING:
    from archive_app.core.library import Library

QUOTE_CONTEXT = 32
"""Characters of prefix and suffix a search-hit excerpt's quote selector carries."""

SENTENCE_REACH = 400
"""How far a sentence may extend on each side of a hit before it is cut at a space."""

CONTEXT_MARGIN = 64
"""Characters gathered beyond the context asked for, so that the export can tell where
a word the limit cuts ends (whole words are shown) and whether the text goes on."""

_TITLE_WORDS = 10

_BOUNDARY = re.compile(r"(?P<mark>[.!?…؟。]+[\"'”’»)\]]*)(?=\s)|\n[ \t]*\n")


def sentence_bounds(text: str, start: int, end: int,
                    reach: int = SENTENCE_REACH) -> tuple[int, int]:
    """The span of the sentence(s) containing text[start:end]: from just after the last
    sentence end (or blank line) before `start` to the sentence end after `end`."""
    low = max(0, start - reach)
    begin = low
    for match in _BOUNDARY.finditer(text, low, start):
        begin = match.end()
    if begin == low and low > 0:
        space = text.find(" ", low, start)
        begin = space + 1 if space >= 0 else low
    high = min(len(text), end + reach)
    match = _BOUNDARY.search(text, max(end - 1, start), high)
    if match:
        stop = match.end("mark") if match.group("mark") else match.start()
    elif high == len(text):
        stop = high
    else:
        space = text.rfind(" ", end, high)
        stop = space if space > end else high
    stop = max(stop, end)
    while begin < start and text[begin].isspace():
        begin += 1
    while stop > end and text[stop - 1].isspace():
        stop -= 1
    return begin, stop


class _Documents:
    """Each document read once, with its citation."""

    def __init__(self, library: Library):
        self.library = library
        self.views: dict[str, DocumentView | None] = {}

    def view(self, key: str) -> DocumentView | None:
        if key not in self.views:
            self.views[key] = self.library.document(key)
        return self.views[key]

    def excerpt(self, key: str, start: int, end: int, quote: str, context: int,
                text_ok: bool = True) -> Excerpt:
        view = self.view(key)
        if view is None:
            return Excerpt(doc=key, path=key, quote=quote, start=start, end=end,
                           citation=format_citation({}, key))
        meta = view.record_fields()
        meta["title"] = readable_title(view)
        excerpt = Excerpt(doc=key, path=view.path, quote=quote, start=start, end=end,
                          **meta)
        if text_ok:
            excerpt.pages = page_span(view.page_starts, start, end, view.format)
            if context > 0:
                reach = context + CONTEXT_MARGIN
                excerpt.context_before = view.text[max(0, start - reach):start]
                excerpt.context_after = view.text[end:end + reach]
        if view.url or view.format == "html":
            excerpt.accessed = saved_on(view.path)
        excerpt.citation = cite(excerpt)
        return excerpt

    def region_excerpt(self, annotation: Annotation) -> Excerpt:
        """A region annotation: its caption for a quote, its page, and the picture of
        that part of the page (none when the file cannot be rendered now: the caption
        still says where it is)."""
        page, region = annotation.page or 0, annotation.region
        view = self.view(annotation.doc)
        unit = "px" if view is not None and view.format != "pdf" else "pt"
        caption = region_caption(page, region, unit)
        excerpt = self.excerpt(annotation.doc, annotation.start, annotation.start, caption,
                               0, text_ok=False)
        excerpt.region, excerpt.pages = region, (page + 1, page + 1)
        excerpt.citation = cite(excerpt)
        pages = self.library.pages(annotation.doc, view) if view is not None else None
        if pages is not None and annotation.state != "orphaned":
            with contextlib.suppress(PageProblem, OSError):
                excerpt.picture = pages.picture(page, region.as_tuple())
        excerpt.tags, excerpt.note = list(annotation.tags), annotation.note
        excerpt.annotation_uuid = annotation.uuid
        excerpt.created, excerpt.modified = annotation.created, annotation.modified
        excerpt.creator = annotation.creator
        return excerpt


def region_caption(page: int, region: Region, unit: str) -> str:
    """What a region annotation exports as its quote: where it is on which page."""
    return (f"[Region on page {page + 1}: {region.width:.0f} × {region.height:.0f} {unit} "
            f"at {region.left:.0f}, {region.top:.0f} from the top left]")


def page_span(page_starts: list[int], start: int, end: int,
              fmt: str) -> tuple[int, int] | None:
    """The first and last page (1-based) text[start:end] is on, from the page start
    offsets the PDF importer keeps; None for other formats."""
    if fmt != "pdf" or not page_starts:
        return None
    first = bisect.bisect_right(page_starts, start)
    last = bisect.bisect_right(page_starts, max(start, end - 1))
    return max(1, first), max(1, last)


def readable_title(view: DocumentView) -> str:
    """The title, or for a file named by a hash ('000_2b7d332fd8f61003.txt') with no
    title of its own, the first words of its text, so a citation can be read."""
    stem = view.key.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if view.title and view.title != stem:
        return view.title
    if not HASHED_NAME.fullmatch(stem):
        return view.title or stem
    words = view.text.split()
    if not words:
        return view.title or stem
    first = " ".join(words[:_TITLE_WORDS])
    return first + ("…" if len(words) > _TITLE_WORDS else "")


def saved_on(path: str) -> str:
    """The day the file was saved (its modification date, UTC): when a web page was
    accessed, for an archived copy; '' when the file cannot be read."""
    try:
        stamp = os.stat(path).st_mtime
    except (OSError, ValueError):
        return ""
    return datetime.fromtimestamp(stamp, UTC).date().isoformat()


def excerpts_from_annotations(library: Library, annotations: Iterable[Annotation],
                              context_chars: int = 0) -> list[Excerpt]:
    """One excerpt per annotation, in the order given (orphaned ones keep their quote)."""
    documents = _Documents(library)
    excerpts = []
    for annotation in annotations:
        view = documents.view(annotation.doc)
        placed = (view is not None and annotation.state != "orphaned"
                  and view.text[annotation.start:annotation.end] == annotation.exact)
        if annotation.is_region:
            excerpts.append(documents.region_excerpt(annotation))
            continue
        if annotation.is_document:
            excerpt = documents.excerpt(annotation.doc, 0, 0, WHOLE_DOCUMENT, 0,
                                        text_ok=False)
            excerpt.whole_document = True
        else:
            excerpt = documents.excerpt(annotation.doc, annotation.start, annotation.end,
                                        annotation.exact, context_chars, text_ok=placed)
        excerpt.tags = list(annotation.tags)
        excerpt.note = annotation.note
        excerpt.prefix, excerpt.suffix = annotation.prefix, annotation.suffix
        excerpt.annotation_uuid = annotation.uuid
        excerpt.created, excerpt.modified = annotation.created, annotation.modified
        excerpt.creator = annotation.creator
        excerpts.append(excerpt)
    return excerpts


def excerpts_from_search(library: Library, query: str, keys: list[str] | None = None,
                         limit: int = 50, context_chars: int = 0,
                         per_document: int = 3) -> list[Excerpt]:
    """The sentences around the hits of `query` in `keys` (default: the best `limit`
    matching documents), at most `per_document` excerpts per document."""
    if keys is None:
        keys = [hit.key for hit in library.search(query, limit=limit).hits]
    documents = _Documents(library)
    excerpts: list[Excerpt] = []
    for key in keys[:limit]:
        view = documents.view(key)
        if view is None:
            continue
        for start, end in _hit_sentences(view.text, library.hit_spans(query, key),
                                         per_document):
            excerpt = documents.excerpt(key, start, end, view.text[start:end], context_chars)
            excerpt.prefix = view.text[max(0, start - QUOTE_CONTEXT):start]
            excerpt.suffix = view.text[end:end + QUOTE_CONTEXT]
            excerpts.append(excerpt)
    return excerpts


def _hit_sentences(text: str, spans: list[tuple[int, int]],
                   cap: int) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if found and start < found[-1][1]:
            continue
        found.append(sentence_bounds(text, start, end))
        if len(found) >= cap:
            break
    return found


def document_texts(library: Library, excerpts: Iterable[Excerpt]) -> dict[str, str]:
    """Key -> full normalised text of every document the excerpts come from (if indexed)."""
    texts = {}
    for key in dict.fromkeys(excerpt.doc for excerpt in excerpts):
        view = library.document(key)
        if view is not None:
            texts[key] = view.text
    return texts
