"""How a folder wants its files read (its settings), handed to the importers.

An importer's `extract(path)` takes no options; what it needs of the folder's settings
(OCR on or off, the OCR languages, where OCR results are cached) it reads from
`current()`, which the loader sets around each file. The options are a small frozen
record, so the isolated child (ingest/isolation.py) and the indexing processes get the
same ones by pickling it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

OCR_LANGUAGES = ("eng", "fas", "ara")
"""Tesseract language data the setup installs (Debian's tesseract-ocr-eng/-fas/-ara)."""


@dataclass(frozen=True)
class ReadOptions:
    ocr: bool = True
    """False: a folder that said "OCR off"; scans and images stay unread (and say so)."""
    ocr_languages: str = ""
    """Tesseract's language string ("eng", "fas+eng"); '' means: from the script
    Tesseract detects on the page."""
    ocr_cache_dir: str = ""
    """HOME/ocr-cache: OCR results by file content, page, language and engine; '' = none."""

    def with_cache(self, folder: str) -> ReadOptions:
        return replace(self, ocr_cache_dir=folder)


_current = ReadOptions()
_progress: Callable[[str], None] | None = None
_cancelled: Callable[[], bool] | None = None


def current() -> ReadOptions:
    return _current


@contextlib.contextmanager
def reading_with(options: ReadOptions | None) -> Iterator[None]:
    """Set the options for the file being read (restored afterwards)."""
    global _current
    previous, _current = _current, options or ReadOptions()
    try:
        yield
    finally:
        _current = previous


@contextlib.contextmanager
def watching(progress: Callable[[str], None] | None,
             cancelled: Callable[[], bool] | None = None) -> Iterator[None]:
    """Route a long read's progress ("OCR 12 / 300 pages") and its cancel check to the
    job that asked for it, while the block runs."""
    global _progress, _cancelled
    previous = _progress, _cancelled
    _progress, _cancelled = progress, cancelled
    try:
        yield
    finally:
        _progress, _cancelled = previous


def report(message: str) -> None:
    """Say how far a long read is; nothing happens when no one is watching."""
    if _progress is not None:
        _progress(message)


def cancel_requested() -> bool:
    return bool(_cancelled and _cancelled())
