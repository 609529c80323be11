"""The Office and OpenDocument importers of issue 14 (part 4) on real generated files:
text, metadata, slides as pages, caps, and a word only in a sheet or a slide found by
the CLI after indexing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import is_document_name, load_document, office_xml
from tests.conftest import PROJECT_ROOT
from tests.core.ingest.office_fixtures import (
    RTF,
    make_odp,
    make_ods,
    make_odt,
    make_pptx,
    make_xlsx,
    ods_body,
    write_odf,
)


def test_odt_paragraphs_headings_and_meta(tmp_path):
    doc = load_document(make_odt(tmp_path / "minutes.odt"), "minutes.odt")
    assert doc.format == "odt"
    assert doc.text.split("\n\n") == [
        "Dredging minutes", "The harbour board met on Tuesday.\tQuorum held.",
        "Item one: the quagmire budget", "cellword"]
    assert (doc.title, doc.author, doc.date) == ("Board minutes", "Ann Quay", "2013-09-01")


def test_ods_sheets_with_names_and_repeated_empty_cells_cost_nothing(tmp_path):
    doc = load_document(make_ods(tmp_path / "budget.ods"), "budget.ods")
    assert doc.text == ("Sheet: Q3 budget\nItem\tCost\nBuoys\t1200\n\n"
                        "Sheet: Staff\nName\t\tRole\nZebulon\t\tpilot")
    assert (doc.title, doc.author) == ("Budget", "Ben Dock")


def test_xlsx_sheets_cells_and_core_properties(tmp_path):
    doc = load_document(make_xlsx(tmp_path / "budget.xlsx"), "budget.xlsx")
    assert doc.format == "xlsx"
    assert doc.text.startswith("Sheet: Q3 budget\nItem\tCost\nBuoys\t1200\n\t\t\tfarflung")
    assert "Sheet: Staff\nZebulon\t\tpilot\nTRUE\t2.5" in doc.text
    assert (doc.title, doc.author, doc.date) == ("Budget workbook", "Ben Dock", "2014-05-06")


@pytest.mark.parametrize("maker,name", [(make_pptx, "deck.pptx"), (make_odp, "deck.odp")])
def test_slides_are_pages(tmp_path, maker, name):
    doc = load_document(maker(tmp_path / name), name)
    assert len(doc.page_starts) == 3
    pages = [doc.text[start:end].strip() for start, end in
             zip(doc.page_starts, [*doc.page_starts[1:], len(doc.text)], strict=True)]
    assert pages[0] == "Opening slide\nHarbour plans"
    assert pages[1] == "Second slide\nxylophone"
    assert pages[2].startswith("Closing words")
    assert (doc.title, doc.author) == ("Harbour deck", "Cy Pier")
    assert "speaker secret" not in doc.text  # notes are left out
    if name.endswith(".pptx"):
        assert "tablecell\nquokka" in pages[2] and doc.date == "2015-01-02"


def test_rtf_text_code_page_unicode_and_info(tmp_path):
    path = tmp_path / "minutes.rtf"
    path.write_bytes(RTF)
    doc = load_document(path, path.name)
    assert doc.text == "Café meeting\nSecond line with € euro and bold words\nTab\tend"
    assert (doc.title, doc.author, doc.date) == ("Minutes of the board", "Dee Wharf",
                                                 "2012-03-04")


def test_rtf_astral_characters_and_refusals(tmp_path):
    path = tmp_path / "emoji.rtf"
    path.write_bytes(rb"{\rtf1\ansi smile \u-10179?\u-8704? done}")
    assert load_document(path, path.name).text == "smile \U0001f600 done"
    path.write_bytes(b"not rtf at all")
    with pytest.raises(RejectedFile) as error:
        load_document(path, path.name)
    assert error.value.code == "corrupt"


def test_csv_sniffs_its_delimiter_and_tsv_uses_tabs(tmp_path):
    csv_file = tmp_path / "costs.csv"
    csv_file.write_text('name;cost\nBuoys;12\n"x;y";3\n', encoding="utf-8")
    assert load_document(csv_file, csv_file.name).text == "name\tcost\nBuoys\t12\nx;y\t3"
    tsv = tmp_path / "costs.tsv"
    tsv.write_text("a,b\tc\nd\te\n", encoding="utf-8")
    assert load_document(tsv, tsv.name).text == "a,b\tc\nd\te"
    broken = tmp_path / "broken.csv"  # an unclosed quote swallowing a huge field
    broken.write_text('a,"b\n' + "x" * 2_000_000 + "\nlast,line\n", encoding="utf-8")
    text = load_document(broken, broken.name).text
    assert text.endswith("last\tline") and len(text) < 1_100_000


def test_catalog_csv_stays_metadata():
    assert not is_document_name("catalog.csv") and not is_document_name("Catalog.CSV")
    assert is_document_name("budget.csv") and is_document_name("deck.pptx")


def test_cell_cap_cuts_a_sheet_with_a_note(tmp_path, monkeypatch):
    monkeypatch.setattr(office_xml, "MAX_CELLS", 50)
    xlsx = load_document(make_xlsx(tmp_path / "big.xlsx", rows=100), "big.xlsx")
    assert xlsx.text.endswith(office_xml.cells_note(50)) and "row40" not in xlsx.text
    ods = write_odf(tmp_path / "big.ods", "ods",
                    ods_body({"S": [[f"r{n}", "v"] for n in range(100)]}))
    text = load_document(ods, "big.ods").text
    assert text.endswith(office_xml.cells_note(50)) and "r24\tv" in text and "r25" not in text


def test_a_word_only_in_a_sheet_or_a_slide_is_found_by_the_cli(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_xlsx(corpus / "budget.xlsx")
    make_pptx(corpus / "deck.pptx")
    make_ods(corpus / "staff.ods")
    make_odt(corpus / "minutes.odt")
    (corpus / "catalog.csv").write_text("path,title\nbudget.xlsx,Budget from catalog\n")
    home = tmp_path / "home"

    def run(*args):
        result = subprocess.run([sys.executable, "-m", "archive_app", "--home", str(home),
                                 *args], capture_output=True, text=True, cwd=PROJECT_ROOT,
                                timeout=300)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
        return result.stdout

    assert "4 added" in run("index", str(corpus))
    assert "budget.xlsx" in run("search", "farflung")
    assert "deck.pptx" in run("search", "quokka")
    assert "staff.ods" in run("search", "zebulon")
    assert "minutes.odt" in run("search", "quagmire")
    assert "catalog.csv" not in run("search", "path")
