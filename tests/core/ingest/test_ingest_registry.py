"""The public registry functions and metadata precedence: file < catalog.csv < sidecar."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive_app.core.ingest import (
    is_document_file,
    load_document,
    read_catalog,
    read_sidecar,
    sidecar_path,
    supported_suffixes,
)


def test_supported_suffixes_cover_every_format() -> None:
    assert supported_suffixes() == {
        ".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".eml", ".epub",
        ".odt", ".ods", ".odp", ".xlsx", ".pptx", ".rtf", ".csv", ".tsv",
        ".doc", ".xls", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp",
        ".zip", ".7z", ".tar", ".tgz", ".tbz2", ".txz", ".mbox", ".mbx", ".pst", ".ost",
        ".msg",
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", True),
        ("REPORT.PDF", True),
        ("notes.markdown", True),
        ("report.pdf.meta.json", False),
        ("report.meta.json", False),
        ("catalog.csv", False),
        (".hidden.txt", False),
        ("~$minutes.docx", False),
        ("picture.png", True),
        ("archive.zip", True),
        ("leak.tar.gz", True),
        ("leak.TAR.XZ", True),
        ("data.gz", False),
        ("program.exe", False),
    ],
)
def test_is_document_file(name: str, expected: bool) -> None:
    assert is_document_file(Path("corpus") / name) is expected


def test_sidecar_path_uses_the_full_file_name() -> None:
    assert sidecar_path(Path("a/report.pdf")) == Path("a/report.pdf.meta.json")


def test_sidecar_overrides_catalog_which_overrides_the_file(md_file: Path) -> None:
    sidecar_path(md_file).write_text(json.dumps({"title": "Sidecar title", "colour": "blue"}))
    catalog = {"title": "Catalog title", "author": "Catalog author", "date": "1999"}
    doc = load_document(md_file, "marsh.md", catalog_metadata=catalog)
    assert doc.title == "Sidecar title"
    assert doc.author == "Catalog author"
    assert doc.date == "1999"
    assert doc.lang == "en"  # from the front matter, nobody overrode it
    assert not hasattr(doc, "colour")


def test_empty_override_values_do_not_clear_file_metadata(md_file: Path) -> None:
    sidecar_path(md_file).write_text(json.dumps({"author": ""}))
    doc = load_document(md_file, "marsh.md", catalog_metadata={"title": "", "date": "not a date"})
    assert doc.title == "Field notes on salt marshes"
    assert doc.author == "Ada Fenn; Ben Reed"
    assert doc.date == "2012-06-30"


def test_stem_sidecar_is_read_when_the_full_name_one_is_missing(tmp_path: Path) -> None:
    document = tmp_path / "report.txt"
    document.write_text("Body text")
    (tmp_path / "report.meta.json").write_text('{"source": "Stem sidecar", "date": "2001-02"}')
    assert read_sidecar(document) == {"source": "Stem sidecar", "date": "2001-02"}
    (tmp_path / "report.txt.meta.json").write_text('{"source": "Full sidecar"}')
    assert read_sidecar(document) == {"source": "Full sidecar"}


def test_broken_sidecar_is_ignored_with_a_warning(tmp_path: Path, caplog) -> None:
    document = tmp_path / "report.txt"
    document.write_text("Body text survives")
    sidecar_path(document).write_text("{not json")
    doc = load_document(document, "report.txt")
    assert doc.text == "Body text survives"
    assert "ignoring sidecar" in caplog.text


def test_read_catalog_keys_by_posix_relative_path(tmp_path: Path) -> None:
    (tmp_path / "catalog.csv").write_text(
        "path,title,author,source,date,url,lang,extra\n"
        "./sub\\a.pdf,Title A,Author A,,2013-01-02,,en,x\n"
        "b.txt,Title B,,,,,,\n",
        encoding="utf-8",
    )
    catalog = read_catalog(tmp_path)
    assert catalog == {
        "sub/a.pdf": {"title": "Title A", "author": "Author A", "date": "2013-01-02",
                      "lang": "en"},
        "b.txt": {"title": "Title B"},
    }


def test_read_catalog_missing_file_is_empty(tmp_path: Path) -> None:
    assert read_catalog(tmp_path) == {}


TRICKY_CATALOG = (
    'path,title,author,date\n'
    '"a.txt","A title, with a comma",Ann,2001\n'
    'b.txt,"A title that names a.txt and\n'
    'runs over two lines, a.txt again",Bob,2002\n'
    './sub\\c.txt,"She said ""c.txt""",Cy,2003\n'
    'd.txt,"Line one\n'
    'line two\n'
    'c.txt line three",Dee,2004\n'
    'a.txt,Second row for a.txt wins,Ann,2005\n'
    'e.txt\n'
)


def test_read_catalog_for_a_few_files_reads_their_rows_as_the_whole_parse_does(
        tmp_path: Path) -> None:
    """A sync reading a few files looks their rows up by name (no parse of every
    record): the same rows as the full parse, quoted line breaks and quotes included."""
    (tmp_path / "catalog.csv").write_text(TRICKY_CATALOG, encoding="utf-8")
    everything = read_catalog(tmp_path)
    assert everything["a.txt"]["title"] == "Second row for a.txt wins"
    assert everything["sub/c.txt"]["title"] == 'She said "c.txt"'
    for wanted in ({"a.txt"}, {"b.txt"}, {"sub/c.txt"}, {"d.txt"}, {"e.txt"}, {"zz.txt"},
                   {"a.txt", "d.txt", "sub/c.txt"}, set(everything)):
        assert read_catalog(tmp_path, wanted) == {
            key: value for key, value in everything.items() if key in wanted}, wanted
