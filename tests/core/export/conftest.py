"""A real Library over a small corpus with hostile notes, a formula quote and Persian text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive_app.core.export import Excerpt, ExportOptions, excerpts_from_annotations
from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from tests.conftest import write_files
from tests.core.archive_fixtures import FILES, KEYS
from tests.core.ingest.conftest import make_pdf

PERSIAN = "ساکنان اردوگاه به بغداد منتقل شدند"
SCRIPT_NOTE = "<script>alert(1)</script>"
FORMULA = "=cmd|' /C calc'!A0"
EXTRA_FILES = {
    "persian.txt": f"گزارش اردوگاه\n\n{PERSIAN}. حمله در سال ۲۰۱۳ رخ داد.",
    "persian.txt.meta.json": json.dumps({"lang": "fa", "source": "Radio Farda",
                                         "date": "2013-09-02"}),
    "formula.txt": f"Spreadsheet notes\n\n{FORMULA} is a classic payload. Keep it inert.",
    "special.txt": "Costs note\n\nThe costs rose sharply in 2013. Nobody expected it.",
    "special.txt.meta.json": json.dumps({
        "title": "Costs & Benefits: 50% of R_D {draft}", "author": "Jane Doe",
        "date": "2013-09", "source": "Gazette #3", "url": "https://example.org/a_b?x=1"}),
}
KEYS = {**KEYS, "persian": "corpus/persian.txt", "formula": "corpus/formula.txt",
        "special": "corpus/special.txt"}
MULTILINE = "Camp Liberty relocation\n\nResidents were moved"
FIXED = ExportOptions(timestamp="2024-01-02T03:04:05+00:00")


@pytest.fixture(scope="package")
def library(tmp_path_factory) -> Iterator[Library]:
    base = tmp_path_factory.mktemp("export")
    corpus = write_files(base / "corpus", {**FILES, **EXTRA_FILES})
    library = Library(AppPaths(base / "home"))
    library.sync([corpus])
    annotate = library.annotate_quote
    annotate(KEYS["ashraf"], "52 residents", ["witness", "people/victims"], "Busztin's count")
    annotate(KEYS["ashraf"], "Witnesses described the massacre in detail.", ["witness"],
             SCRIPT_NOTE)
    annotate(KEYS["liberty"], MULTILINE, ["camp"])
    annotate(KEYS["persian"], PERSIAN, ["witness"])
    annotate(KEYS["formula"], FORMULA, ["security"], "+1 formula")
    annotate(KEYS["special"], "The costs rose sharply in 2013.", ["sources"])
    annotate(KEYS["accents"], "Café society in Zürich", [], "a note without a tag")
    yield library
    library.close()


@pytest.fixture(scope="package")
def excerpts(library) -> list[Excerpt]:
    return excerpts_from_annotations(library, library.all_annotations(), context_chars=40)


def options(**changes) -> ExportOptions:
    values = {**FIXED.__dict__, **changes}
    return ExportOptions(**values)


def by_doc(excerpts: list[Excerpt], name: str) -> list[Excerpt]:
    return [e for e in excerpts if e.doc == KEYS[name]]


def write(tmp_path: Path, excerpts, **changes) -> Path:
    from archive_app.core.export import export_to_file

    chosen = options(**changes)
    return export_to_file(excerpts, chosen, tmp_path / f"out.{chosen.format}")


# -- a corpus of the kinds of documents reference managers and QDA tools tell apart ------

PDF_PAGES = [
    "Debian annual report. The project grew this year.",
    "Second page: the release team froze the archive in spring.",
    "Third page: security support was extended to five years.",
]
EMAIL = ("From: Mary Shore <mary@example.org>\nTo: archive@example.org\n"
         "Subject: Camp visit notes\nDate: Mon, 02 Sep 2013 10:00:00 +0000\n"
         "Content-Type: text/plain; charset=utf-8\n\n"
         "We visited the camp on Sunday. The water supply was cut again.\n")
HASHED = "0a1b2c3d4e5f6a7b.txt"
INTEROP_FILES = {
    "report.pdf": b"",  # written by make_pdf
    "report.pdf.meta.json": json.dumps({"author": "Debian Project", "source": "Debian",
                                        "date": "2013-09-01"}),
    "udhr.txt": "Preamble\n\nWhereas recognition of the inherent dignity of all members "
                "of the human family is the foundation of freedom.",
    "udhr.txt.meta.json": json.dumps({"title": "Universal Declaration of Human Rights",
                                      "author": "United Nations General Assembly",
                                      "source": "United Nations", "date": "1948-12-10"}),
    "amnesty.txt": "Annual briefing\n\nDetainees were held without charge for months.",
    "amnesty.txt.meta.json": json.dumps({"author": "Amnesty International"}),
    "journal.txt": "Camp studies\n\nRelocation changed the residents' daily routines.",
    "journal.txt.meta.json": json.dumps({"author": "Jane Doe and John Smith",
                                         "source": "Journal of Camp Studies",
                                         "date": "2015-03"}),
    "news.txt": "Camp closes\n\nThe last residents left the camp on Friday.",
    "news.txt.meta.json": json.dumps({"author": "Doe, Jane; Roe, Richard",
                                      "source": "The Baghdad Times", "date": "2016-09-09"}),
    "page.html": "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
                 "<title>Camp history</title></head><body><p>The camp opened in 1986 "
                 "near the border.</p></body></html>",
    "page.html.meta.json": json.dumps({"url": "https://example.org/camp-history",
                                       "source": "Camp Archive Online", "date": "2020-05-04"}),
    "mail.eml": EMAIL,
    HASHED: "Seven years after the attack the residents are still waiting for justice "
            "and for news of the missing.",
    "persian.txt": EXTRA_FILES["persian.txt"],
    "persian.txt.meta.json": EXTRA_FILES["persian.txt.meta.json"],
}
INTEROP = {name.split(".")[0]: f"corpus/{name}" for name in INTEROP_FILES
           if not name.endswith(".json")}
INTEROP_QUOTES = {  # document -> (quote, tags, note)
    "udhr": ("inherent dignity of all members", ["rights/dignity"], "Note line one\nline two"),
    "amnesty": ("held without charge", ["detention & law"], ""),
    "journal": ("daily routines", [], "two authors"),
    "news": ("left the camp on Friday", ["camp"], ""),
    "page": ("opened in 1986", [], "A web page"),
    "mail": ("water supply was cut", ["camp"], ""),
    "0a1b2c3d4e5f6a7b": ("still waiting for justice", [], "untitled"),
    "persian": (PERSIAN, ["witness"], ""),
}


@pytest.fixture(scope="package")
def interop_library(tmp_path_factory) -> Iterator[Library]:
    """Documents of every kind the source exports tell apart: a 3-page PDF by an
    organisation, a UN declaration, an undated NGO text, two authors in one field, a
    newspaper, a web page, an e-mail, a file named by a hash, a Persian text."""
    base = tmp_path_factory.mktemp("interop")
    files = {name: content for name, content in INTEROP_FILES.items() if content != b""}
    corpus = write_files(base / "corpus", files)
    make_pdf(corpus / "report.pdf", PDF_PAGES, info=False)
    library = Library(AppPaths(base / "home"))
    library.sync([corpus])
    view = library.document(INTEROP["report"])
    second, third = view.page_starts[1], view.page_starts[2]
    library.annotate(INTEROP["report"], second, second + 11, ["release"], "")
    library.annotate(INTEROP["report"], third - 8, third + 5, [], "across pages")
    for name, (quote, tags, note) in INTEROP_QUOTES.items():
        library.annotate_quote(INTEROP[name], quote, tags, note)
    yield library
    library.close()


@pytest.fixture(scope="package")
def interop_excerpts(interop_library) -> list[Excerpt]:
    return excerpts_from_annotations(interop_library, interop_library.all_annotations(),
                                     context_chars=30)
