"""Core fixtures: a Library over the small known corpus of archive_fixtures."""

from __future__ import annotations

import pytest

from archive_app.core.library import Library
from tests.core.archive_fixtures import make_corpus


@pytest.fixture
def library(app_paths, tmp_path):
    """A Library with the known corpus indexed; `library.corpus` is its folder."""
    library = Library(app_paths)
    library.corpus = make_corpus(tmp_path)
    library.sync([library.corpus])
    yield library
    library.close()


def keys(library, query) -> set[str]:
    """The document keys a query finds (up to 50)."""
    return {hit.key for hit in library.search(query, limit=50).hits}
