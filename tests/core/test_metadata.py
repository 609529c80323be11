"""One Metadata record: the four document-shaped records extend it and declare none of
its fields again (they were four copies of one field list, and the document type had
reached only two of them), and each is built from the same fields."""

from __future__ import annotations

import typing

import pytest

from archive_app.core.export.gather import excerpts_from_annotations
from archive_app.core.export.model import Excerpt
from archive_app.core.indexing.model import DocumentView
from archive_app.core.ingest.documents import Document
from archive_app.core.metadata import METADATA_FIELDS, RECORD_FIELDS, Metadata
from archive_app.core.search.searcher import Hit
from tests.core.archive_fixtures import KEYS

RECORDS = [Document, DocumentView, Hit, Excerpt]


@pytest.mark.parametrize("record", RECORDS, ids=lambda record: record.__name__)
def test_each_record_is_a_metadata_and_repeats_none_of_its_fields(record):
    assert issubclass(record, Metadata)
    own = set(record.__dict__.get("__annotations__", {}))
    assert not own & set(RECORD_FIELDS), own & set(RECORD_FIELDS)
    assert set(RECORD_FIELDS) <= set(typing.get_type_hints(record))


def test_the_reader_view_and_the_excerpt_carry_the_same_metadata(library):
    """What the user edits (the document type among it) reaches the reader's view and,
    through it, the exported excerpt, field for field."""
    key = KEYS["ashraf"]
    library.edit_metadata(key, {"type": "report", "author": "United Nations"})
    view = library.document(key)
    assert (view.type, view.author, view.source) == ("report", "United Nations", "UN News")
    [excerpt] = excerpts_from_annotations(library, [library.annotate(key, 0, 18, ["t"])])
    assert {name: getattr(excerpt, name) for name in METADATA_FIELDS if name != "title"} \
        == {name: getattr(view, name) for name in METADATA_FIELDS if name != "title"}
    assert excerpt.format == view.format == "txt"
