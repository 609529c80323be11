"""`archive-app` in which one kind of file hangs its reader, for the kill tests.

A `.txt` file whose bytes begin with HANG_MARK makes the reader sleep for an hour, the
way a hostile file hangs an importer. Run as `python -m tests.reliability.hanging_cli
--home H index FOLDER`; the module is also preloaded into the forkserver, so the
indexing children hang on such a file too. Never used by the app.
"""

from __future__ import annotations

import sys
import time

from archive_app.core import ingest
from archive_app.core.indexing import processes

HANG_MARK = b"HANG-FOREVER"
_load_document = ingest.load_document


def load_document(path, key, catalog_metadata=None, read_options=None):
    with open(path, "rb") as handle:
        if handle.read(len(HANG_MARK)) == HANG_MARK:
            time.sleep(3600)
    return _load_document(path, key, catalog_metadata, read_options)


ingest.load_document = load_document
if __name__ not in processes.PRELOADED_MODULES:
    processes.PRELOADED_MODULES.append("tests.reliability.hanging_cli")

if __name__ == "__main__":
    from archive_app.cli import main

    sys.exit(main())
