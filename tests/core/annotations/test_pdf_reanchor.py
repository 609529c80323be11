"""Annotations made on a PDF indexed before issue 14, whose stored text kept every line
break of the page, find their words again once the text is joined into paragraphs.

The old index is built with the joining turned off (each block's lines kept as they
were drawn, pdf_lines.join_block replaced), the PDF read in this process so that the
replacement applies; then the archive is read again with the real joining. Real
SQLite store, real Whoosh index, the Library's own re-anchoring.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archive_app.core import ingest
from archive_app.core.annotations.anchoring import ANCHORED, REANCHORED
from archive_app.core.ingest import pdf_lines
from archive_app.core.library import Library
from tests.core.conftest import keys
from tests.core.ingest.test_pdf_text import make_report

KEY = "corpus/report.pdf"


def ragged(block, measure, compounds) -> str:
    """The text before issue 14: the lines of a block as the page breaks them."""
    return "\n".join(line.text.strip() for line in block)


@pytest.fixture
def old_index(app_paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A Library whose index holds the report PDF's ragged (old) text."""
    monkeypatch.setattr(ingest, "ISOLATED_FORMATS", frozenset())  # read here, not in a child
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_report(corpus / "report.pdf")
    library = Library(app_paths)
    library.corpus = corpus
    with monkeypatch.context() as old:
        old.setattr(pdf_lines, "join_block", ragged)
        library.sync([corpus])
    yield library
    library.close()


def annotation(library: Library, annotation_id: int):
    return next(a for a in library.annotations_for(KEY) if a.id == annotation_id)


@pytest.mark.parametrize("how", ["rebuild", "touched file"])
def test_annotations_follow_the_text_into_joined_paragraphs(old_index: Library, how) -> None:
    library = old_index
    old_text = library.document(KEY).text
    assert "state of the old\nnorthern quay" in old_text  # the ragged lines of before
    assert "full docu-\nmentation of every stone" in old_text
    across_break = library.annotate_quote(KEY, "state of the old northern quay", ["quay"])
    start = old_text.index("full docu-")
    end = old_text.index("every stone") + len("every stone")
    across_hyphen = library.annotate(KEY, start, end, ["survey"], note="the stones")
    heading = library.annotate_quote(KEY, "Harbour works", ["title"])

    if how == "rebuild":
        library.sync(rebuild=True)
    else:
        path = library.corpus / "report.pdf"
        os.utime(path, ns=(0, path.stat().st_mtime_ns + 5_000_000_000))
        assert library.sync().updated == 1

    text = library.document(KEY).text
    assert text != old_text
    assert "the state of the old northern quay, where" in text
    assert "full documentation of every stone" in text
    moved = annotation(library, across_break.id)  # only white space changed: exact
    assert (moved.state, text[moved.start:moved.end]) == (
        ANCHORED, "state of the old northern quay")
    rejoined = annotation(library, across_hyphen.id)  # a word changed: found, for review
    assert (rejoined.state, text[rejoined.start:rejoined.end]) == (
        REANCHORED, "full documentation of every stone")
    assert rejoined.exact == "full documentation of every stone"
    assert (rejoined.tags, rejoined.note) == (["survey"], "the stones")
    kept = annotation(library, heading.id)
    assert (kept.state, text[kept.start:kept.end]) == (ANCHORED, "Harbour works")


def test_joined_words_are_found_by_search_after_reindexing(old_index: Library) -> None:
    library = old_index
    assert keys(library, "documentation") == set()  # "docu- mentation" before
    library.sync(rebuild=True)
    assert keys(library, "documentation") == {KEY}
    assert keys(library, '"estimate of the costs"') == {KEY}
