"""A time limit and a memory cap around reading one file in this process.

The importers use parsers that are linear by construction, but a hostile file is written
to find what nobody foresaw, so each file is also read under a hard bound. Forking a
child per file would cost ~21 ms against ~0.5 ms to read a small page (measured on
2,000 HTML files), so where this process may be bounded (its main thread: the indexing
children, the CLI) the file is read here, with

- a wall-clock timer (`signal.setitimer`) whose handler raises between bytecodes, and
- the address-space limit (`RLIMIT_AS`) lowered to what the process uses now plus the
  file's allowance, so an allocation beyond it raises MemoryError instead of taking the
  machine; the limit is put back afterwards.

Elsewhere (the window's worker threads, where signals cannot reach the reading thread
and the limit would hit the painting threads too) `can_bound_here()` is False and the
loader reads the file in an isolated child instead (isolation.py).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

from archive_app.core.errors import RejectedFile

try:  # POSIX only; elsewhere every file goes to the isolated child
    import resource
    import signal
except ImportError:  # pragma: no cover - Windows
    resource = signal = None  # type: ignore[assignment]

FILE_TIME_LIMIT_SECONDS = 60.0
"""Wall-clock time one file may take (as for PDF in isolation.py)."""
FILE_MEMORY_BYTES = 1024 ** 3
"""Address space one file may add to the process: 1 GiB."""


class _Overtime(BaseException):
    """Raised by the timer inside the importer; a BaseException, so that the libraries'
    `except Exception` clauses cannot swallow it."""


_armed = False


def _on_alarm(signum, frame) -> None:
    if _armed:
        raise _Overtime


def can_bound_here() -> bool:
    """True in a process's main thread, where the timer's signal arrives.

    Helper threads beside it (the indexing children's parent watch and slow-file watch)
    share the memory cap while a file is read; the cap is 1 GB beyond what the process
    used when the file began, so only a file that takes nearly all of it can starve them.
    """
    return (signal is not None and hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread())


def _address_space_now() -> int | None:
    """Bytes of address space in use (Linux's /proc); None where it cannot be read."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            pages = int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


@contextlib.contextmanager
def _memory_cap(allowance: int) -> Iterator[None]:
    """Lower the soft RLIMIT_AS to the current use plus `allowance` for the block."""
    in_use = _address_space_now()
    if resource is None or in_use is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = in_use + allowance
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft <= wanted:
        yield  # a tighter limit is already set (a test's, the user's): keep it
        return
    try:
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextlib.contextmanager
def _timer(seconds: float) -> Iterator[None]:
    global _armed
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    _armed = True
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        _armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def bounded(label: str, time_limit: float = FILE_TIME_LIMIT_SECONDS,
            memory: int = FILE_MEMORY_BYTES) -> Iterator[None]:
    """Run the block under the time limit and memory cap (see the module docstring).

    Raises RejectedFile("timeout") or RejectedFile("too-large"), which the indexer
    records so the file is not read again until it changes. Must be called where
    `can_bound_here()` is True.
    """
    try:
        with _memory_cap(memory), _timer(time_limit):
            yield
    except _Overtime:
        raise RejectedFile("timeout", f"reading this {label} took longer than "
                                      f"{time_limit:.0f} s; it was stopped") from None
    except MemoryError:
        raise RejectedFile("too-large", f"reading this {label} needed more than "
                                        f"{memory // 1024 ** 2:,} MB of memory; "
                                        "it was stopped") from None
