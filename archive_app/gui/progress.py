"""A cancellable pool job on screen: a label, a progress bar and a Cancel button.

`JobProgress` runs one job at a time through `run_in_pool` with a core JobControl, shows
its progress, sets the control's cancel event when Cancel is pressed, and hides itself
when the job ends. Where its widgets sit (status bar, dialog) is the owner's choice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from archive_app.core.jobs import JobControl
from archive_app.gui.workers import run_in_pool

Describe = Callable[[int, int, str], str]
"""Turns a progress report (done, total, message) into the label's text."""


class JobProgress(QObject):
    """Shows one cancellable job; `progressed` repeats each report in the UI thread."""

    progressed = Signal(int, int, str)

    def __init__(self, describe: Describe, cancel_tip: str, parent: QObject | None = None):
        super().__init__(parent)
        self.describe = describe
        self.control: JobControl | None = None
        self.label = QLabel(objectName="job_label")
        self.bar = QProgressBar(maximumWidth=220, textVisible=True)
        self.cancel_button = QPushButton("Cancel", toolTip=cancel_tip)
        self.cancel_button.clicked.connect(self.cancel)
        self._show(False)

    def widgets(self) -> tuple[QWidget, ...]:
        return (self.label, self.bar, self.cancel_button)

    def add_to_status_bar(self, status_bar: QStatusBar) -> None:
        for widget in self.widgets():
            status_bar.addPermanentWidget(widget)

    def is_running(self) -> bool:
        return self.control is not None

    def run(self, function: Callable[..., Any], *args: Any, busy_text: str,
            on_result: Callable[[Any], None], on_error: Callable[[Exception], None]) -> bool:
        """Start `function(*args, control=...)` on the pool; refuses while a job runs.

        The widgets are hidden before `on_result` or `on_error` is called."""
        if self.is_running():
            return False
        self.bar.setRange(0, 0)
        self.label.setText(busy_text)
        self.cancel_button.setEnabled(True)
        self._show(True)
        self.control = run_in_pool(function, *args,
                                   on_result=lambda value: self._end(on_result, value),
                                   on_error=lambda error: self._end(on_error, error),
                                   on_progress=self._progressed)
        return True

    def cancel(self) -> None:
        """Ask the job to stop at its next check; it ends through `on_error(Cancelled)`."""
        if self.control is not None:
            self.control.cancel_event.set()
            self.cancel_button.setEnabled(False)
            self.label.setText("Cancelling…")

    def _progressed(self, done: int, total: int, message: str) -> None:
        if self.control is None or self.control.cancel_event.is_set():
            return
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
        self.label.setText(self.describe(done, total, message))
        self.progressed.emit(done, total, message)

    def _end(self, callback: Callable[[Any], None], outcome: Any) -> None:
        self.control = None
        self._show(False)
        callback(outcome)

    def _show(self, visible: bool) -> None:
        for widget in self.widgets():
            widget.setVisible(visible)
