"""Golden files: every export format of three real excerpts from the bundled corpus.

What varies between machines and runs — the corpus folder's absolute path and the
annotations' creation times — is replaced by placeholders before comparing; everything
else must match tests/data/golden/ byte for byte. After an intended change of a format,
regenerate with `UPDATE_GOLDEN=1 pytest tests/core/export/test_golden.py` and review the diff.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile

import docx
import pytest

from archive_app.core.annotations.anchoring import find_occurrence
from archive_app.core.export import ExportOptions, excerpts_from_annotations, render
from archive_app.core.export.gather import document_texts
from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from tests.conftest import PROJECT_ROOT
from tests.core.export.interop import csl_errors, refi_errors, w3c_failures

GOLDEN = PROJECT_ROOT / "tests" / "data" / "golden"
CORPUS = PROJECT_ROOT / "corpus"
PASSAGES = [  # (document, quote, tags, note, fixed uuid)
    ("corpus/000_2b7d332fd8f61003.txt", "52 MEK members were killed",
     ["casualties", "people/victims"], "Figure repeated in Stevenson's book",
     "00000000-0000-4000-8000-000000000001"),
    ("corpus/factbook/iraq.pdf", "refugees (country of origin)", ["people/refugees"],
     'Compare with the Jordan entry; a "quoted" note & <markup>',
     "00000000-0000-4000-8000-000000000002"),
    ("corpus/reference/udhr-fa.txt", "مادهٔ اول", ["udhr"], "",
     "00000000-0000-4000-8000-000000000003"),
]
FIXED = ExportOptions(title="Excerpts from the bundled corpus", timestamp="2026-01-01T00:00:00Z",
                      user="Researcher")
TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\+00:00|Z)?")


@pytest.fixture(scope="module")
def excerpts_and_texts(tmp_path_factory):
    library = Library(AppPaths(tmp_path_factory.mktemp("golden") / "home"))
    library.sync([CORPUS])
    for key, quote, tags, note, uuid in PASSAGES:
        start, end = find_occurrence(library.document(key).text, quote)
        library.annotate(key, start, end, tags, note, uuid=uuid)
    excerpts = excerpts_from_annotations(library, library.all_annotations(), context_chars=40)
    texts = document_texts(library, excerpts)
    yield excerpts, texts
    library.close()


def normalise(text: str) -> str:
    text = text.replace(CORPUS.as_uri(), "file:///CORPUS").replace(str(CORPUS), "/CORPUS")
    return TIME.sub("TIME", text)


def readable(name: str, data: bytes) -> str:
    """Text formats as they are; DOCX and QDPX as the text and XML they contain."""
    if name == "docx":
        document = docx.Document(io.BytesIO(data))
        return "\n".join(f"[{p.style.name}] {p.text}" for p in document.paragraphs) + "\n"
    if name == "qdpx":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = sorted(archive.namelist())
            project = archive.read("project.qde").decode("utf-8")
        return "\n".join(names) + "\n\n" + project + "\n"
    return data.decode("utf-8-sig")


@pytest.mark.parametrize("name", ["md", "html", "docx", "csv", "json", "qdpx", "csl",
                                  "bibtex"])
def test_export_matches_its_golden_file(excerpts_and_texts, name):
    excerpts, texts = excerpts_and_texts
    options = ExportOptions(**{**FIXED.__dict__, "format": name, "context_chars": 40})
    produced = normalise(readable(name, render(excerpts, options, texts=texts)))
    golden = GOLDEN / f"excerpts.{name}.txt"
    if os.environ.get("UPDATE_GOLDEN") or not golden.exists():
        golden.write_bytes(produced.encode("utf-8"))
    assert produced == golden.read_bytes().decode("utf-8")
    if name == "json":
        items = json.loads(produced)["first"]["items"]
        assert [item["id"] for item in items] == [f"urn:uuid:{p[4]}" for p in PASSAGES]


@pytest.mark.parametrize("name", ["json", "qdpx", "csl"])
def test_golden_exports_pass_their_published_schemas(excerpts_and_texts, name):
    excerpts, texts = excerpts_and_texts
    options = ExportOptions(**{**FIXED.__dict__, "format": name, "context_chars": 40})
    data = render(excerpts, options, texts=texts)
    if name == "json":
        assert w3c_failures("collection", json.loads(data)) == []
    elif name == "qdpx":
        assert refi_errors(zipfile.ZipFile(io.BytesIO(data)).read("project.qde")) == []
    else:
        assert csl_errors(json.loads(data)) == []
