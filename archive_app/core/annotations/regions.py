"""Region annotations: a rectangle of a page where there is no text to select.

A stamp, a photograph, a signature or a handwritten margin note on a scan has no text
of ours to quote, so the page view lets the user drag a rectangle over it and tag that.
The rectangle is kept in the page's own units (PDF points from the page's top-left
corner; an image's pixels), which the page's rendering maps to the screen at any zoom
and which a W3C Media Fragment `xywh=` carries when exported (web_annotation.py).

In the store a region is an empty passage at its page's first offset with its page and
rectangle beside it, so listings sort it by page among the passages, and re-indexing
moves it with its page (`region_placement`), never by searching for text it lacks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from archive_app.core.annotations.anchoring import ANCHORED, ORPHANED, Placement

MIN_SIDE = 1.0
"""A region is at least this many page units wide and high (a click is not a region)."""


@dataclass(frozen=True)
class Region:
    """A rectangle on a page in the page's own units (PDF points from the top-left
    corner, an image's pixels): what a region annotation marks where no text is."""

    left: float
    top: float
    width: float
    height: float

    def stored(self) -> str:
        return ",".join(f"{value:.2f}".rstrip("0").rstrip(".") for value in self.as_tuple())

    def as_tuple(self) -> tuple[float, float, float, float]:
        return self.left, self.top, self.width, self.height

    @classmethod
    def parse(cls, text: str) -> Region:
        """"left,top,width,height"; ValueError (a sentence for the user) for anything
        else: four finite numbers, none negative, width and height above zero."""
        parts = text.split(",")
        try:
            values = [float(part) for part in parts]
        except ValueError:
            values = []
        if len(values) != 4 or not all(math.isfinite(v) and v >= 0 for v in values) \
                or values[2] <= 0 or values[3] <= 0:
            shown = text if len(text) <= 40 else text[:40] + "…"
            raise ValueError(f"{shown!r} is not a region: give left,top,width,height as "
                             "four numbers, width and height above 0")
        return cls(*values)


def clip_region(region: Region, page_width: float, page_height: float) -> Region:
    """The part of `region` on a page of that size; ValueError when none of it is."""
    left, top = max(0.0, region.left), max(0.0, region.top)
    right = min(page_width, region.left + region.width)
    bottom = min(page_height, region.top + region.height)
    if right - left < MIN_SIDE or bottom - top < MIN_SIDE:
        raise ValueError(f"the region {region.stored()} is not on the page "
                         f"({page_width:g} x {page_height:g})")
    return Region(left, top, right - left, bottom - top)


def region_placement(annotation, page_starts: list[int], text_length: int) -> Placement:
    """Where a region annotation lies in a document's new text: at its page's start,
    as long as the document still has that page (a region has no words to seek)."""
    page = annotation.page or 0
    pages = max(1, len(page_starts))
    if page >= pages:
        return Placement(annotation.start, annotation.start, ORPHANED, 0.0)
    start = page_starts[page] if page_starts else 0
    return Placement(min(start, text_length), min(start, text_length), ANCHORED)

