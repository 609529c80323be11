"""CSV parsed back: exact columns, formula cells neutralised, optional BOM, CRLF rows."""

from __future__ import annotations

import csv
import io

from archive_app.core.export import render
from archive_app.core.export.csv_format import COLUMNS, neutralise
from tests.core.export.conftest import FORMULA, MULTILINE, SCRIPT_NOTE, options


def rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def test_columns_and_one_row_per_excerpt(excerpts):
    data = render(excerpts, options(format="csv"))
    assert data.startswith(b"document,title,author,source,date,url,quote,tags,note,start,end\r\n")
    parsed = rows(data)
    assert list(parsed[0]) == list(COLUMNS) and len(parsed) == len(excerpts)
    victims = next(row for row in parsed if row["quote"] == "52 residents")
    assert victims["tags"] == "witness\npeople/victims"
    assert victims["author"] == "UN News Centre" and victims["note"] == "Busztin's count"
    assert int(victims["end"]) - int(victims["start"]) == 12
    assert any(row["quote"] == MULTILINE for row in parsed)
    assert any(row["note"] == SCRIPT_NOTE for row in parsed)


def test_formula_cells_are_neutralised(excerpts):
    parsed = rows(render(excerpts, options(format="csv")))
    formula = next(row for row in parsed if row["tags"] == "security")
    assert formula["quote"] == "'" + FORMULA and formula["note"] == "'+1 formula"
    for cell in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(cell) == "'" + cell
    assert neutralise("plain") == "plain"


def test_bom_only_when_asked(excerpts):
    assert not render(excerpts, options(format="csv")).startswith(b"\xef\xbb\xbf")
    with_bom = render(excerpts, options(format="csv", csv_bom=True))
    assert with_bom.startswith(b"\xef\xbb\xbfdocument,")
    assert rows(with_bom[3:]) == rows(render(excerpts, options(format="csv")))


def test_a_tag_with_separator_like_text_reads_back_as_one_tag():
    from archive_app.core.export import Excerpt
    from archive_app.core.export.csv_format import TAG_SEPARATOR

    tags = ["law; order", "a | b", "people/victims", "R&D, costs"]
    excerpt = Excerpt(doc="corpus/a.txt", path="corpus/a.txt", quote="q", start=0, end=1,
                      tags=tags)
    cell = rows(render([excerpt], options(format="csv")))[0]["tags"]
    assert cell.split(TAG_SEPARATOR) == tags


def test_raw_keeps_every_cell_as_it_is(excerpts):
    parsed = rows(render(excerpts, options(format="csv", csv_raw=True)))
    formula = next(row for row in parsed if row["tags"] == "security")
    assert formula["quote"] == FORMULA and formula["note"] == "+1 formula"
