"""Property: whatever bytes a file holds, load_document gives a Document or a RejectedFile."""

from __future__ import annotations

import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import load_document, supported_suffixes
from archive_app.core.ingest.documents import Document

PREFIXES = [b"", b"%PDF-1.4\n", b"PK\x03\x04", b"---\ntitle: x\n---\n", b"<html><body>",
            b"From: a@b\nSubject: s\n\n"]


@pytest.mark.parametrize("suffix", sorted(supported_suffixes()))
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from(PREFIXES), data=st.binary(max_size=2048))
def test_random_bytes_never_raise_anything_else(suffix: str, prefix: bytes, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"random{suffix}"
        path.write_bytes(prefix + data)
        try:
            doc = load_document(path, path.name)
        except RejectedFile as error:
            assert error.code in {"empty", "binary", "too-large", "corrupt", "unreadable",
                                  "unsupported", "bomb"}
            assert error.reason
        else:
            assert isinstance(doc, Document)
            assert doc.text.strip() and doc.title
            doc.text.encode("utf-8")  # storable: no lone surrogates


@settings(max_examples=50, deadline=None)
@given(text=st.text(min_size=1, max_size=500))
def test_any_utf8_text_round_trips_its_words(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "note.txt"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        try:
            doc = load_document(path, "note.txt")
        except RejectedFile as error:
            assert error.code in {"empty", "binary"}
        else:
            words = unicodedata.normalize("NFC", text).split()
            assert all(word in doc.text for word in words if word.isalnum())
