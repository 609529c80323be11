"""The hostile treatment for .doc and .xls: random bytes (with and without the OLE
signature), mutated real files (LibreOffice's, see tests/core/ingest/test_legacy_office.py)
and every kind of cut. Each file becomes a Document or a RejectedFile with a reason; no
other exception escapes, and the tools' processes never outlive the file."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import doc, load_document
from archive_app.core.ingest.documents import Document
from tests.core.ingest.test_legacy_office import legacy_files
from tests.reliability.test_hostile_files import mutate

SUFFIXES = [".doc", ".xls"]
TOOLS = ("antiword", "catdoc")
FLAKY_FREE = settings(deadline=None, suppress_health_check=list(HealthCheck),
                      database=None)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, bytes]:
    files = legacy_files(tmp_path_factory)
    return {f".{kind}": path.read_bytes() for kind, path in files.items()}


def load_or_reject(path) -> Document | RejectedFile:
    """What the indexer would get: a Document that can be stored, or a reason."""
    try:
        result = load_document(path, path.name)
    except RejectedFile as rejection:
        assert rejection.code in {"empty", "binary", "too-large", "corrupt", "unreadable",
                                  "unsupported", "bomb", "timeout"}
        assert rejection.reason.strip() and "\n" not in rejection.reason
        return rejection
    result.text.encode("utf-8")
    assert result.sha256 and result.title
    return result


def _no_children_left() -> None:
    """Every antiword or catdoc run was waited for: none of this process's children is
    one of them, running or a zombie (read from /proc; nothing is reaped here)."""
    left = []
    for entry in os.scandir("/proc"):
        try:
            with open(f"/proc/{entry.name}/stat", encoding="utf-8", errors="replace") as stat:
                line = stat.read()
        except (OSError, ValueError):
            continue  # not a process, or gone
        name, after = line[line.find("(") + 1:line.rfind(")")], line[line.rfind(")") + 2:]
        fields = after.split()
        if len(fields) > 1 and fields[1] == str(os.getpid()) and name in TOOLS:
            left.append((entry.name, name, fields[0]))
    assert not left, left


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_mutated_real_files(suffix, seeds, tmp_path):
    @settings(FLAKY_FREE, max_examples=60)
    @given(data=st.data())
    def check(data):
        path = tmp_path / f"mutant{suffix}"
        path.write_bytes(mutate(data.draw, seeds[suffix]))
        load_or_reject(path)

    check()
    _no_children_left()


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("prefix", [b"", doc.OLE_MAGIC], ids=["random", "ole-signature"])
def test_random_bytes(suffix, prefix, tmp_path):
    @settings(FLAKY_FREE, max_examples=30)
    @given(data=st.binary(min_size=1, max_size=8192))
    def check(data):
        path = tmp_path / f"random{suffix}"
        path.write_bytes(prefix + data)
        load_or_reject(path)

    check()
    _no_children_left()


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_truncated_files(suffix, seeds, tmp_path):
    seed = seeds[suffix]
    cuts = sorted({1, 7, 8, 100, 511, 512, 513, 1024, 4096, len(seed) // 3, len(seed) // 2,
                   len(seed) - 512, len(seed) - 1} | set(range(0, len(seed), 1536)))
    results = []
    for cut in cuts:
        path = tmp_path / f"cut-{cut}{suffix}"
        path.write_bytes(seed[:cut])
        results.append(load_or_reject(path))
    assert isinstance(results[0], RejectedFile) and results[0].code == "empty"
    _no_children_left()


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_a_real_file_padded_or_repeated_still_reads_or_is_refused(suffix, seeds, tmp_path):
    """Extra sectors after the end, the whole file twice, and zeros over the middle."""
    seed = seeds[suffix]
    middle = len(seed) // 2
    variants = [seed + os.urandom(4096), seed * 2,
                seed[:middle] + bytes(4096) + seed[middle + 4096:]]
    for number, data in enumerate(variants):
        path = tmp_path / f"variant-{number}{suffix}"
        path.write_bytes(data)
        load_or_reject(path)
