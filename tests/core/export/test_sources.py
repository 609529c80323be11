"""The cited documents as CSL-JSON and BibTeX: one entry each, unique keys, escaping."""

from __future__ import annotations

import json
import re

from archive_app.core.export import render
from archive_app.core.export.bibtex import escape
from archive_app.core.export.csl import issued
from tests.core.export.conftest import KEYS, options

ENTRY = re.compile(r"^@(\w+)\{([^,]+),$", re.MULTILINE)


def csl(excerpts) -> list[dict]:
    return json.loads(render(excerpts, options(format="csl")))


def test_csl_one_item_per_document(excerpts):
    items = csl(excerpts)
    assert len(items) == len({e.doc for e in excerpts}) == 6
    assert len({item["id"] for item in items}) == len(items)
    special = next(item for item in items if item["title"].startswith("Costs"))
    assert special["author"] == [{"family": "Doe", "given": "Jane"}]
    assert special["issued"] == {"date-parts": [[2013, 9]]}
    assert special["container-title"] == "Gazette #3"
    assert special["type"] == "article-newspaper"
    assert special["URL"] == "https://example.org/a_b?x=1"
    ashraf = next(item for item in items if item["title"] == "Camp Ashraf attack")
    assert ashraf["author"] == [{"literal": "UN News Centre"}]
    assert ashraf["issued"] == {"date-parts": [[2013, 9, 1]]}
    bare = next(item for item in items if item["title"] == "Café society")
    assert bare["type"] == "document" and "author" not in bare and "issued" not in bare


def test_csl_partial_dates():
    assert issued("2013") == {"date-parts": [[2013]]}
    assert issued("") is None and issued("spring 1990") == {"literal": "spring 1990"}


def test_bibtex_entries_keys_and_escaping(excerpts):
    text = render(excerpts, options(format="bibtex")).decode("utf-8")
    entries = ENTRY.findall(text)
    assert len(entries) == 6 and len({key for _, key in entries}) == 6
    assert ("article", "doe2013costs") in entries
    assert ("misc", "cafe") in entries and ("misc", "2013persian") in entries
    assert r"title = {{Costs \& Benefits: 50\% of R\_D \{draft\}}}" in text
    assert "author = {Doe, Jane}" in text and "author = {{UN News Centre}}" in text
    assert r"journal = {Gazette \#3}" in text and "month = sep," in text
    assert "url = {https://example.org/a_b?x=1}" in text
    unescaped = text.replace(r"\{", "").replace(r"\}", "")
    assert unescaped.count("{") == unescaped.count("}")


def test_bibtex_escape_every_special_character():
    assert escape("a\\b{c}%&$#_~^") == (r"a\textbackslash{}b\{c\}\%\&\$\#\_"
                                          r"\textasciitilde{}\textasciicircum{}")


def test_keys_are_unique_for_same_author_year_and_title(excerpts):
    from archive_app.core.export.common import citation_keys

    twins = [excerpts[0], excerpts[0]]
    twins = [type(e)(**{**e.__dict__, "doc": f"{e.doc}{i}"}) for i, e in enumerate(twins)]
    keys = citation_keys(twins)
    assert len(set(keys.values())) == 2
    assert KEYS["accents"] + "0" in keys
