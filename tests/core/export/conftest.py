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
