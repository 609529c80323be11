"""REFI-QDA projects against Project.xsd (QDA-XML 1.0), with a user and no empty codebook."""

from __future__ import annotations

import getpass
import io
import zipfile

import pytest
from lxml import etree

from archive_app.core.export import document_texts, excerpts_from_search, render
from archive_app.core.export.qdpx import NAMESPACE
from tests.core.export.conftest import KEYS, options
from tests.core.export.interop import refi_errors

NS = {"q": NAMESPACE}


def project_xml(excerpts, texts=None, **changes) -> bytes:
    data = render(excerpts, options(format="qdpx", **changes), texts)
    return zipfile.ZipFile(io.BytesIO(data)).read("project.qde")


def test_the_schema_rejects_an_empty_codebook():
    empty = (f'<Project xmlns="{NAMESPACE}" name="x"><CodeBook><Codes/></CodeBook>'
             "</Project>").encode()
    assert refi_errors(empty)


def test_annotation_export_is_valid(library, excerpts):
    assert refi_errors(project_xml(excerpts, document_texts(library, excerpts))) == []


def test_several_kinds_of_document_are_valid(interop_library, interop_excerpts):
    texts = document_texts(interop_library, interop_excerpts)
    assert refi_errors(project_xml(interop_excerpts, texts)) == []


def test_search_export_without_tags_has_no_codebook_and_is_valid(library):
    found = excerpts_from_search(library, "residents", keys=[KEYS["ashraf"]])
    xml = project_xml(found, document_texts(library, found))
    assert refi_errors(xml) == []
    assert etree.fromstring(xml).find("q:CodeBook", NS) is None


@pytest.mark.parametrize("user", ["Dr. Layla Ahmadi", ""])
def test_the_user_creates_everything(excerpts, user):
    root = etree.fromstring(project_xml(excerpts, user=user))
    users = root.findall("q:Users/q:User", NS)
    assert [u.get("name") for u in users] == [user or getpass.getuser()]
    guid = users[0].get("guid")
    assert root.get("creatingUserGUID") == guid
    made = [e for tag in ("TextSource", "PlainTextSelection", "Coding")
            for e in root.iter(f"{{{NAMESPACE}}}{tag}")]
    assert made and all(e.get("creatingUser") == guid for e in made)


def test_each_author_is_a_separate_value(interop_excerpts):
    root = etree.fromstring(project_xml(interop_excerpts))
    variables = {v.get("guid"): v.get("name") for v in root.iterfind("q:Variables/q:Variable",
                                                                     NS)}

    def authors(name: str) -> list[str]:
        source = next(s for s in root.iterfind("q:Sources/q:TextSource", NS)
                      if s.get("name").startswith(name))
        return [value.findtext("q:TextValue", namespaces=NS)
                for value in source.iterfind("q:VariableValue", NS)
                if variables[value.find("q:VariableRef", NS).get("targetGUID")] == "Author"]

    assert authors("Camp studies") == ["Doe, Jane", "Smith, John"]
    assert authors("Camp closes") == ["Doe, Jane", "Roe, Richard"]
    assert authors("Annual briefing") == ["Amnesty International"]


@pytest.mark.parametrize("identity", ["http://example.org/anno1", "hypAAA111Bb"])
def test_imported_ids_that_are_not_guids_still_make_a_valid_project(excerpts, identity):
    """An imported annotation keeps its file's id (a W3C IRI, a Hypothesis id); the
    project's selection guid must still be a GUID, the same one on every export."""
    from dataclasses import replace
    imported = [replace(excerpts[0], annotation_uuid=identity)]
    xml = project_xml(imported)
    assert refi_errors(xml) == []
    guid = etree.fromstring(xml).find(".//q:PlainTextSelection", NS).get("guid")
    assert guid == etree.fromstring(project_xml(imported)).find(
        ".//q:PlainTextSelection", NS).get("guid")


def test_an_imported_annotation_stays_filed_under_its_creator(excerpts):
    """Annotations imported from Hypothesis or W3C keep their creator: the project lists
    that person as a User too and files their selection and coding under them."""
    from dataclasses import replace
    theirs = replace(excerpts[0], creator="Alice A.")
    xml = project_xml([theirs, excerpts[1]], user="Me")
    assert refi_errors(xml) == []
    root = etree.fromstring(xml)
    users = {u.get("name"): u.get("guid") for u in root.findall("q:Users/q:User", NS)}
    assert set(users) == {"Me", "Alice A."} and root.get("creatingUserGUID") == users["Me"]
    first, second = root.findall(".//q:PlainTextSelection", NS)
    assert first.get("creatingUser") == users["Alice A."]
    assert all(c.get("creatingUser") == users["Alice A."] for c in first.iter(
        f"{{{NAMESPACE}}}Coding"))
    assert second.get("creatingUser") == users["Me"]
