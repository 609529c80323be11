"""The timeline strip above the results: bars for a search, a drag across them narrows
the search to their dates (a chip), hovering a bar shows its count, Save… writes it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from PySide6.QtCore import Qt

from tests.core.search.test_timeline import _within, dated_corpus
from tests.gui.conftest import drain, open_window, search


def test_the_timeline_shows_bars_for_a_query(qtbot, window):
    search(qtbot, window, "camp")  # Camp Ashraf, September 2013; Camp Liberty, December 2014
    strip = window.timeline
    assert strip.isVisible() and strip.chart.isVisible()
    timeline = strip.chart.timeline
    assert timeline.granularity == "month"
    assert [(b.label, b.count) for b in timeline.buckets if b.count] == [
        ("Sep 2013", 1), ("Dec 2014", 1)]
    assert len(strip.chart.layout_now().bars) == 16  # every month between, empty ones too
    assert strip.summary.text() == "Sep 2013 – Dec 2014 by month"
    search(qtbot, window, "integer")  # two undated notes
    assert strip.isVisible() and not strip.chart.isVisible()
    assert strip.summary.text() == "no dated documents (2 undated)"
    with qtbot.waitSignal(window.session.search_failed, timeout=5_000):
        window.search_bar.set_query("title:(")
    assert not strip.isVisible()


def test_hovering_a_bar_shows_its_count(qtbot, window):
    search(qtbot, window, "camp")
    chart = window.timeline.chart
    qtbot.mouseMove(chart, chart.bar_centre(0).toPoint())
    assert chart.toolTip() == "Sep 2013: 1 document"
    qtbot.mouseMove(chart, chart.bar_centre(5).toPoint())
    assert chart.toolTip() == "Feb 2014: 0 documents"


@pytest.fixture
def dated_window(qtbot, empty_library, tmp_path, leak_watch):
    corpus, dates = dated_corpus(tmp_path)
    empty_library.sync([corpus])
    window = open_window(qtbot, empty_library)
    window.dates = dates
    yield window
    leak_watch.check()


def drag(qtbot, chart, first: int, last: int) -> None:
    qtbot.mousePress(chart, Qt.MouseButton.LeftButton, pos=chart.bar_centre(first).toPoint())
    for n in range(first, last + 1):
        qtbot.mouseMove(chart, chart.bar_centre(n).toPoint())
    qtbot.mouseRelease(chart, Qt.MouseButton.LeftButton, pos=chart.bar_centre(last).toPoint())


def test_dragging_across_bars_adds_a_date_chip_and_the_results_narrow_to_it(
        qtbot, dated_window):
    window = dated_window
    everything = search(qtbot, window, "harbour")
    chart = window.timeline.chart
    timeline = chart.timeline
    assert timeline.granularity == "year"
    first, last = 2, 9
    low, high = timeline.buckets[first].start, timeline.buckets[last].end
    with qtbot.waitSignal(window.session.search_finished, timeout=10_000) as narrowed:
        drag(qtbot, chart, first, last)
    results = narrowed.args[0]
    clause = f"date:[{low[:4]} TO {high[:4]}]"
    assert window.chips.filters() == [clause]
    assert window.chips.chips()[0].text().startswith(
        f"Dates: {timeline.buckets[first].label} – {timeline.buckets[last].label}")
    inside = {key for key, when in window.dates.items() if when and _within(when, low, high)}
    assert 0 < results.total == len(inside) < everything.total
    shown = {window.model.hit(row).key for row in range(window.model.rowCount())}
    assert shown == inside
    assert all(low[:4] <= window.model.hit(row).date[:4] <= high[:4]
               for row in range(window.model.rowCount()))
    narrower = window.timeline.chart.timeline  # the bars are those of the narrowed search
    assert narrower.buckets[0].start >= low and narrower.buckets[-1].end <= high
    assert narrower.total == results.total


def test_the_bars_turn_to_months_and_days_as_the_range_narrows(qtbot, dated_window):
    """2013 holds documents dated to the month and to the day: a click on its bar gives
    bars of months; March 2016 holds documents dated to the day: its year's bar gives
    bars of days at once."""
    window = dated_window
    search(qtbot, window, "ledger")
    chart = window.timeline.chart
    years = chart.timeline
    assert years.granularity == "year"

    def click(label: str) -> None:
        bar = next(n for n, b in enumerate(chart.timeline.buckets) if b.label == label)
        with qtbot.waitSignal(window.session.search_finished, timeout=10_000):
            drag(qtbot, chart, bar, bar)

    click("2013")
    assert window.chips.filters() == ["date:2013"]
    assert chart.timeline.granularity == "month"
    assert [b.label for b in chart.timeline.buckets][0].endswith("2013")
    assert window.timeline.summary.text().endswith("dated only to the year")
    with qtbot.waitSignal(window.session.search_finished, timeout=10_000):
        qtbot.mouseClick(window.chips.chips()[0], Qt.MouseButton.LeftButton)
    assert chart.timeline == years
    click("2016")
    assert chart.timeline.granularity == "day"
    assert all(b.start.startswith("2016-") for b in chart.timeline.buckets)
    assert sum(b.count for b in chart.timeline.buckets if b.start.startswith("2016-03")) >= 5


def test_the_strip_folds_and_the_view_menu_follows(qtbot, window):
    search(qtbot, window, "camp")
    strip = window.timeline
    qtbot.mouseClick(strip.toggle, Qt.MouseButton.LeftButton)
    assert not strip.chart.isVisible() and strip.isVisible()
    assert not window.timeline_action.isChecked()
    window.timeline_action.trigger()
    assert strip.chart.isVisible() and strip.is_expanded()


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_save_writes_the_chart_shown(qtbot, window, tmp_path, kind):
    search(qtbot, window, "camp")
    target = tmp_path / f"chart.{kind}"
    with qtbot.waitSignal(window.timeline.message, timeout=10_000) as said:
        window.timeline.save_chart(target, kind)
    assert said.args[0] == f"Saved the timeline to {target}."
    data = target.read_bytes()
    if kind == "png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
    else:
        root = ET.fromstring(data)
        titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
        assert "Sep 2013: 1 document" in titles
    drain()
