"""GUI fixtures: a Library over a small real corpus in a tmp home, and the main window on it.

Every GUI test is also watched for work it leaves behind (`leak_watch`, as napari's own
conftest does it): a pool job still running or whose result was never delivered, an
active QTimer, a Python thread. At teardown each has a short grace to finish; what is
still running after it fails the test, named, instead of being waited for (a job that
outlives its test runs into the next one, or into a closed Library).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QThreadPool, QTimer

from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from archive_app.gui import workers
from archive_app.gui.app import apply_style, open_settings
from archive_app.gui.main_window import MainWindow
from tests.conftest import PROJECT_ROOT
from tests.core.archive_fixtures import make_corpus
from tests.core.ingest.conftest import make_pdf

QUEUED, RUNNING, DONE = "queued", "running", "done"
LEAK_GRACE_MS = 5_000
"""How long teardown lets jobs, timers and threads that are finishing finish."""
DRAIN_MS = 60_000


def drain() -> None:
    """Let every pool job finish and deliver its queued signals (a test waiting for the
    work it started; a job that never ends fails it instead of hanging the run)."""
    assert QThreadPool.globalInstance().waitForDone(DRAIN_MS), \
        f"pool jobs still running after {DRAIN_MS / 1000:.0f} s"
    QCoreApplication.processEvents()


def _described(function) -> str:
    """A job's function as a message names it: its name and where it is defined."""
    inner = getattr(function, "func", function)  # a functools.partial
    name = getattr(inner, "__qualname__", None) or repr(inner)
    code = getattr(getattr(inner, "__func__", inner), "__code__", None)
    if code is None:
        return name
    return f"{name} ({_shown_path(code.co_filename)}:{code.co_firstlineno})"


def _shown_path(filename: str) -> str:
    path = Path(filename)
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else filename


OUR_CODE = (PROJECT_ROOT / "archive_app", PROJECT_ROOT / "tests")


def _started_at() -> str | None:
    """Where our code (the app or a test) started a timer; None for pytest-qt's own (its
    waits stop their timers) and Qt's."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
    if frame is None or not any(Path(frame.f_code.co_filename).is_relative_to(folder)
                                for folder in OUR_CODE):
        return None
    return f"{_shown_path(frame.f_code.co_filename)}:{frame.f_lineno}"


def _active(timer: QTimer) -> bool:
    try:
        return timer.isActive()
    except RuntimeError:  # deleted with its parent: it can no longer fire
        return False


class LeakWatch:
    """Records what a test starts that may outlive it, and checks it is all over."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.threads = set(threading.enumerate())
        self.timers: list[tuple[QTimer, str]] = []
        self._watch_jobs(monkeypatch)
        self._watch_timers(monkeypatch)

    def _watch_jobs(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Name each pool job after its function, and know whether it is still running.

        The job's function is wrapped, not `_Job.run`: Qt calls `run`, and the binding
        may keep calling the method it found first."""
        job_init = workers._Job.__init__

        def init(job, function, args, relay) -> None:
            def watched(*call_args, **kwargs):
                relay.job_state = RUNNING
                try:
                    return function(*call_args, **kwargs)
                finally:
                    relay.job_state = DONE

            job_init(job, watched, args, relay)
            relay.job_name, relay.job_state = _described(function), QUEUED

        monkeypatch.setattr(workers._Job, "__init__", init)

    def _watch_timers(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Remember every QTimer our code starts, and make `QTimer.singleShot(ms, f)` (and
        `(ms, context, f)`) a QTimer of its own that can be seen and stopped."""
        start, single_shot = QTimer.start, QTimer.singleShot
        timers = self.timers

        def watched_start(timer: QTimer, *args) -> None:
            where = _started_at()
            if where is not None:
                timers.append((timer, where))
            start(timer, *args)

        def watched_single_shot(msec, *rest):
            where = _started_at()
            if where is None or len(rest) not in (1, 2):
                return single_shot(msec, *rest)
            context, functor = (None, *rest) if len(rest) == 1 else rest
            if not callable(functor) or not (context is None or isinstance(context, QObject)):
                return single_shot(msec, *rest)
            timer = QTimer(context)  # deleted with its context, as Qt's own would be
            timer.setSingleShot(True)
            timer.timeout.connect(functor)
            timers.append((timer, where))
            start(timer, msec)
            return None

        monkeypatch.setattr(QTimer, "start", watched_start)
        monkeypatch.setattr(QTimer, "singleShot", staticmethod(watched_single_shot))

    def leaks(self) -> list[str]:
        """What is still under way, each named; [] when the test left nothing behind."""
        found = []
        jobs: dict[str, list[str]] = {QUEUED: [], RUNNING: [], DONE: []}
        for relay in list(workers._running):
            jobs[getattr(relay, "job_state", RUNNING)].append(getattr(relay, "job_name", "?"))
        for state, what in ((RUNNING, "still running"), (QUEUED, "waiting to start"),
                            (DONE, "done, but their results were never delivered")):
            if jobs[state]:
                found.append(f"pool jobs {what}: {', '.join(sorted(jobs[state]))}")
        others = (QThreadPool.globalInstance().activeThreadCount() - len(jobs[RUNNING])
                  - len(jobs[DONE]))  # a job done may still hold its thread a moment
        if others > 0:
            found.append(f"{others} pool jobs not started by run_in_pool still running")
        timers = [where for timer, where in self.timers if _active(timer)]
        if timers:
            found.append(f"active QTimers started at {', '.join(timers)}")
        threads = [thread.name for thread in threading.enumerate()
                   if thread not in self.threads and thread.is_alive()
                   # a Qt pool thread that ran Python code: counted with the pool above
                   and not isinstance(thread, threading._DummyThread)]
        if threads:
            found.append(f"threads still alive: {', '.join(sorted(threads))}")
        return found

    def check(self) -> None:
        """Fail the test if anything it started is still under way after the grace; stop
        what can be stopped first, so the next test starts clean.

        The grace delivers events and fires timers with `processEvents`, not a nested
        event loop: pytest-qt has closed the test's windows and asked for their deletion
        by then, and an event loop would delete them under the results still coming."""
        deadline = time.monotonic() + LEAK_GRACE_MS / 1000
        while (leaks := self.leaks()) and time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.005)
        if leaks:
            self.clean_up()
            pytest.fail(f"the test left work running at teardown (after a grace of "
                        f"{LEAK_GRACE_MS / 1000:.0f} s): " + "; ".join(leaks), pytrace=False)

    def clean_up(self) -> None:
        for timer, _where in self.timers:
            if _active(timer):
                timer.stop()
        QThreadPool.globalInstance().waitForDone(DRAIN_MS)
        QCoreApplication.processEvents()


_OPENED: list[MainWindow] = []
"""The windows `open_window` made in this test, kept until its last check: a window only
the test held could be collected while its jobs still run, and their results would then
be delivered to a deleted window."""


@pytest.fixture(autouse=True)
def leak_watch(qapp, monkeypatch) -> Iterator[LeakWatch]:
    """Every GUI test: nothing it started may outlive it (checked again, last, for tests
    that make their own window or Library; the fixtures below check before closing)."""
    watch = LeakWatch(monkeypatch)
    try:
        yield watch
        watch.check()
    finally:
        _OPENED.clear()


@pytest.fixture
def empty_library(app_paths: AppPaths, qapp, leak_watch) -> Iterator[Library]:
    library = Library(app_paths)
    yield library
    try:
        leak_watch.check()  # before the Library closes under a job still using it
    finally:
        library.close()


@pytest.fixture
def library(empty_library: Library, tmp_path: Path) -> Library:
    empty_library.sync([make_corpus(tmp_path)])
    return empty_library


def open_window(qtbot, library: Library) -> MainWindow:
    apply_style(QCoreApplication.instance())
    window = MainWindow(library, open_settings(library.paths))
    _OPENED.append(window)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(qtbot, library: Library, leak_watch) -> Iterator[MainWindow]:
    window = open_window(qtbot, library)
    yield window
    leak_watch.check()


def search(qtbot, window: MainWindow, text: str):
    """Type a query and press Enter, as a user would; returns the SearchResults."""
    window.search_bar.field.clear()
    with qtbot.waitSignal(window.session.search_finished, timeout=10_000) as blocker:
        qtbot.keyClicks(window.search_bar.field, text)
        qtbot.keyClick(window.search_bar.field, "\r")
    return blocker.args[0]


# -- a PDF of three pages and a page-less note (the reader's pages, the page view) ------
FILLER = " ".join(["The harbour ledger lists cargo, tonnage and berth."] * 40)
PAGES = [
    "First page: the lighthouse was lit in March. " + FILLER,
    "Second page: dredging of the northern channel began in spring. " + FILLER,
    "Third page: the lighthouse keeper retired after forty years. " + FILLER,
]


@pytest.fixture
def pdf_window(qtbot, empty_library: Library, tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_pdf(corpus / "harbour.pdf", PAGES)
    (corpus / "plain.txt").write_text("A lighthouse note with no pages at all.\n",
                                      encoding="utf-8")
    empty_library.sync([corpus])
    window = open_window(qtbot, empty_library)
    yield window
    drain()


def open_result(qtbot, window, query: str, suffix: str):
    """Search, then open the result whose key ends with `suffix`."""
    with qtbot.waitSignal(window.document_shown, timeout=10_000):
        search(qtbot, window, query)
    row = next(row for row in range(window.model.rowCount())
               if window.model.hit(row).key.endswith(suffix))
    if window.reader.document_view.key != window.model.hit(row).key:
        with qtbot.waitSignal(window.document_shown, timeout=10_000):
            window.results.setCurrentIndex(window.model.index(row))
    return window.reader
