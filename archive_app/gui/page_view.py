"""The page view: a document's original page (PDF, scan, image) with its hits and tagged
passages drawn as boxes, zoom, page stepping, and selection by dragging across words.

The page is rendered off the UI thread (core/pages renders in an isolated child process
with a time limit), the newest request wins (workers.Generation), and only the page on
screen is kept here; the renderer keeps a few recent pages. What to box is asked of the
reader (`BoxRequest`): every hit of the query, the current one in the current-hit colour,
and each annotation in its tag colour; offsets map to boxes in core (pages/boxes.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeySequence, QPainter, QPen, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from archive_app.core.pages.document_pages import DocumentPages
from archive_app.core.pages.renderer import PageProblem
from archive_app.gui.highlight import hit_format
from archive_app.gui.workers import Generation, run_in_pool

ZOOM_STEP = 1.25
MIN_SCALE, MAX_SCALE = 0.1, 8.0
"""Pixels per page unit (a PDF point, an image pixel)."""
DRAG_MIN_PIXELS = 4
"""A press and release closer than this is a click, not a selection."""


@dataclass
class BoxRequest:
    """What the reader wants boxed on a page: hit spans with the current one's index,
    and annotation spans with their colours (document offsets)."""

    hits: list[tuple[int, int]] = field(default_factory=list)
    current: int = -1
    annotations: list[tuple[tuple[int, int], str]] = field(default_factory=list)
    regions: list[tuple[int, tuple[float, float, float, float], str]] = \
        field(default_factory=list)
    """Region annotations: (page, (left, top, width, height) in page units, colour)."""


@dataclass
class RenderedPage:
    """A page as rendered off the UI thread, with its boxes (page units)."""

    page: int
    scale: float
    image: QImage
    boxes: list[tuple[QRectF, QColor, bool]]
    """(rectangle, fill colour, is the current hit)."""


def render_page(pages: DocumentPages, page: int, scale: float,
                request: BoxRequest) -> RenderedPage:
    """Runs on the pool: render the page and find its boxes (no widget is touched)."""
    rendered = pages.render(page, scale)
    image = QImage(rendered.data, rendered.width, rendered.height, rendered.stride,
                   QImage.Format.Format_RGB888).copy()  # own the pixels past `rendered`
    found: list[tuple[QRectF, QColor, bool]] = []
    for on_page, (left, top, width, height), colour in request.regions:
        if on_page == page:
            color = QColor(colour)
            color.setAlphaF(0.3)
            found.append((QRectF(left, top, width, height), color, False))
    for box in pages.boxes(page, [span for span, _ in request.annotations]):
        color = QColor(request.annotations[box.span][1])
        color.setAlphaF(0.35)
        found.append((_rect(box.rect), color, False))
    amber = hit_format().background().color()
    current = hit_format(current=True).background().color()
    for box in pages.boxes(page, request.hits):
        is_current = box.span == request.current
        color = QColor(current if is_current else amber)
        color.setAlphaF(0.55 if is_current else 0.4)
        found.append((_rect(box.rect), color, is_current))
    return RenderedPage(page, scale, image, found)


def _rect(rect) -> QRectF:
    left, top, right, bottom = rect
    return QRectF(QPointF(left, top), QPointF(right, bottom))


class PageCanvas(QWidget):
    """The rendered page, the boxes over it, and the rectangle a drag draws."""

    dragged = Signal(object)
    """A rectangle dragged across the page: (left, top, right, bottom) in page units."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page_canvas")
        self.rendered: RenderedPage | None = None
        self._press: QPointF | None = None
        self._drag: QRectF | None = None
        self.setCursor(Qt.CursorShape.IBeamCursor)

    def show_rendered(self, rendered: RenderedPage | None) -> None:
        self.rendered = rendered
        self._drag = None
        if rendered is not None:
            self.setFixedSize(rendered.image.width(), rendered.image.height())
        self.update()

    def current_box(self) -> QRectF | None:
        """The current hit's first box on this page, in pixels (for scrolling to it)."""
        if self.rendered is None:
            return None
        for rect, _color, is_current in self.rendered.boxes:
            if is_current:
                return _scaled(rect, self.rendered.scale)
        return None

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        try:
            if self.rendered is None:
                return
            painter.drawImage(0, 0, self.rendered.image)
            scale = self.rendered.scale
            for rect, color, is_current in self.rendered.boxes:
                painter.fillRect(_scaled(rect, scale), color)
                if is_current:
                    painter.setPen(QPen(color.darker(160), 2))
                    painter.drawRect(_scaled(rect, scale))
            if self._drag is not None:
                painter.setPen(QPen(QColor("#2f5f8f"), 1, Qt.PenStyle.DashLine))
                painter.fillRect(self._drag, QColor(47, 95, 143, 50))
                painter.drawRect(self._drag)
        finally:
            painter.end()

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position()
            self._drag = None

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if self._press is not None:
            self._drag = QRectF(self._press, event.position()).normalized()
            self.update()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if self._press is None or self.rendered is None:
            return
        drag = QRectF(self._press, event.position()).normalized()
        self._press = None
        if max(drag.width(), drag.height()) < DRAG_MIN_PIXELS:
            self._drag = None
            self.update()
            return
        self._drag = drag
        self.update()
        scale = self.rendered.scale
        self.dragged.emit((drag.left() / scale, drag.top() / scale,
                           drag.right() / scale, drag.bottom() / scale))


def _scaled(rect: QRectF, scale: float) -> QRectF:
    return QRectF(rect.left() * scale, rect.top() * scale,
                  rect.width() * scale, rect.height() * scale)


class PageView(QWidget):
    """Pages of one document: a page spin box, zoom, and the canvas in a scroll area."""

    page_shown = Signal(int)
    """A page (0-based) was drawn."""
    page_failed = Signal(str)
    """A page could not be shown; the message says why (also in the status line)."""
    region_dragged = Signal(int, object)
    """(page, rectangle in page units) the user dragged across."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page_view")
        self.pages: DocumentPages | None = None
        self.page = 0
        self.zoom = "width"
        """"width", "page" (fit), or "scale" (the user zoomed: `self.scale`)."""
        self.scale = 1.0
        self.request = BoxRequest()
        self.renders = Generation()
        self.rendering = False
        self.problem = ""
        self.spin = QSpinBox(objectName="page_spin", minimum=1, maximum=1,
                             toolTip="Page (Page Up / Page Down)")
        self.count_label = QLabel(objectName="page_count")
        self.status = QLabel(objectName="page_status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons = {
            "width": QToolButton(text="Fit width", toolTip="Fit the page's width (Ctrl+0)"),
            "page": QToolButton(text="Fit page", toolTip="Show the whole page"),
            "out": QToolButton(text="−", toolTip="Zoom out (Ctrl+-)"),
            "in": QToolButton(text="+", toolTip="Zoom in (Ctrl++)"),
        }
        self.canvas = PageCanvas()
        self.scroll = QScrollArea(objectName="page_scroll", widgetResizable=False)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroll.setWidget(self.canvas)
        self._build()

    def _build(self) -> None:
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 0, 8, 0)
        bar.addWidget(QLabel("Page"))
        bar.addWidget(self.spin)
        bar.addWidget(self.count_label)
        bar.addWidget(self.status, 1)
        for button in self.buttons.values():
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.scroll, 1)
        self.spin.valueChanged.connect(lambda value: self.show_page(value - 1))
        self.buttons["width"].clicked.connect(lambda: self.set_zoom("width"))
        self.buttons["page"].clicked.connect(lambda: self.set_zoom("page"))
        self.buttons["out"].clicked.connect(lambda: self.zoom_by(1 / ZOOM_STEP))
        self.buttons["in"].clicked.connect(lambda: self.zoom_by(ZOOM_STEP))
        self.canvas.dragged.connect(lambda rect: self.region_dragged.emit(self.page, rect))
        for keys, slot in (("PgDown", lambda: self.show_page(self.page + 1)),
                           ("PgUp", lambda: self.show_page(self.page - 1)),
                           ("Ctrl++", lambda: self.zoom_by(ZOOM_STEP)),
                           ("Ctrl+=", lambda: self.zoom_by(ZOOM_STEP)),
                           ("Ctrl+-", lambda: self.zoom_by(1 / ZOOM_STEP)),
                           ("Ctrl+0", lambda: self.set_zoom("width"))):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    # -- what is shown -----------------------------------------------------------------
    def set_pages(self, pages: DocumentPages | None) -> None:
        self.pages = pages
        self.renders.next()  # an answer for the previous document is dropped
        self.canvas.show_rendered(None)
        self.page, self.problem = 0, ""
        if pages is None:
            self.status.setText("")
            return
        try:
            count = pages.page_count
        except PageProblem as problem:
            count, self.problem = 1, str(problem)
        self.spin.blockSignals(True)
        self.spin.setMaximum(max(1, count))
        self.spin.setValue(1)
        self.spin.blockSignals(False)
        self.count_label.setText(f"of {count}")
        self.status.setText(self.problem)

    def show_page(self, page: int, request: BoxRequest | None = None) -> None:
        """Draw `page` (clamped to the document's) with the boxes of `request`; the page
        on screen with the same boxes is left as it is (the reader asks on every change
        of its marks, such as each letter typed in Find)."""
        if self.pages is None or self.problem:
            return
        page = max(0, min(page, self.spin.maximum() - 1))
        shown = self.canvas.rendered
        if (request is None or request == self.request) and shown is not None \
                and shown.page == page == self.page and not self.rendering:
            return
        if request is not None:
            self.request = request
        self.page = page
        if self.spin.value() != page + 1:
            self.spin.blockSignals(True)
            self.spin.setValue(page + 1)
            self.spin.blockSignals(False)
        self._render()

    def set_zoom(self, mode: str) -> None:
        self.zoom = mode
        self._render()

    def zoom_by(self, factor: float) -> None:
        self.scale = min(MAX_SCALE, max(MIN_SCALE, self._scale() * factor))
        self.zoom = "scale"
        self._render()

    def _scale(self) -> float:
        if self.zoom == "scale" or self.pages is None:
            return self.scale
        size = self.pages.known_size(self.page)
        if size is None and self.canvas.rendered is not None:  # pages mostly share a size
            size = self.pages.known_size(self.canvas.rendered.page)
        try:
            width, height = size or self.pages.page_size(self.page)
        except PageProblem:
            return self.scale
        room = self.scroll.viewport().size()
        margin = 4
        fit_width = (room.width() - margin) / max(width, 1.0)
        if self.zoom == "page":
            return max(MIN_SCALE, min(fit_width, (room.height() - margin) / max(height, 1.0)))
        return max(MIN_SCALE, min(MAX_SCALE, fit_width))

    def _render(self) -> None:
        if self.pages is None:
            return
        number = self.renders.next()
        self.rendering = True
        scale = self._scale()
        self.status.setText(f"Rendering page {self.page + 1}…")
        run_in_pool(render_page, self.pages, self.page, scale, self.request,
                    on_result=lambda rendered: self._rendered(number, rendered),
                    on_error=lambda error: self._failed(number, error))

    def _rendered(self, number: int, rendered: RenderedPage) -> None:
        if not self.renders.is_current(number):
            return
        self.rendering = False
        self.status.setText("")
        self.canvas.show_rendered(rendered)
        box = self.canvas.current_box()
        if box is not None:
            self.scroll.ensureVisible(int(box.center().x()), int(box.center().y()),
                                      50, int(self.scroll.viewport().height() / 3))
        self.page_shown.emit(rendered.page)

    def _failed(self, number: int, error: Exception) -> None:
        if not self.renders.is_current(number):
            return
        self.rendering = False
        self.canvas.show_rendered(None)
        self.status.setText(str(error) if isinstance(error, PageProblem)
                            else f"This page cannot be shown ({error}).")
        self.page_failed.emit(self.status.text())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if self.zoom != "scale" and self.canvas.rendered is not None \
                and abs(self._scale() - self.canvas.rendered.scale) > 0.01:
            self._render()
