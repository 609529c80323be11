"""The hostile treatment for the issue-14 Office and OpenDocument importers: mutated
valid files, random bytes under each suffix, zip bombs, huge sheets, deep RTF groups and
XML entity floods. Each file is indexed or skipped with a reason, within a generous bound."""

from __future__ import annotations

import os
import resource
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import office_xml
from archive_app.core.ingest.documents import Document
from tests.core.ingest.office_fixtures import (
    RTF,
    make_odp,
    make_ods,
    make_odt,
    make_pptx,
    make_xlsx,
    write_odf,
)
from tests.reliability.test_hostile_files import load_or_reject, mutate, write_zip_bomb

NEW_SUFFIXES = [".odt", ".ods", ".odp", ".xlsx", ".pptx", ".rtf", ".csv", ".tsv"]
SEEDS: dict[str, bytes] = {}
MAKERS = {".odt": make_odt, ".ods": make_ods, ".odp": make_odp, ".xlsx": make_xlsx,
          ".pptx": make_pptx}
TEXTS = {".rtf": RTF, ".csv": b'name,cost\nBuoys,12\n"a,b",3\n', ".tsv": b"a\tb\nc\td\n"}


def seed_bytes(suffix: str) -> bytes:
    if suffix not in SEEDS:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"seed{suffix}"
            if suffix in MAKERS:
                MAKERS[suffix](path)
            else:
                path.write_bytes(TEXTS[suffix])
            SEEDS[suffix] = path.read_bytes()
    return SEEDS[suffix]


@st.composite
def mutated(draw, suffix: str) -> bytes:
    return mutate(draw, seed_bytes(suffix))


def check_result(result) -> None:
    if isinstance(result, Document):
        result.text.encode("utf-8")
        assert result.sha256 and result.title


@pytest.mark.parametrize("suffix", NEW_SUFFIXES)
def test_mutated_valid_files(suffix, tmp_path):
    seed_bytes(suffix)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=mutated(suffix))
    def check(data):
        path = tmp_path / f"mutant{suffix}"
        path.write_bytes(data)
        check_result(load_or_reject(path))

    check()


@pytest.mark.parametrize("suffix", NEW_SUFFIXES)
def test_random_bytes_under_each_suffix(suffix, tmp_path):
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.binary(min_size=1, max_size=4096))
    def check(data):
        path = tmp_path / f"random{suffix}"
        path.write_bytes(data)
        check_result(load_or_reject(path))

    check()


def test_zip_bombs_are_refused(tmp_path):
    bombs = {
        "bomb.xlsx": "xl/worksheets/sheet1.xml", "bomb.pptx": "ppt/slides/slide1.xml",
        "bomb.odt": "content.xml", "bomb.ods": "content.xml", "bomb.odp": "content.xml",
    }
    for name, member in bombs.items():
        path = tmp_path / name
        write_zip_bomb(path, member, {})
        result = load_or_reject(path)
        assert isinstance(result, RejectedFile) and result.code == "bomb", name


def _peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def test_huge_xlsx_sheet_is_cut_at_the_cell_cap(tmp_path):
    """A million cells in one sheet (14 MB of XML): read to the cap, in bounded memory."""
    path = make_xlsx(tmp_path / "seed.xlsx")
    huge = tmp_path / "huge.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(huge, "w",
                                                          zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                rows = "".join(f'<row r="{r}">' + "".join(
                    f"<c><v>{r * 10 + c}</v></c>" for c in range(10)) + "</row>"
                    for r in range(1, 100_001))
                data = data.replace(b"<sheetData>", b"<sheetData>" + rows.encode(), 1)
                if b"<sheetData/>" in data:
                    data = data.replace(b"<sheetData/>",
                                        f"<sheetData>{rows}</sheetData>".encode())
            target.writestr(info, data)
    before = _peak_kib()
    result = load_or_reject(huge)
    assert isinstance(result, Document)
    assert result.text.endswith(office_xml.cells_note())
    assert _peak_kib() - before < 600 * 1024


def test_huge_ods_repeats_are_never_expanded_past_the_cap(tmp_path):
    """LibreOffice's repeat counts, filled: 10^6 rows of 16,384 cells each claimed."""
    body = ('<office:spreadsheet><table:table table:name="Flood">'
            '<table:table-row table:number-rows-repeated="1000000">'
            '<table:table-cell table:number-columns-repeated="16384"><text:p>x</text:p>'
            '</table:table-cell></table:table-row></table:table></office:spreadsheet>')
    result = load_or_reject(write_odf(tmp_path / "flood.ods", "ods", body))
    assert isinstance(result, Document)
    assert result.text.endswith(office_xml.cells_note())
    assert len(result.text) < 2 * office_xml.MAX_CELLS + 1000


def test_deep_rtf_groups_and_deep_xml(tmp_path):
    rtf = tmp_path / "deep.rtf"
    rtf.write_bytes(b"{\\rtf1 " + b"{" * 2_000_000 + b"deep" + b"}" * 2_000_000)
    result = load_or_reject(rtf)
    assert isinstance(result, RejectedFile) and result.code == "corrupt"
    ok = tmp_path / "ok.rtf"
    ok.write_bytes(b"{\\rtf1 " + b"{" * 900 + b"nested words" + b"}" * 900 + b"}")
    assert load_or_reject(ok).text == "nested words"
    body = ("<office:text>" + "<text:span>" * 100_000 + "deep" + "</text:span>" * 100_000
            + "</office:text>")
    result = load_or_reject(write_odf(tmp_path / "deep.odt", "odt", body))
    assert isinstance(result, RejectedFile)


def test_entity_floods_are_not_expanded(tmp_path):
    laughs = ('<!DOCTYPE d [<!ENTITY a "' + "ha" * 100 + '">'
              + "".join(f'<!ENTITY {chr(98 + n)} "' + f"&{chr(97 + n)};" * 10 + '">'
                        for n in range(9)) + "]>")
    path = write_odf(tmp_path / "laughs.odt", "odt", "<office:text><text:p>&j;</text:p>"
                     "<text:p>plain words</text:p></office:text>")
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info.filename) for info in source.infolist()}
    content = members["content.xml"].replace(b"?>\n", b"?>\n" + laughs.encode(), 1)
    os.remove(path)
    with zipfile.ZipFile(path, "w") as target:
        for name, data in members.items():
            target.writestr(name, content if name == "content.xml" else data)
    result = load_or_reject(path)
    if isinstance(result, Document):
        assert len(result.text) < 10_000
