"""A hanging or memory-hungry importer is stopped and its file skipped with a reason."""

from __future__ import annotations

import time

import pytest

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import load_document
from archive_app.core.ingest.isolation import extract_isolated

RUNAWAY = "tests.reliability.runaway_importer"


def test_a_hanging_importer_is_stopped_at_the_time_limit(tmp_path):
    path = tmp_path / "endless.slow"
    path.write_text("x")
    started = time.monotonic()
    with pytest.raises(RejectedFile) as rejected:
        extract_isolated(RUNAWAY, path, "PDF", time_limit=1.0)
    assert rejected.value.code == "timeout" and "longer than 1 s" in rejected.value.reason
    assert time.monotonic() - started < 10


def test_a_memory_hungry_importer_is_capped(tmp_path):
    path = tmp_path / "hungry.greedy"
    path.write_text("x")
    with pytest.raises((RejectedFile, MemoryError)):
        extract_isolated(RUNAWAY, path, "PDF", time_limit=30.0)


def test_the_importers_own_errors_come_back_as_they_are(tmp_path):
    path = tmp_path / "plain.other"
    path.write_text("x")
    with pytest.raises(ValueError, match="never succeeds"):
        extract_isolated(RUNAWAY, path, "PDF", time_limit=30.0)


def test_a_garbage_pdf_is_still_skipped_with_a_reason(tmp_path):
    path = tmp_path / "garbage.pdf"
    path.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 20)
    with pytest.raises(RejectedFile) as rejected:
        load_document(path, "k/garbage.pdf")
    assert rejected.value.code == "corrupt"


def test_typed_errors_survive_the_trip_between_processes():
    import pickle

    from archive_app.core.errors import QueryError

    rejected = pickle.loads(pickle.dumps(RejectedFile("too-large", "a 6,000-page PDF")))
    assert (rejected.code, rejected.reason) == ("too-large", "a 6,000-page PDF")
    query = pickle.loads(pickle.dumps(QueryError("unclosed quote", 4)))
    assert (query.message, query.position) == ("unclosed quote", 4)
