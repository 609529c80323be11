"""The one source of child processes for core work: a forkserver with our modules loaded.

A forkserver is a clean single-threaded parent, so forking from it is safe beside Qt's
threads, and each child costs a fork rather than an interpreter start because the
importers and the index writer are already imported there. As with any multiprocessing
child, a *script* that indexes must keep its work under `if __name__ == "__main__":`
(the console script and `python -m archive_app` do), or the child would run it again.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.context import BaseContext

PRELOADED_MODULES = ["archive_app.core.ingest.pdf", "archive_app.core.ingest.html",
                     "archive_app.core.ingest.eml", "archive_app.core.ingest.epub",
                     "archive_app.core.ingest.docx", "archive_app.core.ingest.markdown",
                     "archive_app.core.ingest.text", "lxml.etree", "docx",
                     "archive_app.core.indexing.index"]
"""Imported once in the forkserver, so neither an indexing child nor an isolated
importer child (every file read from the window's threads) pays for the imports."""

_context: BaseContext | None = None


def forkserver_context() -> BaseContext:
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(PRELOADED_MODULES)
    return _context
