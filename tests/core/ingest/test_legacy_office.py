"""Word 97-2003 (.doc) and Excel 97-2003 (.xls) files, written by LibreOffice from
documents python-docx and openpyxl made, read through `load_document` as a user would
see them; antiword and catdoc are the real Debian programs except where a test needs a
tool that hangs or misbehaves, which is a small script put first on PATH."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date, datetime, time
from pathlib import Path

import docx
import olefile
import openpyxl
import pytest

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import doc, load_document, xls
from tests.core.ingest.office_fixtures import RTF

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
LONG_CELL = " ".join(["the lighthouse keeper logged every passing vessel"] * 4)
PERSIAN = "گزارش سالانه بندر: حجم کشتیرانی افزایش یافت."
ARABIC = "تقرير الميناء السنوي"
DOC_TITLE = "گزارش بندر Harbour report"
_MADE: dict[str, Path] = {}


def _write_docx(path: Path) -> None:
    document = docx.Document()
    document.core_properties.title = DOC_TITLE
    document.core_properties.author = "Parisa Ahmadi"
    document.core_properties.created = datetime(2009, 5, 4, 10, 0)
    document.add_heading("Lock committee", level=1)
    first = document.add_paragraph("The committee approved repairs to the upper gate.")
    first.add_run().add_break()
    first.add_run("A second line in the same paragraph.")
    document.add_paragraph(PERSIAN)
    document.add_paragraph(ARABIC)
    table = document.add_table(rows=3, cols=2)
    for row, (left, right) in enumerate([("Budget", "4000 pounds"), ("بودجه", "۴۰۰۰"),
                                          ("Log", LONG_CELL)]):
        table.rows[row].cells[0].text = left
        table.rows[row].cells[1].text = right
    document.add_paragraph("Next meeting in May.")
    document.save(str(path))


def _write_xlsx(path: Path) -> None:
    book = openpyxl.Workbook()
    costs = book.active
    costs.title = "Costs"
    costs.append(["Item", "Cost", "When", "Paid", None, "Note"])
    costs.append(["Buoys", 1200, date(2012, 3, 4), True])
    costs.append(["Rope", 3.5, datetime(2012, 3, 5, 14, 30), False])
    costs.append(["Total", "=B2+B3", time(9, 15), None, None, None])
    costs.append(["Sum", "=0.1+0.2"])
    names = book.create_sheet("فهرست")
    names.append(["نام", "مقدار"])
    names.append(["لنگر", 7])
    errors = book.create_sheet("Errors")
    errors.append(["div", "=1/0"])
    errors.append(["na", "=NA()"])
    book.properties.title = "Harbour costs"
    book.properties.creator = "Parisa Ahmadi"
    book.properties.created = datetime(2010, 1, 2, 3, 4)
    book.save(str(path))


def _convert(sources: list[Path], target: str, out: Path, profile: Path) -> None:
    """LibreOffice headless with a profile of its own, so parallel runs never share one."""
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--norestore", "--convert-to", target, "--outdir", str(out),
                    *map(str, sources)], check=True, capture_output=True,
                   stdin=subprocess.DEVNULL, timeout=300)


def legacy_files(factory: pytest.TempPathFactory) -> dict[str, Path]:
    """{'doc': ..., 'xls': ...}, converted once a session (LibreOffice takes seconds)."""
    if not _MADE:
        if SOFFICE is None:
            pytest.fail("LibreOffice (soffice) is needed to write .doc and .xls fixtures: "
                        "apt-get install libreoffice-writer-nogui libreoffice-calc-nogui")
        folder = factory.mktemp("legacy-office")
        _write_docx(folder / "minutes.docx")
        _write_xlsx(folder / "costs.xlsx")
        profile = folder / "lo-profile"
        _convert([folder / "minutes.docx"], "doc", folder, profile)
        _convert([folder / "costs.xlsx"], "xls", folder, profile)
        _MADE.update(doc=folder / "minutes.doc", xls=folder / "costs.xls")
    return dict(_MADE)


@pytest.fixture(scope="session")
def legacy(tmp_path_factory) -> dict[str, Path]:
    return legacy_files(tmp_path_factory)


def _copy(source: Path, folder: Path, name: str) -> Path:
    target = folder / name
    shutil.copyfile(source, target)
    return target


def _rejection(path: Path) -> RejectedFile:
    with pytest.raises(RejectedFile) as caught:
        load_document(path, path.name)
    assert caught.value.reason.strip()
    return caught.value


def _tools_only(folder: Path, monkeypatch, **scripts: str) -> None:
    """PATH = a folder holding the named tools: real ones (value 'real') or scripts."""
    folder.mkdir(exist_ok=True)
    for name, body in scripts.items():
        target = folder / name
        if body == "real":
            target.symlink_to(shutil.which(name))
        else:
            target.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
            target.chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))


def test_doc_reads_as_paragraphs_with_its_table_as_rows(legacy):
    document = load_document(legacy["doc"], "archive/minutes.doc")
    blocks = document.text.split("\n\n")
    assert blocks[:4] == [
        "Lock committee",
        "The committee approved repairs to the upper gate.\n"
        "A second line in the same paragraph.",
        PERSIAN,
        ARABIC,
    ]
    assert blocks[4:] == ["Budget\t4000 pounds", "بودجه\t۴۰۰۰", f"Log\t{LONG_CELL}",
                          "Next meeting in May."], "a wrapped cell is one cell again"
    assert document.format == "doc" and document.lang == "en"


def test_doc_metadata_comes_from_summary_information(legacy):
    document = load_document(legacy["doc"], "archive/minutes.doc")
    assert (document.title, document.author, document.date) == (
        DOC_TITLE, "Parisa Ahmadi", "2009-05-04")


def test_xls_reads_each_sheet_as_excel_shows_its_cells(legacy):
    document = load_document(legacy["xls"], "archive/costs.xls")
    assert document.text == (
        "Sheet: Costs\n"
        "Item\tCost\tWhen\tPaid\t\tNote\n"
        "Buoys\t1200\t2012-03-04\tTRUE\n"
        "Rope\t3.5\t2012-03-05 14:30:00\tFALSE\n"
        "Total\t1203.5\t09:15:00\n"
        "Sum\t0.3\n\n"
        "Sheet: فهرست\n"
        "نام\tمقدار\n"
        "لنگر\t7\n\n"
        "Sheet: Errors\n"
        "div\t#DIV/0!\n"
        "na\t#N/A")
    assert (document.title, document.author, document.date) == (
        "Harbour costs", "Parisa Ahmadi", "2010-01-02")
    assert document.format == "xls"


def test_xls_numbers_and_dates_read_as_in_a_general_column():
    assert [xls.number_text(value) for value in (1200.0, -3.0, 3.5, 0.1 + 0.2, 1e20)] == [
        "1200", "-3", "3.5", "0.3", "1e+20"]
    assert xls.date_text(40972.0, 0) == "2012-03-04"
    assert xls.date_text(0.75, 0) == "18:00:00"
    assert xls.date_text(-5.0, 0) == "-5", "no date has this serial number"


def test_catdoc_reads_a_doc_antiword_refuses(legacy, tmp_path):
    """The table stream's name damaged: antiword finds no text, catdoc reads the
    document stream's pieces without it."""
    data = legacy["doc"].read_bytes()
    name = "1Table".encode("utf-16-le")
    assert data.count(name) == 1
    damaged = tmp_path / "damaged.doc"
    damaged.write_bytes(data.replace(name, "2Table".encode("utf-16-le")))
    refused = doc.run_tool(shutil.which("antiword"), doc.ANTIWORD_ARGS, damaged)
    assert refused.returncode != 0 and not refused.output.strip()
    document = load_document(damaged, "damaged.doc")
    blocks = document.text.split("\n\n")
    assert blocks[0] == "Lock committee" and PERSIAN in blocks and ARABIC in blocks
    assert "Budget\t4000 pounds" in blocks
    assert document.title == DOC_TITLE


def test_catdoc_is_used_alone_when_antiword_is_not_installed(legacy, tmp_path, monkeypatch):
    _tools_only(tmp_path / "bin", monkeypatch, catdoc="real")
    document = load_document(legacy["doc"], "minutes.doc")
    assert "Lock committee" in document.text and PERSIAN in document.text
    assert "The committee approved repairs to the upper gate." in document.text


def test_without_either_tool_the_reason_says_what_to_install(legacy, tmp_path, monkeypatch):
    _tools_only(tmp_path / "bin", monkeypatch)
    rejection = _rejection(legacy["doc"])
    assert rejection.code == "unsupported" and "antiword" in rejection.reason


def test_a_hanging_tool_is_stopped_at_the_time_limit(legacy, tmp_path, monkeypatch):
    sleep = shutil.which("sleep")
    pid_file = tmp_path / "pid"
    _tools_only(tmp_path / "bin", monkeypatch, antiword=f"echo $$ > {pid_file}\n"
                                                       f"exec {sleep} 600")
    monkeypatch.setattr(doc, "TOOL_TIME_LIMIT_SECONDS", 0.5)
    rejection = _rejection(legacy["doc"])
    assert rejection.code == "timeout" and "antiword" in rejection.reason
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)  # killed and reaped, not left behind


def test_the_tool_runs_capped_with_stdin_closed(legacy, tmp_path, monkeypatch):
    """What the tool itself sees: 1 GiB of address space (in KiB), 65 s of CPU, no core
    files, and an empty stdin (`cat` ends at once)."""
    cat = shutil.which("cat")
    _tools_only(tmp_path / "bin", monkeypatch,
                antiword=f"ulimit -v; ulimit -t; ulimit -c; {cat}; echo stdin-closed")
    document = load_document(legacy["doc"], "minutes.doc")
    assert document.text == "1048576\n65\n0\nstdin-closed"


def test_a_tools_message_is_escaped_and_never_shows_the_path(legacy, tmp_path, monkeypatch):
    script = ('for last; do :; done\n'
              'printf "\\033]0;PWNED\\007 $last is not a Word Document.\\n" >&2\nexit 1')
    _tools_only(tmp_path / "bin", monkeypatch, antiword=script)
    rejection = _rejection(_copy(legacy["doc"], tmp_path, "minutes.doc"))
    assert rejection.code == "corrupt"
    assert rejection.reason == ("DOC could not be read: antiword: \\x1b]0;PWNED\\x07 the file "
                                "is not a Word Document.")
    assert str(tmp_path) not in rejection.reason


def test_an_excel_file_named_doc_is_refused_with_antiwords_reason(legacy, tmp_path):
    rejection = _rejection(_copy(legacy["xls"], tmp_path, "sheet.doc"))
    assert rejection.code == "corrupt"
    assert "Excel spreadsheet" in rejection.reason and "catdoc" in rejection.reason


def test_too_much_output_is_cut_and_the_text_says_so(legacy, monkeypatch):
    monkeypatch.setattr(doc, "MAX_OUTPUT_BYTES", 40)
    document = load_document(legacy["doc"], "minutes.doc")
    assert document.text.startswith("Lock committee")
    assert document.text.endswith("text truncated; only the first 16,000,000 characters "
                                  "were kept]")


def test_an_encrypted_doc_is_refused_before_any_tool_runs(legacy, tmp_path):
    path = _copy(legacy["doc"], tmp_path, "secret.doc")
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        stream = bytearray(ole.openstream("WordDocument").read())
        stream[11] |= 0x01  # fEncrypted, bit 8 of the FIB flags at offset 10
        ole.write_stream("WordDocument", bytes(stream))
    rejection = _rejection(path)
    assert (rejection.code, rejection.reason) == ("unsupported",
                                                  "encrypted DOC (needs a password)")


def test_rtf_docx_and_xlsx_under_legacy_names_go_to_their_importers(tmp_path):
    rtf = tmp_path / "letter.doc"
    rtf.write_bytes(RTF)
    assert load_document(rtf, "letter.doc").text.strip()
    modern = tmp_path / "modern.doc"
    _write_docx(tmp_path / "modern.docx")
    shutil.copyfile(tmp_path / "modern.docx", modern)
    assert PERSIAN in load_document(modern, "modern.doc").text
    _write_xlsx(tmp_path / "book.xlsx")
    sheet = _copy(tmp_path / "book.xlsx", tmp_path, "book.xls")
    assert load_document(sheet, "book.xls").text.startswith("Sheet: Costs\nItem\tCost")


def test_files_that_are_not_word_or_excel_are_refused_with_a_reason(tmp_path):
    text = tmp_path / "notes.doc"
    text.write_text("just some words\n", encoding="utf-8")
    assert "no OLE signature" in _rejection(text).reason
    sheet = tmp_path / "notes.xls"
    sheet.write_text("just some words\n", encoding="utf-8")
    rejection = _rejection(sheet)
    assert rejection.code == "corrupt" and rejection.reason.startswith("XLS could not be read")
