"""The timeline of a search: its matches counted by date, in years, months or days.

Built from the engine's date counts (`QueryRunner.date_counts`: matched documents per
indexed date, one bincount per segment, like the facets), so it costs no pass over
documents: this module only groups a few thousand distinct dates at most.

The granularity follows the range of the dates: days when the dated matches span at
most MAX_DAY_BARS days, else months when they span at most MAX_MONTH_BARS months, else
years; and never one so fine that it leaves most of them out. Documents are dated as
their files (or the user) said, often to a month or a year only; a document dated less
precisely than the bars (a year alone on a timeline of months) is counted apart as
`coarse`, and one with no date as `undated`: neither is spread over bars it may not
belong to. The bars' filter (`range_filter`) is a date range of the query language,
whose rule (a month alone is inside a range that covers all of it) counts as the bars
count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from archive_app.core.text.dates import date_parts, last_day

YEAR, MONTH, DAY = "year", "month", "day"
GRANULARITIES = (YEAR, MONTH, DAY)
MAX_DAY_BARS = 92
"""Days shown one bar each when the dated matches span at most this many (a quarter)."""
MAX_MONTH_BARS = 72
"""Months shown one bar each when the dates span at most this many (six years)."""
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
               "Nov", "Dec")
_PRECISION = {YEAR: 1, MONTH: 2, DAY: 3}
_WIDTH = {YEAR: 4, MONTH: 7, DAY: 10}


@dataclass(frozen=True)
class Bucket:
    """One bar: its first and last day (ISO, inclusive), its label and its count."""

    start: str
    end: str
    label: str
    count: int

    def as_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "label": self.label,
                "count": self.count}


@dataclass(frozen=True)
class Timeline:
    """The matches of a search by date (module docstring)."""

    granularity: str
    """'year', 'month' or 'day'; '' when no match is dated."""
    buckets: tuple[Bucket, ...] = ()
    """Every bar from the first dated match to the last, empty ones included."""
    undated: int = 0
    coarse: int = 0
    """Dated matches less precise than the bars (only a year on a timeline of months)."""
    total: int = 0
    """Every match: the bars, `coarse` and `undated` together."""

    @property
    def dated(self) -> int:
        return sum(bucket.count for bucket in self.buckets)

    @property
    def peak(self) -> int:
        return max((bucket.count for bucket in self.buckets), default=0)

    def span_label(self) -> str:
        """'1948–2022 by year' (or '' when nothing is dated)."""
        if not self.buckets:
            return ""
        first, last = self.buckets[0].label, self.buckets[-1].label
        span = first if first == last else f"{first} – {last}"
        return f"{span} by {self.granularity}"

    def apart_label(self) -> str:
        """What the bars leave out: '3 undated · 2 dated only to the year'."""
        parts = []
        if self.coarse:
            rough = "year" if self.granularity == MONTH else "month or year"
            parts.append(f"{self.coarse:,} dated only to the {rough}")
        if self.undated:
            parts.append(f"{self.undated:,} undated")
        return " · ".join(parts)

    def range_filter(self, first: int, last: int) -> tuple[str, str]:
        """(the query clause keeping bars `first`..`last`, a chip label for it), e.g.
        ('date:[2013-03 TO 2013-05]', 'Dates: Mar 2013 – May 2013')."""
        if not self.buckets:
            raise ValueError("a timeline with no dated match has no range to filter by")
        first, last = sorted((first, last))
        first = max(0, min(first, len(self.buckets) - 1))
        last = max(0, min(last, len(self.buckets) - 1))
        width = _WIDTH[self.granularity]
        low = self.buckets[first].start[:width]
        high = self.buckets[last].start[:width]
        if low == high:
            return f"date:{low}", f"Date: {self.buckets[first].label}"
        return (f"date:[{low} TO {high}]",
                f"Dates: {self.buckets[first].label} – {self.buckets[last].label}")

    def as_dict(self) -> dict:
        return {"granularity": self.granularity, "total": self.total,
                "undated": self.undated, "coarse": self.coarse,
                "buckets": [bucket.as_dict() for bucket in self.buckets]}


def build_timeline(counts: Mapping[str, int]) -> Timeline:
    """The timeline of date counts ({indexed date: documents}, '' or anything that is
    not an ISO date for the undated)."""
    dated: list[tuple[tuple[int, int | None, int | None], int]] = []
    undated = 0
    for text, count in counts.items():
        parts = date_parts(text)
        if parts is None:
            undated += count
        elif count > 0:
            dated.append((parts, count))
    total = undated + sum(count for _, count in dated)
    if not dated:
        return Timeline("", (), undated, 0, total)
    granularity = choose_granularity(dated)
    return _bucketed(dated, granularity, undated, total)


def choose_granularity(dated: list[tuple[tuple[int, int | None, int | None], int]]) -> str:
    """Days, else months, else years: the finest whose bars over the dates precise
    enough for it are few enough (MAX_DAY_BARS, MAX_MONTH_BARS) and that places at
    least half of the dated documents."""
    everything = sum(count for _, count in dated)
    for granularity, most in ((DAY, MAX_DAY_BARS), (MONTH, MAX_MONTH_BARS)):
        placed = [(parts, count) for parts, count in dated
                  if _precision(parts) >= _PRECISION[granularity]]
        if 2 * sum(count for _, count in placed) < everything:
            continue
        firsts = [_bar_of(parts, granularity) for parts, _ in placed]
        if _bars_between(min(firsts), max(firsts), granularity) <= most:
            return granularity
    return YEAR


def _bucketed(dated, granularity: str, undated: int, total: int) -> Timeline:
    counts: dict[tuple[int, int, int], int] = {}
    coarse = 0
    for parts, count in dated:
        if _precision(parts) < _PRECISION[granularity]:
            coarse += count
            continue
        bar = _bar_of(parts, granularity)
        counts[bar] = counts.get(bar, 0) + count
    first, last = min(counts), max(counts)
    buckets = []
    bar = first
    while bar <= last:
        buckets.append(_bucket(bar, granularity, counts.get(bar, 0)))
        bar = _next_bar(bar, granularity)
    return Timeline(granularity, tuple(buckets), undated, coarse, total)


def _precision(parts: tuple[int, int | None, int | None]) -> int:
    return 1 + (parts[1] is not None) + (parts[2] is not None)


def _bar_of(parts, granularity: str) -> tuple[int, int, int]:
    """The (year, month, day) the bar holding `parts` starts on."""
    year, month, day = parts
    if granularity == YEAR:
        return year, 1, 1
    if granularity == MONTH:
        return year, month, 1
    return year, month, day


def _next_bar(bar: tuple[int, int, int], granularity: str) -> tuple[int, int, int]:
    year, month, day = bar
    if granularity == YEAR:
        return year + 1, 1, 1
    if granularity == MONTH:
        return (year + 1, 1, 1) if month == 12 else (year, month + 1, 1)
    following = date(year, month, day) + timedelta(days=1)
    return following.year, following.month, following.day


def _bars_between(first: tuple[int, int, int], last: tuple[int, int, int],
                  granularity: str) -> int:
    if granularity == YEAR:
        return last[0] - first[0] + 1
    if granularity == MONTH:
        return (last[0] - first[0]) * 12 + last[1] - first[1] + 1
    return (date(*last) - date(*first)).days + 1


def _bucket(bar: tuple[int, int, int], granularity: str, count: int) -> Bucket:
    year, month, day = bar
    if granularity == YEAR:
        return Bucket(f"{year:04d}-01-01", f"{year:04d}-12-31", f"{year:04d}", count)
    if granularity == MONTH:
        start = f"{year:04d}-{month:02d}"
        return Bucket(f"{start}-01", f"{start}-{last_day(year, month):02d}",
                      f"{MONTH_NAMES[month - 1]} {year:04d}", count)
    start = f"{year:04d}-{month:02d}-{day:02d}"
    return Bucket(start, start, f"{day} {MONTH_NAMES[month - 1]} {year:04d}", count)
