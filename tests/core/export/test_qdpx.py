"""REFI-QDA .qdpx: a zip with project.qde (codes, sources, coded selections) and the texts."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

import pytest

from archive_app.core.export import document_texts, render
from archive_app.core.export.qdpx import NAMESPACE
from tests.core.export.conftest import SCRIPT_NOTE, options

NS = {"q": NAMESPACE}


@pytest.fixture(scope="module")
def project(library, excerpts):
    data = render(excerpts, options(format="qdpx", tag_colors={"witness": "#7cc6f2"}),
                  document_texts(library, excerpts))
    archive = zipfile.ZipFile(io.BytesIO(data))
    root = ET.fromstring(archive.read("project.qde"))
    return archive, root


def test_project_root_and_namespace(project):
    archive, root = project
    assert root.tag == f"{{{NAMESPACE}}}Project"
    assert root.get("origin") == "Archive App" and root.get("name") == "Excerpts"
    assert root.get("creationDateTime") == "2024-01-02T03:04:05+00:00"
    assert archive.read("project.qde").startswith(b"<?xml")


def test_tags_become_nested_codes(project):
    _, root = project
    codes = root.find("q:CodeBook/q:Codes", NS)
    top = {code.get("name"): code for code in codes.findall("q:Code", NS)}
    assert set(top) == {"camp", "people", "security", "sources", "witness"}
    assert [c.get("name") for c in top["people"].findall("q:Code", NS)] == ["victims"]
    assert top["witness"].get("color") == "#7CC6F2"
    assert all(code.get("isCodable") == "true" for code in root.iter(f"{{{NAMESPACE}}}Code"))


def test_selections_slice_their_stored_source_text_to_the_quote(project, excerpts):
    archive, root = project
    guids = {code.get("guid"): code.get("name")
             for code in root.iter(f"{{{NAMESPACE}}}Code")}
    quotes = {e.annotation_uuid: e for e in excerpts}
    sources = root.findall("q:Sources/q:TextSource", NS)
    assert len(sources) == len({e.doc for e in excerpts})
    seen = 0
    for source in sources:
        path = source.get("plainTextPath")
        assert path == f"internal://{source.get('guid')}.txt"
        text = archive.read(f"sources/{source.get('guid')}.txt").decode("utf-8")
        for selection in source.findall("q:PlainTextSelection", NS):
            excerpt = quotes[selection.get("guid")]
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            assert text[start:end] == excerpt.quote
            refs = [guids[ref.get("targetGUID")]
                    for ref in selection.findall("q:Coding/q:CodeRef", NS)]
            assert refs == [tag.split("/")[-1] for tag in excerpt.tags]
            seen += 1
    assert seen == len(excerpts)


def test_note_is_the_selection_description(project):
    _, root = project
    descriptions = [d.text for d in root.iter(f"{{{NAMESPACE}}}Description")]
    assert SCRIPT_NOTE in descriptions


def test_without_document_texts_each_quote_is_its_own_source(excerpts):
    data = render(excerpts, options(format="qdpx"))
    archive = zipfile.ZipFile(io.BytesIO(data))
    root = ET.fromstring(archive.read("project.qde"))
    assert len(root.findall("q:Sources/q:TextSource", NS)) == len(excerpts)
