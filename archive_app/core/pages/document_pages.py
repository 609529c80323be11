"""One document's pages for the page view: rendering, and hits and selections on them.

The page view draws each hit and annotation where it lies on the rendered page, and a
selection dragged across words on the page must give the same offsets as the same words
selected in the text view (so the annotation, its quote and its anchors are the same).
Both go through a page's `CharTable` (boxes.py): the box of each character of our
stored page text. A table is derived data, cached in the index folder (`pages/`), keyed
by the file's identity; deleting it costs a rebuild on the next view, never anything
the user made.

Offsets here are Python offsets into the document's stored text, like every offset in
core; pages are 0-based.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from archive_app.core.indexing.model import DocumentView
from archive_app.core.pages import boxes
from archive_app.core.pages.renderer import PAGE_FORMATS, PageImage, PageProblem, PageRenderer

REGION_PICTURE_PIXELS = 1200
"""The longer side of a region annotation's picture in exports."""
MAX_PICTURE_SCALE = 4.0
"""A small region is rendered at most 4x (288 dpi for a PDF), not blown up to 1200 px."""
MAX_CACHED_TABLES = 64
"""Tables kept in memory per document (a 20,000-character page is 320 KB)."""


@dataclass(frozen=True)
class PageBox:
    """Where one of the spans asked about lies on a page (one box per line it covers)."""

    span: int
    """The span's index in the list given to `DocumentPages.boxes`."""
    rect: boxes.Rect


class DocumentPages:
    """The pages of one document (a PDF, a scan, an image) that the renderer can show."""

    def __init__(self, renderer: PageRenderer, view: DocumentView, path: Path,
                 cache_dir: Path, ocr_page=None):
        """`ocr_page(page) -> OcrPage | None` gives an OCR'd page's words (ocr.py), so
        a scan's hits are boxed from Tesseract's word boxes."""
        self.renderer = renderer
        self.view = view
        self.path = path
        self.kind = "pdf" if view.format == "pdf" else "image"
        self.cache_dir = cache_dir
        self.ocr_page = ocr_page
        self._tables: dict[int, boxes.CharTable | None] = {}
        self._lock = threading.Lock()
        self._count: int | None = None
        self._sizes: dict[int, tuple[float, float]] = {}
        stat = path.stat()
        self._identity = f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}"

    # -- pages ---------------------------------------------------------------------------
    @property
    def page_count(self) -> int:
        if self._count is None:
            self._count = self.renderer.page_count(self.path, self.kind)
        return self._count

    def page_of(self, offset: int) -> int:
        """The 0-based page an offset of the stored text is on."""
        starts = self.view.page_starts
        if not starts:
            return 0
        return min(max(0, bisect.bisect_right(starts, offset) - 1), self.page_count - 1)

    def page_range(self, page: int) -> tuple[int, int]:
        """The stored text's offsets of a page: [start, end)."""
        starts = self.view.page_starts or [0]
        if page >= len(starts):
            return len(self.view.text), len(self.view.text)
        end = starts[page + 1] if page + 1 < len(starts) else len(self.view.text)
        return starts[page], end

    def page_size(self, page: int) -> tuple[float, float]:
        """The page's size in its own units (asked of the renderer once per page)."""
        if page not in self._sizes:
            self._sizes[page] = self.renderer.page_size(self.path, self.kind, page)
        return self._sizes[page]

    def known_size(self, page: int) -> tuple[float, float] | None:
        """The page's size if it is known already: the UI thread asks this, never the
        renderer, which may be busy for seconds with another page."""
        return self._sizes.get(page)

    def render(self, page: int, scale: float) -> PageImage:
        image = self.renderer.render(self.path, self.kind, page, scale)
        self._sizes[page] = (image.page_width, image.page_height)
        return image

    def picture(self, page: int, rectangle: tuple[float, float, float, float],
                longest: int = REGION_PICTURE_PIXELS) -> bytes:
        """A PNG of a part of a page (left, top, width, height in page units), at most
        `longest` pixels on its longer side: a region annotation's picture for exports.
        PageProblem when the page cannot be rendered."""
        import io

        from PIL import Image

        left, top, width, height = rectangle
        scale = min(MAX_PICTURE_SCALE, longest / max(width, height, 1.0))
        image = self.render(page, scale)
        across = image.width / image.page_width
        down = image.height / image.page_height
        whole = Image.frombuffer("RGB", (image.width, image.height), image.data, "raw",
                                 "RGB", image.stride, 1)
        box = (max(0, round(left * across)), max(0, round(top * down)),
               min(image.width, round((left + width) * across)),
               min(image.height, round((top + height) * down)))
        if box[2] <= box[0] or box[3] <= box[1]:
            raise PageProblem("the region is not on the page")
        buffer = io.BytesIO()
        whole.crop(box).save(buffer, format="PNG")
        return buffer.getvalue()

    # -- where text lies ---------------------------------------------------------------
    def boxes(self, page: int, spans: list[tuple[int, int]]) -> list[PageBox]:
        """The boxes on `page` of every span (document offsets) that reaches it."""
        table = self.table(page)
        if table is None:
            return []
        first, last = self.page_range(page)
        found = []
        for number, (start, end) in enumerate(spans):
            if end <= first or start >= last:
                continue
            for rect in boxes.span_rects(table, max(start, first) - first,
                                         min(end, last) - first):
                found.append(PageBox(number, rect))
        return found

    def offsets_in(self, page: int, rect: boxes.Rect) -> tuple[int, int] | None:
        """The document offsets of the characters a rectangle dragged on the page
        covers, or None where it covers no text (a region annotation, then)."""
        table = self.table(page)
        if table is None:
            return None
        found = boxes.offsets_in(table, rect)
        if found is None:
            return None
        first, _ = self.page_range(page)
        return found[0] + first, found[1] + first

    def table(self, page: int) -> boxes.CharTable | None:
        """The page's character table: from memory, the disk cache, or built (None: the
        page has no text to box, or its text layer could not be read)."""
        with self._lock:
            if page in self._tables:
                return self._tables[page]
        table = self._cached(page)
        if table is not None and not table.fits(self._page_text(page)):
            table = None  # made for the text an older importer stored: built again
        if table is None:
            table = self._build(page)
            if table is not None:
                self._store(page, table)
        with self._lock:
            if len(self._tables) >= MAX_CACHED_TABLES:
                self._tables.clear()
            self._tables[page] = table
        return table

    def _page_text(self, page: int) -> str:
        first, last = self.page_range(page)
        return self.view.text[first:last]

    def _build(self, page: int) -> boxes.CharTable | None:
        ours = self._page_text(page)
        if not ours.strip():
            return None
        ocr = self.ocr_page(page) if self.ocr_page is not None else None
        if ocr is not None and ocr.words:
            return boxes.table_from_words(ours, ocr)
        if self.kind != "pdf":
            return None
        try:
            theirs = self.renderer.page_text(self.path, page)
        except PageProblem:
            return None
        return boxes.CharTable.from_page_text(ours, theirs)

    # -- the derived cache ---------------------------------------------------------------
    def _cache_file(self, page: int) -> Path:
        digest = hashlib.blake2b(f"{self._identity}\0{page}".encode("utf-8", "replace"),
                                 digest_size=16).hexdigest()
        return self.cache_dir / digest[:2] / f"{digest}.table"

    def _cached(self, page: int) -> boxes.CharTable | None:
        try:
            return boxes.CharTable.from_bytes(self._cache_file(page).read_bytes())
        except (OSError, ValueError):  # none yet, another version, or damaged: rebuilt
            return None

    def _store(self, page: int, table: boxes.CharTable) -> None:
        """Written atomically; a read-only or full disk only means no cache."""
        target = self._cache_file(page)
        with contextlib.suppress(OSError):
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(table.to_bytes())
            os.replace(temporary, target)


def has_pages(view: DocumentView) -> bool:
    """Whether a document has pages the page view can show: a PDF or an image file on
    disk (a member inside a container has no file of its own to render)."""
    return (view.format in PAGE_FORMATS and not view.parent
            and os.path.isfile(view.path))
