"""The timeline of a search: its matches counted by date, in years, months or days.

Built from the engine's date counts (`QueryRunner.date_counts`: matched documents per
indexed date, one bincount per segment, like the facets), so it costs no pass over
documents: this module reads the index's distinct dates once (a few thousand; the same
tuple for every query until the next commit) and groups their counts with array
operations, in Python only once per bar.

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
from datetime import date
from functools import lru_cache

import numpy as np

from archive_app.core.text.dates import last_day

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
    return timeline_of(tuple(counts), np.fromiter(counts.values(), np.int64, len(counts)))


def timeline_of(dates: tuple[str, ...], counts: np.ndarray) -> Timeline:
    """The timeline of the engine's date counts (`QueryRunner.date_counts`: the index's
    distinct dates and the matches of each). The dates are read once per tuple (the
    engine hands the same one to every query of a generation), then everything is
    array work: nothing here runs Python per date, only per bar."""
    precision, keys = _read_dates(dates)
    counts = np.asarray(counts, np.int64)
    undated = int(counts[precision == 0].sum())
    dated = int(counts.sum()) - undated
    total = undated + dated
    if not dated:
        return Timeline("", (), undated, 0, total)
    present = counts > 0
    granularity = choose_granularity(precision, keys, counts, present, dated)
    placed = present & (precision >= _PRECISION[granularity])
    where = keys[granularity][placed]
    first = int(where.min())
    per_bar = np.bincount(where - first, weights=counts[placed],
                          minlength=int(where.max()) - first + 1)
    buckets = tuple(_bucket(_bar_of(first + n, granularity), granularity, int(count))
                    for n, count in enumerate(per_bar.tolist()))
    return Timeline(granularity, buckets, undated, dated - int(counts[placed].sum()), total)


def choose_granularity(precision: np.ndarray, keys: dict[str, np.ndarray],
                       counts: np.ndarray, present: np.ndarray, dated: int) -> str:
    """Days, else months, else years: the finest whose bars over the dates precise
    enough for it are few enough (MAX_DAY_BARS, MAX_MONTH_BARS) and that places at
    least half of the dated documents."""
    for granularity, most in ((DAY, MAX_DAY_BARS), (MONTH, MAX_MONTH_BARS)):
        placed = present & (precision >= _PRECISION[granularity])
        if 2 * int(counts[placed].sum()) < dated:
            continue
        where = keys[granularity][placed]
        if int(where.max()) - int(where.min()) + 1 <= most:
            return granularity
    return YEAR


@lru_cache(maxsize=8)
def _read_dates(dates: tuple[str, ...]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(each date's precision: 0 not a date, 1 a year, 2 a month, 3 a day; each date's
    bar at each granularity: the year, the month counted from year 0, the day's
    ordinal; -1 where it is not that precise).

    The same reading as `dates.date_parts` (a test holds them equal), done on the
    characters as an array: at 8,000 distinct dates a loop of `date_parts` took 12 ms,
    paid by the first search after every commit."""
    count = len(dates)
    precision = np.zeros(count, np.int8)
    years = np.full(count, -1, np.int64)
    months, days = years.copy(), years.copy()
    if not count:
        return precision, {YEAR: years, MONTH: months, DAY: days}
    text = np.array(dates, dtype=np.str_)
    length = np.strings.str_len(text)
    width = min(10, max(1, text.dtype.itemsize // 4))
    chars = np.zeros((count, 10), np.int64)
    chars[:, :width] = text.astype(f"U{width}").view(np.uint32).reshape(count, width)
    digit = (chars >= 48) & (chars <= 57)
    value = np.where(digit, chars - 48, 0)
    year = value[:, 0] * 1000 + value[:, 1] * 100 + value[:, 2] * 10 + value[:, 3]
    month = value[:, 5] * 10 + value[:, 6]
    day = value[:, 8] * 10 + value[:, 9]
    dash = chars == ord("-")
    is_year = digit[:, :4].all(axis=1) & (year >= 1)
    is_month = is_year & dash[:, 4] & digit[:, 5:7].all(axis=1) & (month >= 1) & (month <= 12)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = _MONTH_DAYS[np.clip(month, 1, 12) - 1] + (leap & (month == 2))
    is_day = (is_month & dash[:, 7] & digit[:, 8:10].all(axis=1) & (day >= 1)
              & (day <= month_days))
    precision[(length == 4) & is_year] = 1
    precision[(length == 7) & is_month] = 2
    as_day = (length == 10) & is_day
    precision[as_day] = 3
    dated = precision > 0
    years[dated] = year[dated]
    finer = precision >= 2
    months[finer] = year[finer] * 12 + month[finer] - 1
    days[as_day] = text[as_day].astype("datetime64[D]").astype(np.int64) + _EPOCH_ORDINAL
    return precision, {YEAR: years, MONTH: months, DAY: days}


_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int64)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _bar_of(key: int, granularity: str) -> tuple[int, int, int]:
    """The (year, month, day) bar number `key` starts on (`_read_dates`' numbering)."""
    if granularity == YEAR:
        return key, 1, 1
    if granularity == MONTH:
        return key // 12, key % 12 + 1, 1
    day = date.fromordinal(key)
    return day.year, day.month, day.day


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
