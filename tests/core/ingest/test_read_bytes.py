"""`read_bytes` reads exactly the file, within the size limit, without asking for more.

It once asked for the limit's 64 MB on every file (Python allocates what a read asks
for before shrinking it): a sixth of indexing time on a corpus of small files.
"""

from __future__ import annotations

import tracemalloc

import pytest

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import limits


def test_a_small_file_is_read_whole_without_a_64_mb_buffer(tmp_path):
    path = tmp_path / "small.txt"
    path.write_bytes(b"a few words\n" * 10)
    tracemalloc.start()
    try:
        data = limits.read_bytes(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert data == b"a few words\n" * 10
    assert peak < 1024 * 1024


def test_a_file_over_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 100)
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 101)
    with pytest.raises(RejectedFile, match="larger than"):
        limits.read_bytes(path)
    path.write_bytes(b"x" * 100)
    assert limits.read_bytes(path) == b"x" * 100


def test_a_file_that_grows_while_read_is_read_to_its_end_within_the_limit(
        tmp_path, monkeypatch):
    """The size is taken when the file is opened; what was appended since is read too."""
    path = tmp_path / "growing.txt"
    path.write_bytes(b"start ")
    real_fstat = limits.os.fstat

    class Earlier:  # the size the file had a moment before the append
        def __init__(self, stat):
            self.st_size = 6
            self.st_mode = stat.st_mode

    def fstat_then_append(fd):
        found = real_fstat(fd)
        with open(path, "ab") as handle:
            handle.write(b"and more")
        return Earlier(found)

    monkeypatch.setattr(limits.os, "fstat", fstat_then_append)
    assert limits.read_bytes(path) == b"start and more"
