"""PDF text that reads well (issue 14): paragraphs joined, hyphens undone, lists, tables
and headings kept as lines, right-to-left text joined; and the scanned pages found.

The rules are pdf_lines.py's pure functions, tested on lines laid out by hand; the
importer is tested on PDFs that fpdf2, Pillow and LibreOffice write, asserting what a
reader of the stored text sees.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from PIL import Image, ImageDraw

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import limits, pdf
from archive_app.core.ingest.pdf_lines import (
    Line,
    compounds_in,
    is_list_item,
    join_pair,
    page_text,
)

# --- pdf_lines on hand-made lines ----------------------------------------------------

CHAR = 5.0
"""Points per character of the hand-made lines: widths follow the texts' lengths."""


class Full(str):
    """A line's text that is laid out across the whole measure (FULL characters wide),
    as justified text is, however long it is."""


FULL = 66


def laid_out(*texts: str, size: float = 10.0, pitch: float = 12.0, gap: float = 10.0,
             left: float = 72.0, rtl: bool = False) -> list[Line]:
    """Lines one under the other, as wide as their texts (a `Full` one: the measure);
    "" leaves a paragraph gap, a leading ">" indents by two ems. Right-to-left lines are
    set flush right at `left` + FULL characters."""
    lines, baseline = [], 700.0
    for text in texts:
        if text == "":
            baseline -= gap
            continue
        indent = 2 * size if text.startswith(">") else 0.0
        width = CHAR * (FULL if isinstance(text, Full) else len(text)) - indent
        text = text.removeprefix(">")
        if rtl:
            right = left + FULL * CHAR - indent
            lines.append(Line(text, right - width, right, baseline, size))
        else:
            lines.append(Line(text, left + indent, left + indent + width, baseline, size))
        baseline -= pitch
    return lines


def full(text: str) -> Full:
    return Full(text)


def test_a_paragraphs_lines_join_with_spaces() -> None:
    lines = laid_out(full("The harbour authority met on Tuesday to discuss the"),
                     full("state of the old quay, where the stones have shifted"),
                     "after the storms.")
    text = page_text(lines)
    assert "\n" not in text
    assert text.startswith("The harbour authority met on Tuesday to discuss the")
    assert " state of the old quay" in text and text.endswith(" after the storms.")


def test_paragraph_gaps_and_first_line_indents_separate_paragraphs() -> None:
    lines = laid_out(full("First paragraph runs to the margin of the page"), "and ends.",
                     "", full("Second paragraph after a gap runs to the margin"), "and ends.",
                     full(">Third paragraph has no gap but an indent of two"), "and ends.")
    assert page_text(lines).split("\n\n") == [
        f"{full('First paragraph runs to the margin of the page')} and ends.",
        f"{full('Second paragraph after a gap runs to the margin')} and ends.",
        f"{full('Third paragraph has no gap but an indent of two')} and ends.",
    ]


def test_end_of_line_hyphenation_is_undone() -> None:
    assert join_pair("a careful docu-", "mentation of") == "a careful documentation of"
    assert join_pair("a careful docu\u00ad", "mentation") == "a careful documentation"
    assert join_pair("the soft\u00ad", "Hyphen") == "the softHyphen"  # never a character


def test_real_hyphens_are_kept() -> None:
    assert join_pair("the Anglo-", "Saxon port") == "the Anglo-Saxon port"
    assert join_pair("the COVID-", "19 wards") == "the COVID-19 wards"
    assert join_pair("a state-of-the-", "art crane") == "a state-of-the-art crane"
    assert join_pair("a self-", "evident truth") == "a self-evident truth"
    camera_ready = compounds_in(["the final camera-ready copy"])
    assert join_pair("a camera-", "ready journal", camera_ready) == "a camera-ready journal"
    assert join_pair("a camera-", "ready journal") == "a cameraready journal"  # no evidence
    assert join_pair("options such as -", "v and -q") == "options such as - v and -q"


def test_hyphenation_across_lines_of_a_page() -> None:
    lines = laid_out(full("Engineers presented a long-term plan to rebuild the docu-"),
                     full("mentation of every stone and a careful estimate of the long-"),
                     "term costs.")
    text = page_text(lines, compounds_in(line.text for line in lines))
    assert "documentation of every stone" in text
    assert "the long-term costs." in text


def test_list_items_stay_lines_and_their_continuations_join() -> None:
    lines = laid_out("The survey found:",
                     full("\u2022 loose stones along the outer wall, which the divers"),
                     "counted one by one;",
                     full("\u2022 a cracked slipway that the lifeboat crew can no longer"),
                     full("2. rusted rings, numbered as the council's list numbers them"),
                     "(c) and a lettered item.")
    assert page_text(lines).split("\n") == [
        "The survey found:",
        f"{full(chr(0x2022) + ' loose stones along the outer wall, which the divers')} "
        "counted one by one;",
        full("\u2022 a cracked slipway that the lifeboat crew can no longer"),
        full("2. rusted rings, numbered as the council's list numbers them"),
        "(c) and a lettered item.",
    ]


@pytest.mark.parametrize("text", ["\u2022 item", "- item", "1. item", "12) item", "a. item",
                                  "(iv) item", "\uf0b7 item"])
def test_list_markers(text: str) -> None:
    assert is_list_item(text)


@pytest.mark.parametrize("text", ["2013 was a year", "-v is an option", "a.b.c"])
def test_not_list_markers(text: str) -> None:
    assert not is_list_item(text)


def test_a_block_of_short_lines_keeps_its_lines() -> None:
    rows = ["Item Cost", "Stones 4,000", full("Slipway and the whole of the southern"),
            "Rings 800"]
    lines = laid_out(full("A paragraph runs to the margin so the page has a measure"),
                     "that is wide.", "", *rows)
    assert page_text(lines).split("\n\n")[1].split("\n") == rows


def test_short_lines_end_headings_and_code() -> None:
    lines = laid_out("Harbour works", full("The quay is old and needs repairs along its"),
                     "whole length.", "x = read(grid)", "draw contour")
    assert page_text(lines).split("\n") == [
        "Harbour works",
        f"{full('The quay is old and needs repairs along its')} whole length.",
        "x = read(grid)", "draw contour"]


def test_a_font_size_change_starts_a_block() -> None:
    heading = Line("Template Overview and what a long heading holds", 72, 72 + 60 * CHAR,
                   712, 14)
    body = laid_out(full("As noted in the introduction the class can be used"), "widely.")
    assert page_text([heading, *body]).split("\n\n")[0] == heading.text


def test_a_sentence_goes_on_in_the_next_column() -> None:
    first = laid_out(full("The quay was built in the last century of stones"),
                     full("brought by barge from the quarries up the river, and"))
    second = laid_out("the council kept the accounts.", left=330.0)  # top of column two
    text = page_text([*first, *second])
    assert text.endswith("up the river, and the council kept the accounts.")


def test_a_new_column_that_starts_a_sentence_is_a_new_block() -> None:
    first = laid_out(full("The quay was built in the last century of stones"),
                     full("brought by barge from the quarries up the river."))
    second = laid_out("Repairs began in spring.", left=330.0)
    assert page_text([*first, *second]).split("\n\n")[-1] == "Repairs began in spring."


ARABIC = ["لما كان الاعتراف بالكرامة المتأصلة في جميع أعضاء الأسرة البشرية وبحقوقهم",
          "المتساوية الثابتة هو أساس الحرية والعدل والسلام في العالم ولما كان تناسي",
          "حقوق الإنسان قد أفضيا إلى أعمال همجية."]


def test_right_to_left_lines_join() -> None:
    lines = laid_out(*ARABIC, rtl=True)
    assert page_text(lines) == " ".join(ARABIC)


def test_right_to_left_paragraphs_are_told_by_gaps() -> None:
    lines = laid_out(ARABIC[0], ARABIC[1], ARABIC[2], "", ARABIC[0], ARABIC[2], rtl=True)
    assert page_text(lines).split("\n\n") == [" ".join(ARABIC), f"{ARABIC[0]} {ARABIC[2]}"]


def test_persian_hyphen_is_not_hyphenation() -> None:
    assert join_pair("حقوق بشر -", "آزادی") == "حقوق بشر - آزادی"


def test_chinese_lines_join_without_a_space() -> None:
    joined = join_pair("人人生而自由，在尊严和权利上", "一律平等。")
    assert joined == "人人生而自由，在尊严和权利上一律平等。"


def test_a_url_broken_at_a_slash_or_dot_joins_without_a_space() -> None:
    assert join_pair("see https://www.acm.org/publications/", "proceedings") == (
        "see https://www.acm.org/publications/proceedings")
    assert join_pair("at https://www.", "acm.org/x") == "at https://www.acm.org/x"
    assert join_pair("the end.", "Next") == "the end. Next"


# --- the importer on generated PDFs --------------------------------------------------

PARAGRAPH = ["The harbour authority met on Tuesday to discuss the state of the old",
             "northern quay, where the stones have shifted after the winter storms",
             "and the mooring rings no longer hold the larger fishing boats during",
             "a spring tide."]
HYPHENATED = ["Engineers presented a long-term plan to rebuild the quay with full docu-",
              "mentation of every stone, a survey of the sea floor and a careful esti-",
              "mate of the costs, which the council will weigh as part of its long-",
              "term budget together with the old records of the Anglo-",
              "Saxon port."]
LIST = ["The survey found three problems:",
        "1. loose stones along the outer wall, which the divers counted one",
        "by one during the low tides of March and April;",
        "2. a cracked slipway that the lifeboat crew can no longer use at night;",
        "3. rusted mooring rings."]
TABLE = [("Item", "Cost"), ("Stones", "4,000"), ("Slipway", "12,000"), ("Rings", "800")]


def _lines(pdf_file: FPDF, rows: list[str], height: float = 5.5) -> None:
    for row in rows:
        pdf_file.cell(0, height, row, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def make_report(path: Path) -> Path:
    """One page as a word processor lays it out: a heading, a paragraph, a paragraph
    with hyphenated line ends, a list with a wrapped item and a short-line table."""
    document = FPDF()
    document.set_title("Harbour works")
    document.add_page()
    document.set_font("Helvetica", "B", 16)
    _lines(document, ["Harbour works"], 9)
    document.ln(3)
    document.set_font("Helvetica", size=11)
    for rows in (PARAGRAPH, HYPHENATED, LIST):
        _lines(document, rows)
        document.ln(4)
    for name, cost in TABLE:
        document.cell(40, 5.5, name)
        document.cell(30, 5.5, cost, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    document.output(str(path))
    return path


@pytest.fixture
def report(tmp_path: Path) -> list[str]:
    extracted = pdf.extract(make_report(tmp_path / "report.pdf"))
    assert extracted.ocr_pages == []
    return extracted.page_texts[0].split("\n\n")


def test_report_reads_as_paragraphs(report: list[str]) -> None:
    assert report[0] == "Harbour works"
    assert report[1] == " ".join(PARAGRAPH)


def test_report_hyphenation_is_undone_and_compounds_kept(report: list[str]) -> None:
    assert report[2] == (
        "Engineers presented a long-term plan to rebuild the quay with full documentation "
        "of every stone, a survey of the sea floor and a careful estimate of the costs, "
        "which the council will weigh as part of its long-term budget together with the "
        "old records of the Anglo-Saxon port.")


def test_report_list_and_table_keep_their_lines(report: list[str]) -> None:
    assert report[3].split("\n") == [
        "The survey found three problems:",
        "1. loose stones along the outer wall, which the divers counted one by one during "
        "the low tides of March and April;",
        LIST[3], LIST[4]]
    assert [row.split() for row in report[4].split("\n")] == [list(row) for row in TABLE]


def test_two_columns_read_column_by_column(tmp_path: Path) -> None:
    sentence = "The pilots read the tide tables every morning before the ferries leave. "
    document = FPDF()
    document.add_page()
    document.set_font("Helvetica", size=11)
    with document.text_columns(ncols=2, gutter=10, text_align="J") as columns:
        for number in range(4):
            columns.write(f"Paragraph {number} begins here. " + sentence * 5)
            columns.ln()
            columns.ln()
    path = tmp_path / "columns.pdf"
    document.output(str(path))
    text = pdf.extract(path).page_texts[0]
    assert text.split("\n\n") == [
        f"Paragraph {number} begins here. " + (sentence * 5).strip() for number in range(4)]


FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.2"
 office:mimetype="application/vnd.oasis.opendocument.text">
<office:automatic-styles><style:style style:name="R" style:family="paragraph">
<style:paragraph-properties fo:text-align="justify" style:writing-mode="rl-tb"
 fo:margin-bottom="0.4cm"/><style:text-properties style:font-size-complex="14pt"/>
</style:style></office:automatic-styles>
<office:body><office:text>{}</office:text></office:body></office:document>"""
PERSIAN = ("از آنجا که شناسائی حیثیت ذاتی کلیه اعضای خانواده بشری و حقوق یکسان و انتقال "
           "ناپذیر آنان اساس آزادی و عدالت و صلح را در جهان تشکیل میدهد و از آنجا که عدم "
           "شناسائی و تحقیر حقوق بشر منتهی به اعمال وحشیانه گردیده است")


@pytest.mark.parametrize("paragraph", [PERSIAN, " ".join(ARABIC)], ids=["persian", "arabic"])
def test_right_to_left_pdf_from_libreoffice_joins(tmp_path: Path, paragraph: str) -> None:
    """A right-to-left paragraph LibreOffice wraps over three lines reads as one, its
    words in order (the Arabic one has lam-alef ligatures, which pdfium reverses)."""
    source = tmp_path / "rtl.fodt"
    paragraphs = "".join(f'<text:p text:style-name="R">{p}</text:p>'
                         for p in (paragraph, "ماده اول"))
    source.write_text(FODT.format(paragraphs), encoding="utf-8")
    for _ in range(2):  # a conversion right after another can fail while that one ends
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir",
                        str(tmp_path), str(source)], capture_output=True, timeout=180)
        if (tmp_path / "rtl.pdf").exists():
            break
    else:
        pytest.fail("LibreOffice did not convert the page to PDF (scripts/ensure-system.sh "
                    "test installs it)")
    blocks = pdf.extract(tmp_path / "rtl.pdf").page_texts[0].split("\n\n")
    assert [block.split() for block in blocks] == [paragraph.split(), ["ماده", "اول"]]


def test_document_info_is_kept(tmp_path: Path) -> None:
    extracted = pdf.extract(make_report(tmp_path / "report.pdf"))
    assert extracted.metadata["title"] == "Harbour works"
    assert extracted.metadata["date"].startswith("D:")


def test_encrypted_pdf_is_refused_with_a_reason(tmp_path: Path) -> None:
    document = FPDF()
    document.add_page()
    document.set_font("Helvetica", size=12)
    document.cell(0, 10, "secret")
    document.set_encryption(owner_password="owner", user_password="user")
    document.output(str(tmp_path / "locked.pdf"))
    with pytest.raises(RejectedFile) as error:
        pdf.extract(tmp_path / "locked.pdf")
    assert error.value.code == "unsupported"
    assert "encrypted PDF" in error.value.reason


def test_broken_pdf_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage")
    with pytest.raises(RejectedFile) as error:
        pdf.extract(path)
    assert error.value.code == "corrupt"
    assert error.value.reason.startswith("PDF could not be parsed")


def test_page_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    document = FPDF()
    document.set_font("Helvetica", size=12)
    for number in range(3):
        document.add_page()
        document.cell(0, 10, f"page {number}")
    document.output(str(tmp_path / "three.pdf"))
    monkeypatch.setattr(limits, "MAX_PDF_PAGES", 2)
    with pytest.raises(RejectedFile) as error:
        pdf.extract(tmp_path / "three.pdf")
    assert error.value.code == "too-large"


# --- scanned pages -------------------------------------------------------------------

def scan_image(words: str = "Scanned letter about the harbour") -> Image.Image:
    """A white A4 page at 150 dpi with a line of text drawn into the picture."""
    image = Image.new("RGB", (1240, 1754), "white")
    ImageDraw.Draw(image).text((100, 100), words, fill="black")
    return image


def test_an_image_only_pdf_is_all_scans_and_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    scan_image().save(path, resolution=150)
    second = scan_image("Second page")
    scan_image().save(path, resolution=150, save_all=True, append_images=[second])
    extracted = pdf.extract(path)
    assert extracted.ocr_pages == [0, 1]
    assert extracted.page_texts == ["", ""]


def test_a_mixed_pdf_marks_only_its_scanned_pages(tmp_path: Path) -> None:
    document = FPDF()
    document.set_font("Helvetica", size=12)
    words = ["The first page has a real text layer.", "",
             "The third page is text again.", "Page 4", "", ""]
    for number, text in enumerate(words):
        document.add_page()
        if number in (1, 3):  # a full-page scan; page 4 with a stamp on it
            document.image(scan_image(), x=0, y=0, w=210, h=297)
        if number == 4:
            document.rect(20, 20, 100, 60, style="F")  # drawn, no text: outlines?
        if text:
            document.cell(0, 10, text)
    path = tmp_path / "mixed.pdf"
    document.output(str(path))
    extracted = pdf.extract(path)
    assert extracted.ocr_pages == [1, 3, 4]  # page 6 is blank: nothing to read
    assert extracted.page_texts[0] == words[0]
    assert extracted.page_texts[3] == "Page 4"  # the thin text stays for the loader
    assert extracted.page_texts[5] == ""


def test_a_picture_with_a_caption_is_not_a_scan(tmp_path: Path) -> None:
    document = FPDF()
    document.set_font("Helvetica", size=12)
    document.add_page()
    document.image(scan_image(), x=0, y=0, w=210, h=250)
    document.set_y(260)
    document.cell(0, 10, "Figure 1: the northern quay in the spring of 2013.")
    path = tmp_path / "figure.pdf"
    document.output(str(path))
    assert pdf.extract(path).ocr_pages == []
