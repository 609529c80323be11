"""A search's timeline as a chart for a report: SVG written by hand, PNG drawn by Pillow.

One layout (`chart_layout`: where each bar, tick and line of text goes) is drawn by
both writers, so the SVG and the PNG show the same chart. The SVG is text we write
ourselves: every piece of text is XML-escaped and cleaned of what XML 1.0 cannot hold
(the query is the user's, a label may come from anything), it names no font file, no
image and no URL, and each bar carries its count as a `<title>` (a tooltip in a
browser). The PNG is drawn with Pillow, which the importers already use: core may not
import Qt (the CLI writes charts without it), and Pillow draws text with its own
built-in font, which a hand-made zlib + struct writer could not without shipping a
font. That font covers Latin script only, so a query in another script is left out of
the PNG's title (the SVG keeps it; its viewer has the fonts).
"""

from __future__ import annotations

import io
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from archive_app.core.atomic_files import write_atomically
from archive_app.core.export import check_target
from archive_app.core.export.model import ExportError
from archive_app.core.search.timeline import DAY, MONTH, YEAR, Timeline

WIDTH, HEIGHT = 800, 280
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 48, 16, 36, 56
MAX_TICKS = 10
MAX_BAR = 48.0
"""The widest a bar is drawn (a few bars would otherwise fill the chart as slabs)."""
BAR, BAR_EMPTY, AXIS, TEXT, MUTED = "#3b6ea8", "#dfe6ee", "#8a8f98", "#1f2328", "#59606a"
FONT_SIZE = 12
TITLE_SIZE = 14
MAX_TITLE = 120
"""Characters of the query shown as the chart's title (a longer one is cut with …)."""
CHART_KINDS = ("svg", "png")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
                      "\ud800-\udfff\ufffe\uffff]")
"""What XML 1.0 cannot hold, and the bidi embeddings and overrides that could make a
title read otherwise than it is."""


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    count: int


@dataclass(frozen=True)
class ChartLayout:
    """Everything the writers draw, in pixels from the top left."""

    width: int
    height: int
    title: str
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[float, str], ...]
    """(x of the tick, its label) under the axis."""
    baseline: float
    top: float
    peak: int
    caption: str
    left: float
    slot: float
    """Each bar's share of the width: bar n is centred in [left + n·slot, left + (n+1)·slot)."""

    def bar_at(self, x: float) -> int | None:
        """The bar under `x` (its whole slot, gaps included), None outside them."""
        if not self.bars or self.slot <= 0:
            return None
        n = int((x - self.left) // self.slot)
        return n if 0 <= n < len(self.bars) else None


def chart_layout(timeline: Timeline, title: str = "", width: int = WIDTH,
                 height: int = HEIGHT,
                 margins: tuple[float, float, float, float] = (
                     MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM),
                 font_size: float = FONT_SIZE) -> ChartLayout:
    """Bars over the plot area (a bar at least 1 px wide, with a gap when there is room),
    at most MAX_TICKS labels on round values, and a caption with what the bars leave out.
    The window's timeline strip draws the same layout at its own size and margins
    (left, right, top, bottom)."""
    left, right = margins[0], width - margins[1]
    top, baseline = margins[2], height - margins[3]
    count = len(timeline.buckets)
    peak = timeline.peak
    slot = (right - left) / count if count else 0.0
    gap = min(2.0, slot * 0.2) if slot >= 3 else 0.0
    wide = min(MAX_BAR, max(1.0, slot - gap))
    bars = []
    for n, bucket in enumerate(timeline.buckets):
        tall = (baseline - top) * bucket.count / peak if peak else 0.0
        bars.append(Bar(left + (n + 0.5) * slot - wide / 2, baseline - tall, wide, tall,
                        bucket.label, bucket.count))
    longest = max((len(bucket.label) for bucket in timeline.buckets), default=1)
    room = max(1, int((right - left) // (longest * font_size * 0.6 + 16)))
    ticks = tuple((left + (n + 0.5) * slot, timeline.buckets[n].label)
                  for n in _tick_indices(timeline, min(MAX_TICKS, room)))
    return ChartLayout(width, height, _clean(title, MAX_TITLE), tuple(bars), ticks,
                       baseline, top, peak, _caption(timeline), left, slot)


def timeline_svg(timeline: Timeline, title: str = "", width: int = WIDTH,
                 height: int = HEIGHT) -> str:
    """The chart as a standalone SVG document (UTF-8 text)."""
    layout = chart_layout(timeline, title, width, height)
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n'
           f'<svg xmlns="http://www.w3.org/2000/svg" width="{layout.width}" '
           f'height="{layout.height}" viewBox="0 0 {layout.width} {layout.height}" '
           f'font-family="sans-serif" font-size="{FONT_SIZE}">',
           f"<title>{_xml(layout.title or 'Timeline')}</title>",
           f'<rect width="{layout.width}" height="{layout.height}" fill="#ffffff"/>']
    if layout.title:
        out.append(f'<text x="{MARGIN_LEFT}" y="{MARGIN_TOP - 14}" font-size="{TITLE_SIZE}" '
                   f'fill="{TEXT}">{_xml(layout.title)}</text>')
    for bar in layout.bars:
        noun = "document" if bar.count == 1 else "documents"
        fill = BAR if bar.count else BAR_EMPTY
        shown = max(bar.height, 1.0)  # an empty bar is a faint line on the axis
        out.append(f'<rect x="{bar.x:.2f}" y="{layout.baseline - shown:.2f}" '
                   f'width="{bar.width:.2f}" height="{shown:.2f}" fill="{fill}">'
                   f"<title>{_xml(bar.label)}: {bar.count:,} {noun}</title></rect>")
    right = layout.width - MARGIN_RIGHT
    out.append(f'<line x1="{MARGIN_LEFT}" y1="{layout.baseline:.2f}" x2="{right}" '
               f'y2="{layout.baseline:.2f}" stroke="{AXIS}"/>')
    if layout.peak:
        out.append(f'<text x="{MARGIN_LEFT - 6}" y="{layout.top + 4:.2f}" text-anchor="end" '
                   f'fill="{MUTED}">{layout.peak:,}</text>')
        out.append(f'<text x="{MARGIN_LEFT - 6}" y="{layout.baseline + 4:.2f}" '
                   f'text-anchor="end" fill="{MUTED}">0</text>')
    for x, label in layout.ticks:
        out.append(f'<line x1="{x:.2f}" y1="{layout.baseline:.2f}" x2="{x:.2f}" '
                   f'y2="{layout.baseline + 4:.2f}" stroke="{AXIS}"/>')
        out.append(f'<text x="{x:.2f}" y="{layout.baseline + 18:.2f}" text-anchor="middle" '
                   f'fill="{TEXT}">{_xml(label)}</text>')
    out.append(f'<text x="{MARGIN_LEFT}" y="{layout.height - 12}" fill="{MUTED}">'
               f"{_xml(layout.caption)}</text>")
    out.append("</svg>\n")
    return "\n".join(out)


def timeline_png(timeline: Timeline, title: str = "", width: int = WIDTH,
                 height: int = HEIGHT, scale: int = 2) -> bytes:
    """The same chart as a PNG, drawn at `scale` times the size (sharp in a document)."""
    from PIL import Image, ImageDraw, ImageFont

    layout = chart_layout(timeline, title, width, height)
    image = Image.new("RGB", (layout.width * scale, layout.height * scale), "#ffffff")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=FONT_SIZE * scale)
    big = ImageFont.load_default(size=TITLE_SIZE * scale)

    def box(x0: float, y0: float, x1: float, y1: float, fill: str) -> None:
        draw.rectangle([round(x0 * scale), round(y0 * scale),
                        max(round(x0 * scale), round(x1 * scale) - 1),
                        max(round(y0 * scale), round(y1 * scale) - 1)], fill=fill)

    def text(x: float, y: float, what: str, anchor: str, face, fill: str) -> None:
        draw.text((x * scale, y * scale), what.translate(_PLAIN_PUNCTUATION), font=face,
                  fill=fill, anchor=anchor)

    if layout.title and _latin(layout.title.translate(_PLAIN_PUNCTUATION)):
        text(MARGIN_LEFT, MARGIN_TOP - 14, layout.title, "ls", big, TEXT)
    for bar in layout.bars:
        shown = max(bar.height, 1.0)
        box(bar.x, layout.baseline - shown, bar.x + bar.width, layout.baseline,
            BAR if bar.count else BAR_EMPTY)
    box(MARGIN_LEFT, layout.baseline, layout.width - MARGIN_RIGHT, layout.baseline + 1, AXIS)
    if layout.peak:
        text(MARGIN_LEFT - 6, layout.top + 4, f"{layout.peak:,}", "rs", font, MUTED)
        text(MARGIN_LEFT - 6, layout.baseline + 4, "0", "rs", font, MUTED)
    for x, label in layout.ticks:
        box(x, layout.baseline, x + 1, layout.baseline + 4, AXIS)
        text(x, layout.baseline + 18, label, "ms", font, TEXT)
    text(MARGIN_LEFT, layout.height - 12, layout.caption, "ls", font, MUTED)
    stream = io.BytesIO()
    image.save(stream, "PNG", optimize=True)
    return stream.getvalue()


def write_timeline_chart(timeline: Timeline, path: str | os.PathLike, kind: str | None = None,
                         title: str = "", overwrite: bool = False) -> Path:
    """Write the chart to `path` atomically, as `kind` ('svg' or 'png'; by default the
    file's suffix). An existing file is replaced only with `overwrite`."""
    target = Path(path)
    kind = (kind or target.suffix.lstrip(".")).lower()
    if kind not in CHART_KINDS:
        raise ExportError(f"a timeline chart is written as SVG or PNG, not '{kind}'")
    check_target(target, overwrite)
    data = (timeline_svg(timeline, title).encode("utf-8") if kind == "svg"
            else timeline_png(timeline, title))
    try:
        write_atomically(target, data, lambda: check_target(target, overwrite))
    except OSError as error:
        raise ExportError(f"cannot write {target}: {error.strerror or error}") from error
    return target


def _tick_indices(timeline: Timeline, most: int) -> list[int]:
    """Which bars get a label: round years (1950, 1960), Januaries or every Nth month,
    every Nth day; at most `most`, the first bar's when that gives none."""
    buckets = timeline.buckets
    if not buckets:
        return []
    steps = {YEAR: (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000),
             MONTH: (1, 2, 3, 6, 12, 24, 36, 60),
             DAY: (1, 2, 7, 14, 28)}[timeline.granularity]
    step = next((s for s in steps if math.ceil(len(buckets) / s) <= most), steps[-1])

    def place(n: int) -> int:
        start = buckets[n].start
        if timeline.granularity == YEAR:
            return int(start[:4])
        if timeline.granularity == MONTH:
            return int(start[:4]) * 12 + int(start[5:7]) - 1
        return n

    chosen = [n for n in range(len(buckets)) if place(n) % step == 0]
    return chosen[:most] or [0]


def _caption(timeline: Timeline) -> str:
    noun = "document" if timeline.total == 1 else "documents"
    parts = [f"{timeline.total:,} {noun}"]
    if timeline.span_label():
        parts.append(timeline.span_label())
    if timeline.apart_label():
        parts.append(timeline.apart_label())
    return " · ".join(parts)


def _clean(text: str, most: int) -> str:
    """One line of text any XML can hold: controls and line breaks as spaces, cut."""
    text = " ".join(_NOT_XML.sub(" ", text).split())
    return text if len(text) <= most else text[:most - 1] + "…"


def _xml(text: str) -> str:
    text = _NOT_XML.sub(" ", text)
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


_PLAIN_PUNCTUATION = str.maketrans({"–": "-", "—": "-", "…": "...", "“": '"', "”": '"',
                                    "‘": "'", "’": "'", "\u200c": None, "\u200d": None})
"""Pillow's built-in font has no dashes, ellipsis or curly quotes: their plain forms."""


def _latin(text: str) -> bool:
    """Whether Pillow's built-in font has every character (Latin script)."""
    return all(ord(ch) < 0x250 for ch in text)
