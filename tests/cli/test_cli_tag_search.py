"""`archive-app search 'tag:…'` as README documents it: leaf names, sub-tags, renames."""

from __future__ import annotations

import json

import pytest

from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from tests.cli.test_cli import run
from tests.core.archive_fixtures import KEYS, make_corpus


@pytest.fixture
def home(tmp_path):
    home = tmp_path / "cli-home"
    run(home, "index", str(make_corpus(tmp_path)))
    run(home, "annotate", KEYS["ashraf"], "--quote", "Witnesses described", "--tag",
        "people/witnesses")
    run(home, "annotate", KEYS["report"], "--quote", "integer value", "--tag", "people")
    return home


def found(home, query: str) -> list[str]:
    return sorted(hit["doc"] for hit in json.loads(run(home, "search", query,
                                                       "--json").stdout)["hits"])


def test_search_by_leaf_name_finds_the_full_tag(home):
    assert found(home, "tag:witnesses") == [KEYS["ashraf"]]
    assert found(home, "tag:people") == sorted([KEYS["ashraf"], KEYS["report"]])
    assert found(home, "tag:people/*") == [KEYS["ashraf"]]


def test_search_naming_a_renamed_tag_says_so(home):
    library = Library(AppPaths(home))
    try:
        library.rename_tag("people/witnesses", "people/eyewitnesses")
    finally:
        library.close()
    output = run(home, "search", "tag:people/witnesses").stdout
    assert "0 documents" in output
    assert "tag 'people/witnesses' was renamed to 'people/eyewitnesses'" in output
    assert "Did you mean: tag:people/eyewitnesses" in output
    assert found(home, "tag:eyewitnesses") == [KEYS["ashraf"]]
