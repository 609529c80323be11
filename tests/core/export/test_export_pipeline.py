"""`export_excerpts`, the one export pipeline of both faces: gather, tag colours, texts, write."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
import zipfile

import pytest

from archive_app.core.errors import Cancelled
from archive_app.core.export import (
    ExportOptions,
    NothingToExport,
    excerpts_from_annotations,
    export_excerpts,
)
from archive_app.core.export.qdpx import NAMESPACE
from archive_app.core.jobs import JobControl
from archive_app.core.library import Library
from tests.core.archive_fixtures import KEYS, make_corpus


@pytest.fixture
def library(app_paths, tmp_path):
    """A fresh Library over the known corpus, as tests/core/conftest.py makes it: not the
    shared, annotated one of this package's conftest, since these tests add their own."""
    library = Library(app_paths)
    library.corpus = make_corpus(tmp_path)
    library.sync([library.corpus])
    yield library
    library.close()


@pytest.fixture
def out(tmp_path):
    """A folder of its own for the export (tmp_path holds the home and the corpus)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def test_tags_keep_their_colours_and_documents_their_whole_texts(library, out):
    library.annotate_quote(KEYS["ashraf"], "52 residents", ["witness"], "counted")
    library.set_tag_color("witness", "#123456")
    count, written = export_excerpts(
        library, lambda: excerpts_from_annotations(library, library.all_annotations()),
        ExportOptions(format="qdpx"), out / "project.qdpx")
    assert (count, written) == (1, out / "project.qdpx")
    assert [path.name for path in out.iterdir()] == ["project.qdpx"]  # atomic
    archive = zipfile.ZipFile(written)
    root = ET.fromstring(archive.read("project.qde"))
    [code] = root.iter(f"{{{NAMESPACE}}}Code")
    assert (code.get("name"), code.get("color")) == ("witness", "#123456")
    [source] = root.iter(f"{{{NAMESPACE}}}TextSource")
    text = archive.read(f"sources/{source.get('guid')}.txt").decode("utf-8")
    assert text == library.document(KEYS["ashraf"]).text


def test_an_empty_choice_writes_nothing(library, out):
    with pytest.raises(NothingToExport, match="nothing to export"):
        export_excerpts(library, list, ExportOptions(format="md"), out / "none.md")
    assert list(out.iterdir()) == []


def test_a_cancel_while_gathering_writes_nothing(library, out):
    library.annotate_quote(KEYS["liberty"], "Mortar attacks", ["attacks"])
    reports = []
    control = JobControl(progress=lambda *report: reports.append(report),
                         cancel_event=threading.Event())

    def gather_then_cancel():
        excerpts = excerpts_from_annotations(library, library.all_annotations())
        control.cancel_event.set()  # the user pressed Cancel while excerpts were gathered
        return excerpts

    with pytest.raises(Cancelled):
        export_excerpts(library, gather_then_cancel, ExportOptions(format="md"),
                        out / "cancelled.md", control=control)
    assert reports == [(0, 0, "Gathering excerpts…")]
    assert list(out.iterdir()) == []
