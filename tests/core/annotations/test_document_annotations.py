"""Tags and notes on a whole document (issue 19): made, found by tag:, undone, listed
as the whole document, exported as a W3C target with no selector and imported back,
shown in HTML by its caption; from the CLI with `annotate DOC --document`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from archive_app.core.annotations.importing import import_annotations
from archive_app.core.annotations.records import WHOLE_DOCUMENT, AnnotationError
from archive_app.core.export import excerpts_from_annotations, export_excerpts
from archive_app.core.export.model import ExportOptions
from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from tests.conftest import PROJECT_ROOT


@pytest.fixture
def archive(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "report.txt").write_text("The tide tables of the northern harbour.\n",
                                       encoding="utf-8")
    (corpus / "other.txt").write_text("A note about the tide and nothing else.\n",
                                      encoding="utf-8")
    library = Library(AppPaths(tmp_path / "home"))
    library.sync([corpus])
    yield library, corpus
    library.close()


def test_a_whole_document_is_tagged_found_listed_and_undone(archive):
    library, corpus = archive
    made = library.annotate_document("corpus/report.txt", ["dossier"], "to cite whole")
    assert made.is_document and made.shown_quote == WHOLE_DOCUMENT
    assert [hit.key for hit in library.search("tag:dossier").hits] == ["corpus/report.txt"]
    (corpus / "report.txt").write_text("New first line.\nThe tide tables of the harbour.\n",
                                       encoding="utf-8")
    library.sync([corpus])  # the text changed: a document note stays on its document
    [again] = library.all_annotations()
    assert again.is_document and again.state == "anchored"
    with pytest.raises(AnnotationError, match="at least one tag or a note"):
        library.annotate_document("corpus/report.txt", [])
    with pytest.raises(AnnotationError, match="no document"):
        library.annotate_document("corpus/none.txt", ["x"])
    library.undo()
    assert library.all_annotations() == []
    assert library.search("tag:dossier").hits == []


def test_it_exports_as_a_target_without_selector_and_imports_back(archive, tmp_path):
    library, _ = archive
    library.annotate_document("corpus/report.txt", ["dossier"], "to cite whole")
    options = ExportOptions(title="Dossier", format="json")
    target = tmp_path / "out.json"
    export_excerpts(library, lambda: excerpts_from_annotations(
        library, library.all_annotations()), options, target)
    [item] = json.loads(target.read_text(encoding="utf-8"))["first"]["items"]
    assert "selector" not in item["target"]
    assert item["target"]["source"].endswith("corpus/report.txt")
    html = tmp_path / "out.html"
    export_excerpts(library, lambda: excerpts_from_annotations(
        library, library.all_annotations()), ExportOptions(title="D", format="html"), html)
    assert WHOLE_DOCUMENT in html.read_text(encoding="utf-8")

    library.delete_annotation(library.all_annotations()[0].id)
    report = import_annotations(library, json.loads(target.read_text(encoding="utf-8")))
    assert report.created == 1, report.describe()
    [back] = library.all_annotations()
    assert back.is_document and back.tags == ["dossier"] and back.note == "to cite whole"


def test_the_cli_tags_a_whole_document(archive):
    library, _ = archive
    home = str(library.paths.home)
    library.close()
    result = subprocess.run(
        [sys.executable, "-m", "archive_app", "--home", home, "annotate",
         "corpus/other.txt", "--document", "--tag", "source/ngo"],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "whole of corpus/other.txt" in result.stdout
    listed = subprocess.run(
        [sys.executable, "-m", "archive_app", "--home", home, "annotations", "--json"],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    [item] = json.loads(listed.stdout)
    assert (item["doc"], item["quote"], item["start"], item["end"], item["tags"]) == (
        "corpus/other.txt", "", 0, 0, ["source/ngo"])
