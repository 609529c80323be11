"""W3C Web Annotation JSON against the official web-annotation-tests "must" assertions."""

from __future__ import annotations

import json

import pytest

from archive_app.core.export import excerpts_from_search, render
from tests.core.export.conftest import KEYS, options
from tests.core.export.interop import must_assertions, w3c_failures


def collection(excerpts, **changes) -> dict:
    return json.loads(render(excerpts, options(format="json", **changes)))


def test_the_vendored_assertions_are_read():
    assert len(must_assertions("annotation")) >= 20
    assert {name.rsplit("/", 1)[-1] for name, _ in must_assertions("collection")} >= {
        "5.1-collectionIdValidated.json", "5.1-collectionTypeValidated.json"}
    assert any("pageIdValidated" in name for name, _ in must_assertions("page"))


def test_the_checker_catches_a_missing_id():
    assert any("collectionIdValidated" in failure for failure in w3c_failures(
        "collection", {"@context": "http://www.w3.org/ns/anno.jsonld",
                       "type": "AnnotationCollection"}))


def test_collection_and_page_pass_every_must_assertion(excerpts):
    data = collection(excerpts)
    assert w3c_failures("collection", data) == []
    assert w3c_failures("page", data) == []
    assert w3c_failures("page", data["first"]) == []


def test_collection_and_page_ids_are_distinct_and_stable_per_export(excerpts):
    data, again = collection(excerpts), collection(excerpts)
    assert data["id"].startswith("urn:uuid:") and data["first"]["id"].startswith("urn:uuid:")
    assert data["id"] != data["first"]["id"] and data["first"]["partOf"]["id"] == data["id"]
    assert (again["id"], again["first"]["id"]) == (data["id"], data["first"]["id"])
    assert collection(excerpts, title="Other")["id"] != data["id"]


@pytest.mark.parametrize("source", ["annotations", "search"])
def test_each_item_copied_out_alone_passes_every_must_assertion(library, excerpts, source):
    chosen = excerpts if source == "annotations" else excerpts_from_search(
        library, "residents", keys=[KEYS["ashraf"], KEYS["liberty"]])
    items = collection(chosen)["first"]["items"]
    assert items
    for item in items:
        alone = json.loads(json.dumps(item))
        assert alone["@context"] == "http://www.w3.org/ns/anno.jsonld"
        assert w3c_failures("annotation", alone) == [], alone["id"]
