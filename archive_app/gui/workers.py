"""The one way background work runs: a pure function on the QThreadPool, results by signal.

The function never touches a widget. Its outcome comes back to the UI thread as
`result` (or `error`) and then `finished`; a long job gets a core JobControl whose
progress callback emits `progress`. `Generation` lets a newer request supersede an older
one: a callback checks its number on arrival and drops stale answers.
"""

from __future__ import annotations

import functools
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal, Slot

from archive_app.core.jobs import JobControl

MAX_THREADS = 3

_running: set[_Relay] = set()


class _Relay(QObject):
    """Lives in the UI thread: signals emitted by a pool thread are queued to its slots."""

    result = Signal(object)
    error = Signal(object)
    progress = Signal(int, int, str)
    finished = Signal()

    def __init__(self, on_result, on_error, on_progress):
        super().__init__()
        self._on_result, self._on_error, self._on_progress = on_result, on_error, on_progress
        self.result.connect(self._deliver_result)
        self.error.connect(self._deliver_error)
        self.progress.connect(self._deliver_progress)
        self.finished.connect(self._forget)

    @Slot(object)
    def _deliver_result(self, value: object) -> None:
        self._on_result(value)

    @Slot(object)
    def _deliver_error(self, error: object) -> None:
        self._on_error(error)

    @Slot(int, int, str)
    def _deliver_progress(self, done: int, total: int, message: str) -> None:
        if self._on_progress is not None:
            self._on_progress(done, total, message)

    @Slot()
    def _forget(self) -> None:
        _running.discard(self)


class _Job(QRunnable):
    def __init__(self, function: Callable[..., Any], args: tuple, relay: _Relay):
        super().__init__()
        self.function, self.args, self.relay = function, args, relay

    def run(self) -> None:
        try:
            value = self.function(*self.args)
        except Exception as error:  # handed to the UI thread, which decides what to show
            self.relay.error.emit(error)
        else:
            self.relay.result.emit(value)
        self.relay.finished.emit()


def configure_pool() -> QThreadPool:
    pool = QThreadPool.globalInstance()
    pool.setMaxThreadCount(MAX_THREADS)
    return pool


def run_in_pool(function: Callable[..., Any], *args: Any,
                on_result: Callable[[Any], None], on_error: Callable[[Exception], None],
                on_progress: Callable[[int, int, str], None] | None = None
                ) -> JobControl | None:
    """Run `function(*args)` on the global pool; callbacks run in the UI thread.

    With `on_progress`, the job is cancellable: the function is called with a keyword
    `control` (a core JobControl whose progress emits a queued signal) and that control
    is returned so the caller can set its `cancel_event`.
    """
    relay = _Relay(on_result, on_error, on_progress)
    _running.add(relay)
    control = None
    if on_progress is not None:
        control = JobControl(progress=relay.progress.emit, cancel_event=threading.Event())
        function = functools.partial(function, control=control)
    QThreadPool.globalInstance().start(_Job(function, args, relay))
    return control


class WriteQueue(QObject):
    """The window's one serial queue for changes to the user's precious data: annotations,
    tags, metadata edits, undo and redo, re-anchoring, removing a folder (it orphans
    annotations). Each job runs on the pool after the jobs queued before it and before
    those queued after it, so an undo never overtakes the change it undoes."""

    job_finished = Signal()
    """A job's callback has run (whatever it changed, Undo and Redo may have changed)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._waiting: deque[tuple[Callable[..., Any], tuple, Callable[[Any], None],
                                   Callable[[Exception], None]]] = deque()
        self._running = False

    def run(self, function: Callable[..., Any], *args: Any, on_result: Callable[[Any], None],
            on_error: Callable[[Exception], None]) -> None:
        """Queue `function(*args)`; its callbacks run in the UI thread, in turn."""
        self._waiting.append((function, args, on_result, on_error))
        self._next()

    def pending(self) -> int:
        """How many jobs are queued or running."""
        return len(self._waiting) + self._running

    def finish(self) -> None:
        """Run every queued change to its end, callbacks included (the window is closing
        and the archive is about to be closed: a change the user made is never dropped)."""
        while self.pending():
            QThreadPool.globalInstance().waitForDone()
            QCoreApplication.processEvents()  # delivers the result; the next job starts

    def _next(self) -> None:
        if self._running or not self._waiting:
            return
        function, args, on_result, on_error = self._waiting.popleft()
        self._running = True
        run_in_pool(function, *args, on_result=lambda value: self._end(on_result, value),
                    on_error=lambda error: self._end(on_error, error))

    def _end(self, callback: Callable[[Any], None], outcome: Any) -> None:
        self._running = False
        try:
            callback(outcome)
        finally:
            self.job_finished.emit()
            self._next()


class Generation:
    """Numbers requests so that only the answer to the newest one is used."""

    def __init__(self) -> None:
        self.current = 0

    def next(self) -> int:
        self.current += 1
        return self.current

    def is_current(self, number: int) -> bool:
        return number == self.current
