"""W3C Web Annotation JSON-LD: collection shape, bodies, selectors that slice the text."""

from __future__ import annotations

import json

from archive_app.core.export import document_texts, render
from tests.core.export.conftest import KEYS, SCRIPT_NOTE, options


def collection(excerpts, **changes) -> dict:
    return json.loads(render(excerpts, options(format="json", **changes)))


def test_collection_shape(excerpts):
    data = collection(excerpts, title="Camp")
    assert data["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert data["type"] == "AnnotationCollection" and data["label"] == "Camp"
    assert data["total"] == len(excerpts) == len(data["first"]["items"])
    assert data["first"]["type"] == "AnnotationPage"


def test_each_annotation_has_the_required_keys(excerpts):
    for item, excerpt in zip(collection(excerpts)["first"]["items"], excerpts, strict=True):
        assert item["id"] == f"urn:uuid:{excerpt.annotation_uuid}"
        assert item["type"] == "Annotation" and item["created"] == excerpt.created
        assert item["target"]["source"].startswith("file:///")
        kinds = [selector["type"] for selector in item["target"]["selector"]]
        assert kinds == ["TextPositionSelector", "TextQuoteSelector"]


def test_note_and_tags_become_textual_bodies(excerpts):
    items = collection(excerpts)["first"]["items"]
    item = next(i for i in items if any(b.get("value") == SCRIPT_NOTE for b in i["body"]))
    assert item["body"] == [
        {"type": "TextualBody", "value": SCRIPT_NOTE, "format": "text/plain",
         "purpose": "commenting"},
        {"type": "TextualBody", "purpose": "tagging", "value": "witness"}]
    tags = [b["value"] for i in items for b in i["body"] if b["purpose"] == "tagging"]
    assert sorted(tags) == ["camp", "people/victims", "security", "sources", "witness",
                            "witness", "witness"]


def test_position_selector_slices_the_document_text_to_exact(library, excerpts):
    texts = document_texts(library, excerpts)
    for item, excerpt in zip(collection(excerpts)["first"]["items"], excerpts, strict=True):
        position, quote = item["target"]["selector"]
        text = texts[excerpt.doc]
        assert text[position["start"]:position["end"]] == quote["exact"]
        assert text[:position["start"]].endswith(quote["prefix"])
        assert text[position["end"]:].startswith(quote["suffix"])


def test_search_excerpts_get_stable_uuid5_ids(library):
    from archive_app.core.export import excerpts_from_search

    found = excerpts_from_search(library, "residents", keys=[KEYS["ashraf"]])
    first = collection(found)["first"]["items"]
    again = collection(excerpts_from_search(library, "residents", keys=[KEYS["ashraf"]]))
    assert first == again["first"]["items"] and first[0]["id"].startswith("urn:uuid:")
    assert "body" not in first[0] and first[0]["motivation"] == "highlighting"
