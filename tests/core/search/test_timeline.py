"""The timeline of a search: bars of years, months or days, the undated apart, counts
equal to counting the documents' dates one by one; and the date ranges its bars filter by.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from archive_app.core.library import Library
from archive_app.core.search.timeline import (
    DAY,
    MAX_DAY_BARS,
    MAX_MONTH_BARS,
    MONTH,
    YEAR,
    _read_dates,
    build_timeline,
)
from archive_app.core.text.dates import date_parts, last_day
from tests.conftest import write_files


# -- bucketing, from date counts --------------------------------------------------------
def test_a_wide_range_is_counted_by_year_with_the_empty_years_between():
    timeline = build_timeline({"1948-12-10": 2, "1994-01-06": 1, "2022": 1, "": 5})
    assert timeline.granularity == YEAR
    assert [b.label for b in timeline.buckets][:2] == ["1948", "1949"]
    assert len(timeline.buckets) == 2022 - 1948 + 1
    assert {b.label: b.count for b in timeline.buckets if b.count} == {
        "1948": 2, "1994": 1, "2022": 1}
    assert timeline.buckets[0].start == "1948-01-01" and timeline.buckets[0].end == "1948-12-31"
    assert (timeline.undated, timeline.coarse, timeline.total) == (5, 0, 9)
    assert timeline.span_label() == "1948 – 2022 by year"
    assert timeline.apart_label() == "5 undated"


def test_a_narrower_range_is_counted_by_month_and_a_year_alone_apart():
    timeline = build_timeline({"2012-02-14": 1, "2012-02": 2, "2013-05-01": 3, "2013": 4})
    assert timeline.granularity == MONTH
    labels = [b.label for b in timeline.buckets]
    assert labels[0] == "Feb 2012" and labels[-1] == "May 2013" and len(labels) == 16
    assert timeline.buckets[0].count == 3 and timeline.buckets[-1].count == 3
    assert timeline.buckets[0].end == "2012-02-29"  # a leap year
    assert (timeline.coarse, timeline.undated, timeline.total) == (4, 0, 10)
    assert timeline.apart_label() == "4 dated only to the year"


def test_a_few_days_are_counted_by_day_and_a_month_alone_apart():
    timeline = build_timeline({"2016-03-01": 1, "2016-03-03": 2, "2016-03": 1})
    assert timeline.granularity == DAY
    assert [(b.label, b.count) for b in timeline.buckets] == [
        ("1 Mar 2016", 1), ("2 Mar 2016", 0), ("3 Mar 2016", 2)]
    assert timeline.buckets[1].start == timeline.buckets[1].end == "2016-03-02"
    assert timeline.coarse == 1


def test_it_never_chooses_bars_that_would_leave_most_dates_out():
    """Three documents dated to 2013 only and one to a day: bars of days would hold one
    document of four, so the timeline is one of years."""
    timeline = build_timeline({"2013": 3, "2013-05-01": 1})
    assert timeline.granularity == YEAR
    assert [(b.label, b.count) for b in timeline.buckets] == [("2013", 4)]
    assert timeline.coarse == 0


def test_the_bars_adapt_as_the_range_narrows():
    assert build_timeline({"2000-01-01": 1, "2007-01-01": 1}).granularity == YEAR
    assert build_timeline({"2000-01-01": 1, "2005-12-31": 1}).granularity == MONTH
    assert build_timeline({"2000-01-01": 1, "2000-04-02": 1}).granularity == MONTH
    assert build_timeline({"2000-01-01": 1, "2000-03-31": 1}).granularity == DAY


def test_nothing_dated_has_no_bars():
    timeline = build_timeline({"": 4, "not a date": 1, "2013-13": 1})
    assert (timeline.granularity, timeline.buckets, timeline.undated) == ("", (), 6)
    assert timeline.span_label() == ""
    with pytest.raises(ValueError):
        timeline.range_filter(0, 0)


def test_a_drag_over_bars_is_a_date_range_of_the_query_language():
    years = build_timeline({"2001": 1, "2009": 1})
    assert years.range_filter(2, 0) == ("date:[2001 TO 2003]", "Dates: 2001 – 2003")
    assert years.range_filter(4, 4) == ("date:2005", "Date: 2005")
    months = build_timeline({"2013-01-05": 1, "2013-12-01": 1})
    assert months.range_filter(2, 4) == ("date:[2013-03 TO 2013-05]",
                                         "Dates: Mar 2013 – May 2013")
    days = build_timeline({"2016-03-01": 1, "2016-03-09": 1})
    assert days.range_filter(0, 1) == ("date:[2016-03-01 TO 2016-03-02]",
                                       "Dates: 1 Mar 2016 – 2 Mar 2016")


DATES = st.one_of(
    st.dates(date(1900, 1, 1), date(2030, 12, 31)).map(lambda d: d.isoformat()),
    st.dates(date(2010, 1, 1), date(2010, 4, 1)).map(lambda d: d.isoformat()),
    st.dates(date(1990, 1, 1), date(2030, 12, 31)).map(lambda d: d.isoformat()[:7]),
    st.integers(1000, 2999).map(str),
    st.sampled_from(["", "junk", "2013-02-30"]))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(DATES, st.integers(1, 50), max_size=40))
def test_every_bar_counts_what_counting_each_date_finds(counts):
    timeline = build_timeline(counts)
    assert timeline.total == sum(counts.values())
    assert timeline.dated + timeline.coarse + timeline.undated == timeline.total
    assert timeline.undated == sum(n for d, n in counts.items() if date_parts(d) is None)
    if not timeline.buckets:
        return
    width = {YEAR: 4, MONTH: 7, DAY: 10}[timeline.granularity]
    assert len(timeline.buckets) <= {YEAR: 2000, MONTH: MAX_MONTH_BARS,
                                     DAY: MAX_DAY_BARS}[timeline.granularity]
    for bucket in timeline.buckets:
        assert bucket.count == sum(n for d, n in counts.items() if date_parts(d)
                                   and len(d) >= width and d[:width] == bucket.start[:width])
    for before, after in zip(timeline.buckets, timeline.buckets[1:], strict=False):
        following = date.fromisoformat(before.end) + timedelta(days=1)
        assert after.start == following.isoformat()  # contiguous, none missing
    assert timeline.buckets[0].count and timeline.buckets[-1].count


# -- on a real index ------------------------------------------------------------------
def dated_corpus(base, seed: int = 7):
    """65 documents: dates to the day, the month and the year, undated ones; a cluster
    in 2013 and one in March 2016 so that narrowing a search changes the bars, and
    documents dated only to 2013, June 2013, 2016 and March 2016."""
    rng = random.Random(seed)
    files, dates = {}, {}
    rows = ["path,date"]
    fixed = {60: "2013", 61: "2013", 62: "2013-06", 63: "2016-03", 64: "2016"}
    for n in range(65):
        kind = n % 6
        if n in fixed:
            when = fixed[n]
        elif kind == 0:
            when = ""
        elif kind == 1:
            when = str(rng.randrange(1990, 2021))
        elif kind == 2:
            when = f"2013-{rng.randrange(1, 13):02d}"
        elif kind == 3:
            when = f"2016-03-{rng.randrange(1, 10):02d}"
        else:
            day = date(1990, 1, 1) + timedelta(days=rng.randrange(0, 31 * 365))
            when = day.isoformat() if n % 4 else f"2013-{rng.randrange(1, 13):02d}-" \
                                                  f"{rng.randrange(1, 29):02d}"
        words = "harbour ledger" + (" cargo" if n % 2 else "") + (" tonnage" if n % 3 else "")
        name = f"d{n:02d}.txt"
        files[name] = f"Entry {n}\n\nThe {words} entry number {n}."
        rows.append(f"{name},{when}")
        dates[f"corpus/{name}"] = when
    files["catalog.csv"] = "\n".join(rows) + "\n"
    return write_files(base / "corpus", files), dates


@pytest.fixture(scope="module")
def dated(tmp_path_factory):
    from archive_app.core.paths import AppPaths

    base = tmp_path_factory.mktemp("timeline")
    corpus, dates = dated_corpus(base)
    library = Library(AppPaths(base / "home"))
    library.sync([corpus])
    yield library, dates
    library.close()


def brute_force(library, dates, query: str, width: int) -> tuple[Counter, int, int]:
    """(documents per date prefix of `width`, the undated, the less precise), read one
    document at a time from the search's own hits."""
    hits = library.search(query, limit=1000).hits
    per, undated, coarse = Counter(), 0, 0
    for hit in hits:
        when = dates[hit.key]
        assert hit.date == when
        if not when:
            undated += 1
        elif len(when) < width:
            coarse += 1
        else:
            per[when[:width]] += 1
    return per, undated, coarse


@pytest.mark.parametrize(("query", "filters", "granularity"), [
    ("harbour", [], YEAR),
    ("cargo", [], YEAR),
    ("tonnage -cargo", [], YEAR),
    ("harbour", ["date:2013"], MONTH),
    ("ledger", ["date:[2016-03-01 TO 2016-03-31]"], DAY),
])
def test_the_timeline_of_a_search_counts_each_matching_document_by_its_date(
        dated, query, filters, granularity):
    library, dates = dated
    timeline = library.timeline(query, filters)
    assert timeline.granularity == granularity
    combined = " ".join([query, *filters])
    width = {YEAR: 4, MONTH: 7, DAY: 10}[granularity]
    per, undated, coarse = brute_force(library, dates, combined, width)
    assert {b.start[:width]: b.count for b in timeline.buckets if b.count} == dict(per)
    assert (timeline.undated, timeline.coarse) == (undated, coarse)
    assert timeline.total == library.search(combined).total
    assert library.search(combined).timeline == timeline  # the search carries the same


def test_a_range_of_bars_finds_what_they_count(dated):
    """Filtering by a drag's range finds the bars' documents, plus only those dated to
    a whole year or month the range covers (a month alone is inside a range covering
    all of it), and never another."""
    library, dates = dated
    rng = random.Random(3)
    for query, filters in (("harbour", []), ("harbour", ["date:2013"]),
                           ("ledger", ["date:2016-03"])):
        timeline = library.timeline(query, filters)
        for _ in range(8):
            first, last = sorted(rng.randrange(len(timeline.buckets)) for _ in range(2))
            clause, _label = timeline.range_filter(first, last)
            results = library.search(" ".join([query, *filters, clause]), limit=1000)
            low, high = timeline.buckets[first].start, timeline.buckets[last].end
            inside = {hit.key for hit in library.search(" ".join([query, *filters]),
                                                        limit=1000).hits
                      if dates[hit.key] and _within(dates[hit.key], low, high)}
            assert {hit.key for hit in results.hits} == inside, clause
            assert results.total >= sum(b.count for b in timeline.buckets[first:last + 1])


def _within(when: str, low: str, high: str) -> bool:
    """Whether the whole period a date names (a day, a month, a year) lies in [low, high]."""
    year, month, day = date_parts(when)
    first = date(year, month or 1, day or 1)
    last = date(year, month or 12, day or last_day(year, month or 12))
    return date.fromisoformat(low) <= first and last <= date.fromisoformat(high)


@pytest.mark.parametrize(("clause", "low", "high"), [
    ("date:2013-01", "2013-01-01", "2013-01-31"),
    ("date:[2013-01 TO 2013-03]", "2013-01-01", "2013-03-31"),
    ("date:[2013-01-01 TO 2013-06-15]", "2013-01-01", "2013-06-15"),
    ("date:[2013-02-01 TO 2013-12-31]", "2013-02-01", "2013-12-31"),
    ("date:[2012-11-20 TO 2013-02-10]", "2012-11-20", "2013-02-10"),
    ("date:[2013-01-01 TO 2013-12-31]", "2013-01-01", "2013-12-31"),
    ("date:[2013 TO 2014]", "2013-01-01", "2014-12-31"),
    ("date:[2010-06 TO 2016-03-04]", "2010-06-01", "2016-03-04"),
])
def test_a_date_range_holds_a_year_or_month_alone_only_when_it_covers_all_of_it(
        dated, clause, low, high):
    """date:2013-01 used to find every document dated only '2013' (its range began at
    the bare year) while date:2013-02 found none of them."""
    library, dates = dated
    found = {hit.key for hit in library.search(f"harbour {clause}", limit=1000).hits}
    assert found == {key for key, when in dates.items() if when and _within(when, low, high)}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(DATES, st.text(max_size=12),
                          st.from_regex(r"\d{4}(-\d{2}(-\d{2})?)?", fullmatch=True),
                          st.from_regex(r"\d{4}-\d{1,3}-\d{1,3}x?", fullmatch=True)),
                max_size=30))
@example(["2013\n", "000١", "2012-02-29", "2013-02-29", "0000", "2013-00", "", "9999"])
def test_the_array_reading_of_dates_is_date_parts(texts):
    """The timeline reads the index's dates as arrays (`_read_dates`); it must say what
    `date_parts`, the query language's reading, says of each."""
    precision, keys = _read_dates(tuple(texts))
    for n, text in enumerate(texts):
        parts = date_parts(text)
        if parts is None:
            assert precision[n] == 0, text
            continue
        year, month, day = parts
        assert precision[n] == 1 + (month is not None) + (day is not None), text
        assert keys[YEAR][n] == year
        assert keys[MONTH][n] == (year * 12 + month - 1 if month else -1)
        assert keys[DAY][n] == (date(year, month, day).toordinal() if day else -1)
