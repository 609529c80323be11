"""The timeline strip above the results: the search's matches by year, month or day.

The timeline comes with the results (core `SearchResults.timeline`, counted with the
facets in the search's own worker), so showing it costs the UI thread only painting.
Its bars are laid out by the same `chart_layout` as the exported chart. Hovering a
bar shows its count; dragging across bars (or clicking one) emits the date range they
cover as a filter clause, which the window adds as a chip, like a facet value. The
strip folds to its header line; Save… writes the chart as PNG or SVG off the UI thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from archive_app.core.export.timeline_chart import ChartLayout, chart_layout, write_timeline_chart
from archive_app.core.search.timeline import Timeline
from archive_app.gui.workers import run_in_pool

CHART_HEIGHT = 84
MARGINS = (10.0, 10.0, 6.0, 20.0)
"""left, right, top, bottom (room for the tick labels) of the bars in the strip."""


class TimelineChart(QWidget):
    """The bars; hover for a bar's count, drag across bars to filter by their dates."""

    range_chosen = Signal(str, str)
    """(filter clause, chip label), e.g. ('date:[2013-03 TO 2013-05]', 'Dates: …')."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("timeline_chart")
        self.setMouseTracking(True)
        self.setMinimumHeight(CHART_HEIGHT)
        self.setMaximumHeight(CHART_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Timeline of the results")
        self.timeline: Timeline | None = None
        self._hovered: int | None = None
        self._anchor: int | None = None
        self._reach: int | None = None

    def set_timeline(self, timeline: Timeline | None) -> None:
        self.timeline = timeline
        self._hovered = self._anchor = self._reach = None
        self.setToolTip("")
        self.update()

    def layout_now(self) -> ChartLayout | None:
        """The bars at the widget's present size (None without bars)."""
        if self.timeline is None or not self.timeline.buckets:
            return None
        return chart_layout(self.timeline, width=self.width(), height=self.height(),
                            margins=MARGINS, font_size=self.font().pointSizeF() or 9)

    def bar_centre(self, index: int) -> QPointF:
        """The middle of bar `index`'s slot, half-way up the plot (for tests and keys)."""
        layout = self.layout_now()
        assert layout is not None
        return QPointF(layout.left + (index + 0.5) * layout.slot,
                       (layout.top + layout.baseline) / 2)

    def bar_at(self, x: float) -> int | None:
        layout = self.layout_now()
        return layout.bar_at(x) if layout is not None else None

    def tooltip_for(self, index: int) -> str:
        bucket = self.timeline.buckets[index]
        noun = "document" if bucket.count == 1 else "documents"
        return f"{bucket.label}: {bucket.count:,} {noun}"

    # -- mouse -------------------------------------------------------------------------
    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        index = self.bar_at(event.position().x())
        if index != self._hovered:
            self._hovered = index
            self.setToolTip(self.tooltip_for(index) if index is not None else "")
            self.update()
        if self._anchor is not None and index is not None:
            self._reach = index
            self.update()
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton:
            self._anchor = self._reach = self.bar_at(event.position().x())
            self.update()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        anchor, self._anchor = self._anchor, None
        if event.button() == Qt.MouseButton.LeftButton and anchor is not None:
            reach = self.bar_at(event.position().x())
            reach = self._reach if reach is None else reach  # released past the ends
            self._reach = None
            self.update()
            if reach is not None and self.timeline is not None:
                self.range_chosen.emit(*self.timeline.range_filter(anchor, reach))
        super().mouseReleaseEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._hovered = None
        self.update()
        super().leaveEvent(event)

    # -- painting ----------------------------------------------------------------------
    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt override)
        layout = self.layout_now()
        if layout is None:
            return
        painter = QPainter(self)
        palette = self.palette()
        bar = palette.color(QPalette.ColorRole.Highlight)
        empty = palette.color(QPalette.ColorRole.Mid)
        text = palette.color(QPalette.ColorRole.Text)
        if self._anchor is not None and self._reach is not None:
            first, last = sorted((self._anchor, self._reach))
            shade = QColor(bar)
            shade.setAlpha(50)
            painter.fillRect(QRectF(layout.left + first * layout.slot, layout.top - 4,
                                    (last - first + 1) * layout.slot,
                                    layout.baseline - layout.top + 4), shade)
        for n, item in enumerate(layout.bars):
            colour = (bar.lighter(135) if n == self._hovered else bar) if item.count else empty
            tall = max(item.height, 1.0)
            painter.fillRect(QRectF(item.x, layout.baseline - tall, item.width, tall), colour)
        painter.setPen(empty)
        painter.drawLine(QPointF(layout.left, layout.baseline),
                         QPointF(layout.width - MARGINS[1], layout.baseline))
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        painter.setFont(font)
        painter.setPen(text)
        metrics = painter.fontMetrics()
        for x, label in layout.ticks:
            width = metrics.horizontalAdvance(label)
            left = min(max(0.0, x - width / 2), self.width() - width)
            painter.drawText(QPointF(left, layout.baseline + metrics.ascent() + 3), label)
        painter.end()


class TimelineView(QWidget):
    """The strip: a header (fold button, what the bars show, Save…) over the chart."""

    range_chosen = Signal(str, str)
    message = Signal(str)
    """A line for the status bar (the chart was saved, or why not)."""
    expanded_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("timeline_view")
        self.query = ""
        self._expanded = True
        self.toggle = QToolButton(objectName="timeline_toggle", text="Timeline",
                                  toolTip="Fold or show the timeline of the results")
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setAutoRaise(True)
        self.summary = QLabel(objectName="timeline_summary", wordWrap=True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setMinimumWidth(40)
        self.save_button = QToolButton(objectName="timeline_save", text="Save…",
                                       toolTip="Save the timeline as a picture for a report")
        self.save_button.setAutoRaise(True)
        self.save_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.save_button)
        menu.addAction("Save as PNG…", lambda: self.ask_and_save("png"))
        menu.addAction("Save as SVG…", lambda: self.ask_and_save("svg"))
        self.save_button.setMenu(menu)
        self.chart = TimelineChart()
        header = QHBoxLayout()
        header.setContentsMargins(4, 0, 8, 0)
        header.addWidget(self.toggle)
        header.addWidget(self.summary, 1)
        header.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self.chart)
        self.toggle.clicked.connect(lambda: self.set_expanded(not self._expanded))
        self.chart.range_chosen.connect(self.range_chosen)
        self._arrow()
        self.setVisible(False)

    def show_timeline(self, timeline: Timeline | None, query: str = "") -> None:
        """Show a search's timeline (None: no search, nothing to show)."""
        self.query = query
        self.chart.set_timeline(timeline)
        if timeline is None:
            self.setVisible(False)
            return
        if timeline.buckets:
            text = " · ".join(part for part in (timeline.span_label(),
                                                timeline.apart_label()) if part)
        else:
            text = "no dated documents" + (f" ({timeline.undated:,} undated)"
                                           if timeline.undated else "")
        self.summary.setText(text)
        self.summary.setToolTip("Drag across bars (or click one) to show only their dates"
                                if timeline.buckets else "")
        self.save_button.setEnabled(bool(timeline.buckets))
        self.chart.setVisible(self.is_expanded() and bool(timeline.buckets))
        self.setVisible(True)

    def clear(self) -> None:
        self.show_timeline(None)

    def is_expanded(self) -> bool:
        return self._expanded

    def set_expanded(self, expanded: bool) -> None:
        """Fold the strip to its header line, or open it again."""
        changed = expanded != self._expanded
        self._expanded = expanded
        timeline = self.chart.timeline
        self.chart.setVisible(expanded and timeline is not None and bool(timeline.buckets))
        self._arrow()
        if changed:
            self.expanded_changed.emit(expanded)

    def _arrow(self) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if self.is_expanded()
                                 else Qt.ArrowType.RightArrow)

    # -- saving ------------------------------------------------------------------------
    def ask_and_save(self, kind: str) -> None:
        """Save as PNG… / SVG…: the file dialog (which asks before replacing a file)."""
        if self.chart.timeline is None or not self.chart.timeline.buckets:
            return
        suffix = f".{kind}"
        path, _ = QFileDialog.getSaveFileName(self, f"Save the timeline as {kind.upper()}",
                                              f"timeline{suffix}",
                                              f"{kind.upper()} image (*{suffix})")
        if path:
            if not path.lower().endswith(suffix):
                path += suffix
            self.save_chart(Path(path), kind)

    def save_chart(self, path: Path, kind: str) -> None:
        """Write the chart shown (core `write_timeline_chart`) on the pool; the file is
        replaced, as the dialog has asked already."""
        timeline = self.chart.timeline
        if timeline is None:
            return
        run_in_pool(write_timeline_chart, timeline, path, kind, self.query, True,
                    on_result=lambda written: self.message.emit(
                        f"Saved the timeline to {written}."),
                    on_error=lambda error: self.message.emit(
                        f"The timeline could not be saved: {error}"))
