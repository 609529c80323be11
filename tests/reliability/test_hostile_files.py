"""Mutated valid files, bombs and monsters: each is indexed or skipped with a reason.

Every format starts from a valid generated file that hypothesis then mutates (flipped
bytes, cuts, inserted junk, duplicated regions). No exception other than RejectedFile may
escape, no file may take longer than a generous bound, and memory stays bounded.
"""

from __future__ import annotations

import resource
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import load_document
from archive_app.core.ingest.documents import Document
from tests.core.ingest.conftest import (
    HTML_PAGE,
    MARKDOWN,
    make_docx,
    make_eml,
    make_epub,
    make_pdf,
)

PER_FILE_SECONDS = 20.0  # a bound against hangs, not a speed target
SEEDS: dict[str, bytes] = {}


def seed_bytes(suffix: str) -> bytes:
    """A valid file of the format, generated once."""
    if suffix not in SEEDS:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"seed{suffix}"
            makers = {".pdf": make_pdf, ".docx": make_docx, ".epub": make_epub,
                      ".eml": make_eml}
            if suffix in makers:
                makers[suffix](path)
            else:
                text = {".html": HTML_PAGE, ".md": MARKDOWN}.get(suffix, "Plain words here.\n")
                path.write_text(text, encoding="utf-8")
            SEEDS[suffix] = path.read_bytes()
    return SEEDS[suffix]


@st.composite
def mutated(draw, suffix: str) -> bytes:
    return mutate(draw, seed_bytes(suffix))


def mutate(draw, seed: bytes) -> bytes:
    """A few flips, cuts, insertions, duplications and zeroed runs of a valid file (the
    other hostile-file tests mutate their own seeds with the same moves)."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "duplicate", "zero"]))
        position = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[position:position + draw(st.integers(1, 4096))]
        elif kind == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "duplicate":
            data[position:position] = data[position:position + draw(st.integers(1, 2048))]
        elif kind == "zero":
            data[position:position + 64] = bytes(min(64, len(data) - position))
    return bytes(data)


def load_or_reject(path: Path) -> Document | RejectedFile:
    started = time.monotonic()
    try:
        result: Document | RejectedFile = load_document(path, path.name)
    except RejectedFile as rejection:
        assert rejection.reason.strip()
        result = rejection
    assert time.monotonic() - started < PER_FILE_SECONDS, path.name
    return result


@pytest.mark.parametrize("suffix", [".pdf", ".docx", ".epub", ".eml", ".html", ".md", ".txt"])
def test_mutated_valid_files(suffix, tmp_path):
    seed_bytes(suffix)  # generated outside hypothesis (the e-mail maker uses `random`)
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=mutated(suffix))
    def check(data):
        path = tmp_path / f"mutant{suffix}"
        path.write_bytes(data)
        result = load_or_reject(path)
        if isinstance(result, Document):
            result.text.encode("utf-8")
            assert result.sha256 and result.title

    check()


def write_zip_bomb(path: Path, inner_name: str, extra: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in extra.items():
            archive.writestr(name, data)
        with archive.open(inner_name, "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):  # 300 MB of zeros, ~300 KB compressed
                member.write(chunk)


def test_epub_and_docx_bombs_are_refused(tmp_path):
    epub = tmp_path / "bomb.epub"
    write_zip_bomb(epub, "OEBPS/chapter.xhtml", {"mimetype": b"application/epub+zip"})
    docx = tmp_path / "bomb.docx"
    write_zip_bomb(docx, "word/document.xml", {"[Content_Types].xml": b"<Types/>"})
    for path in (epub, docx):
        result = load_or_reject(path)
        assert isinstance(result, RejectedFile) and result.code == "bomb"


def test_pdf_with_a_huge_page_count_is_handled(tmp_path):
    path = make_pdf(tmp_path / "many.pdf", pages=[f"page {n}" for n in range(6000)])
    result = load_or_reject(path)
    assert isinstance(result, RejectedFile) and result.code == "too-large"


def test_large_text_file_is_skipped_by_size_without_reading_it(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        line = b"ordinary words in a very long log file\n"
        handle.write(line * (100 * 1024 * 1024 // len(line)))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = load_or_reject(path)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert isinstance(result, RejectedFile) and result.code == "too-large"
    assert after - before < 50 * 1024  # KiB: the file was never read into memory


def test_deeply_nested_html_and_markup_floods(tmp_path):
    cases = {
        "nested.html": "<div>" * 200_000 + "deep words" + "</div>" * 200_000,
        "unclosed.html": "<p><b><i>" * 50_000 + "still words",
        "entities.html": "<p>" + "&amp;" * 200_000 + " words</p>",
        "comments.html": "<!--" * 10_000 + "words",
    }
    for name, markup in cases.items():
        path = tmp_path / name
        path.write_text(markup, encoding="utf-8")
        load_or_reject(path)
