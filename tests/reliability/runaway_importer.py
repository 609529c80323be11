"""Importers that misbehave on purpose, for the isolation tests (never used by the app)."""

from __future__ import annotations

import time
from pathlib import Path


def extract(path: Path):
    if path.suffix == ".slow":
        time.sleep(60)
    if path.suffix == ".greedy":
        hoard = []
        while True:
            hoard.append(bytearray(256 * 1024 * 1024))
    raise ValueError("this importer never succeeds")
