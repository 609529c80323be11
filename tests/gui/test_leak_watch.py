"""The GUI fixtures' leak watch names what a test would leave running behind it."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThreadPool, QTimer

from archive_app.gui.workers import run_in_pool
from tests.gui.conftest import drain


def test_a_running_job_a_timer_and_a_thread_are_each_named(qtbot, leak_watch):
    assert leak_watch.leaks() == []
    release = threading.Event()

    def blocked_job() -> bool:
        return release.wait(30)

    results = []
    run_in_pool(blocked_job, on_result=results.append, on_error=results.append)
    timer = QTimer()
    timer.setInterval(60_000)
    timer.start()
    QTimer.singleShot(60_000, lambda: None)
    thread = threading.Thread(target=release.wait, args=(30,), name="lingering-thread")
    thread.start()
    qtbot.waitUntil(lambda: any(leak.startswith("pool jobs still running:")
                                for leak in leak_watch.leaks()))
    leaks = "; ".join(leak_watch.leaks())
    assert "pool jobs still running: test_a_running_job_a_timer_and_a_thread_are_each_" \
           "named.<locals>.blocked_job (tests/gui/test_leak_watch.py:" in leaks
    assert leaks.count("tests/gui/test_leak_watch.py:") == 3  # the job and both timers
    assert "threads still alive: lingering-thread" in leaks

    release.set()
    thread.join(10)
    timer.stop()
    leak_watch.clean_up()  # stops the single shot
    drain()
    assert results == [True]
    assert leak_watch.leaks() == []


def test_a_result_not_yet_delivered_is_a_leak_until_it_is(qtbot, leak_watch):
    results = []

    def answer() -> int:
        return 42

    run_in_pool(answer, on_result=results.append, on_error=results.append)
    assert QThreadPool.globalInstance().waitForDone(10_000)  # no event delivered meanwhile
    [leak] = leak_watch.leaks()
    assert leak.startswith("pool jobs done, but their results were never delivered: "
                           "test_a_result_not_yet_delivered_is_a_leak_until_it_is.<locals>."
                           "answer (tests/gui/test_leak_watch.py:")
    qtbot.waitUntil(lambda: results == [42], timeout=5_000)
    assert leak_watch.leaks() == []
