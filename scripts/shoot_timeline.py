"""Screenshot of the timeline for the README: a search, a drag across its bars, a hover.

Usage: .venv/bin/python scripts/shoot_timeline.py HOME OUTPUT.png [QUERY [FIRST LAST HOVER]]

Opens the window on HOME (indexed already; nothing in it is changed), searches QUERY
('the'), drags across the timeline's bars labelled FIRST to LAST ('1990', '2022') as a
user would, which adds a date chip and narrows the search, then hovers the bar HOVER
('2016') of the narrowed timeline and grabs the screen where the window is, so the
tooltip with the bar's count shows. Needs a real display (Xvfb): offscreen, a tooltip
is not drawn.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QThreadPool
from PySide6.QtGui import QGuiApplication, QHelpEvent, QMouseEvent

from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from archive_app.gui.app import SCREENSHOT_SIZE, create_application, open_settings
from archive_app.gui.main_window import MainWindow


def wait_until(predicate, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        QCoreApplication.processEvents()
        time.sleep(0.02)


def settle(seconds: float = 0.3) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.02)


def mouse(chart, kind: QEvent.Type, bar: int, button=Qt.MouseButton.LeftButton) -> None:
    point = chart.bar_centre(bar)
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else button
    event = QMouseEvent(kind, point, chart.mapToGlobal(point), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QCoreApplication.sendEvent(chart, event)


def bar_labelled(chart, label: str) -> int:
    return next(n for n, bucket in enumerate(chart.timeline.buckets) if bucket.label == label)


def main(home: str, output: str, query: str = "the", first: str = "1990",
         last: str = "2022", hover: str = "2016") -> int:
    app = create_application()
    library = Library(AppPaths(Path(home)))
    window = MainWindow(library, open_settings(library.paths))
    width, height = SCREENSHOT_SIZE
    window.resize(width, height - 40)  # with its title bar, inside a screen of that size
    window.show()
    window.resizeDocks([window.facet_dock], [230], Qt.Orientation.Horizontal)
    window.splitter.setSizes([500, 600, 300])
    searches = []
    window.session.search_finished.connect(searches.append)
    window.search_bar.set_query(query)
    wait_until(lambda: searches and window.reader.document_view is not None)
    chart = window.timeline.chart
    start, end = bar_labelled(chart, first), bar_labelled(chart, last)
    mouse(chart, QEvent.Type.MouseButtonPress, start)
    for bar in range(start, end + 1):
        mouse(chart, QEvent.Type.MouseMove, bar, Qt.MouseButton.NoButton)
        settle(0.01)
    mouse(chart, QEvent.Type.MouseButtonRelease, end)
    wait_until(lambda: len(searches) >= 2)
    settle(0.5)
    bar = bar_labelled(chart, hover)
    mouse(chart, QEvent.Type.MouseMove, bar, Qt.MouseButton.NoButton)
    point = chart.bar_centre(bar).toPoint()
    QCoreApplication.sendEvent(chart, QHelpEvent(QEvent.Type.ToolTip, point,
                                                 chart.mapToGlobal(point)))
    settle(0.8)
    inside = window.geometry()  # the window without the window manager's frame
    picture = QGuiApplication.primaryScreen().grabWindow(0, inside.x(), inside.y(),
                                                         inside.width(), inside.height())
    code = 0 if picture.save(output) else 1
    window.close()
    QThreadPool.globalInstance().waitForDone()
    library.close()
    app.quit()
    return code


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:7]))
