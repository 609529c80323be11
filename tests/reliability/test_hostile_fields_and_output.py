"""Hostile characters in names, texts, metadata, tags and notes break no export and no terminal.

Every field is cleaned once, where it enters (text, title, metadata, imported notes and
tags): what XML 1.0 forbids is removed or replaced, so every export format is valid
whatever the archive holds. Every human-readable line the CLI prints shows control
characters as visible escapes, so a file name cannot retitle or recolour the terminal,
nor forge a line of output.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from archive_app.core.annotations.importing import import_annotations
from archive_app.core.export import (
    FORMATS,
    Excerpt,
    ExportOptions,
    document_texts,
    excerpts_from_annotations,
    export_to_file,
)
from archive_app.core.ingest.documents import normalise_field, normalise_text
from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from tests.conftest import PROJECT_ROOT

C0 = "".join(chr(c) for c in range(0x20))
C1 = "".join(chr(c) for c in range(0x7F, 0xA0))
NASTY = (C0 + C1 + "\uffff\ufffe\ufeff\u202e\u202d\u2066\u2069\u200f\ufdd0\U0001fffe"
         "\U0010ffff\ud800\udc80")
"""Every kind of character an adversary can plant, lone surrogates included."""
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
NONCHARACTER = re.compile("[\ufdd0-\ufdef\ufffe\uffff\U0001fffe\U0001ffff\U0010fffe"
                          "\U0010ffff]")
TITLE_ESCAPE = "\x1b]0;PWNED\x07\x1b[31m red"
FORGED = "\nFORGED LINE"
SURROGATE_NAME = os.fsdecode(b"caf\xe9 latin1")  # 'caf\udce9 latin1': not UTF-8


def dirty(text: str) -> str:
    """The characters a field must not keep (after the door, or in an export)."""
    return "".join(sorted(set(XML_INVALID.findall(text) + NONCHARACTER.findall(text)
                              + re.findall("[\x00-\x08\x0b-\x1f\x7f-\x9f]", text))))


def hostile_corpus(base: Path) -> Path:
    """Files whose text, names and sidecars carry every nasty character."""
    corpus = base / "corpus"
    corpus.mkdir(parents=True)
    printable = NASTY.replace("\x00", "").replace("\ud800", "").replace("\udc80", "")
    prose = "Plain prose that keeps the file looking like text. " * 200  # past the sniff
    body = (f"First line {printable} pwnedword\n\nThe body says pwnedword {printable} again."
            f" Quote me here.\n\n{prose}\n\nAfter the sniffed part: {NASTY} the end.")
    (corpus / "nasty.txt").write_bytes(body.encode("utf-8", "surrogatepass"))
    (corpus / "nasty.txt.meta.json").write_text(json.dumps({
        "author": f"Eve {NASTY} Adversary", "source": f"Leaks {NASTY}",
        "url": f"https://example.org/{NASTY}", "date": "2020-01-02"}), encoding="utf-8")
    (corpus / f"{TITLE_ESCAPE}.txt").write_text(
        "The pwnedword terminal title (from the name). Quote me here.", encoding="utf-8")
    (corpus / f"forged{FORGED}.txt").write_text(
        "A pwnedword forged line (from the name). Quote me here.", encoding="utf-8")
    (corpus / f"{TITLE_ESCAPE} empty.txt").write_text("", encoding="utf-8")
    (corpus / "front.md").write_text(
        '---\ntitle: "Front \\x01\\x1b[31m \\uFFFF\\x85 matter"\nauthor: "A\\x1b[31m B"\n---\n'
        + "Front matter prose that is long enough to read as text. " * 20
        + "\n\nThe pwnedword front matter. Quote me here.\n", encoding="utf-8")
    (corpus / f"{SURROGATE_NAME}.txt").write_bytes(
        f"{SURROGATE_NAME}\n\nThe pwnedword latin name. Quote me here.".encode(
            "utf-8", "surrogateescape"))
    return corpus


def web_annotation(key: str, exact: str, tag: str, note: str, identity: str = "") -> dict:
    return {"id": identity, "type": "Annotation",
            "body": [{"type": "TextualBody", "purpose": "tagging", "value": tag},
                     {"type": "TextualBody", "value": note}],
            "target": {"source": f"urn:archive-app:{key}", "selector": [
                {"type": "TextQuoteSelector", "exact": exact}]}}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A real archive of the hostile corpus, annotated with hostile notes and tags."""
    base = tmp_path_factory.mktemp("hostile")
    corpus = hostile_corpus(base)
    library = Library(AppPaths(base / "home"))
    library.sync([corpus])
    keys = sorted(hit.key for hit in library.search("quote", limit=50).hits)
    assert len(keys) == 5, keys
    items = [web_annotation(key, "Quote me here", f"imported/{NASTY}", f"note {NASTY}\nend")
             for key in keys]
    report = import_annotations(library, items)
    assert report.created == 5, report.not_found
    library.annotate_quote(keys[0], "pwnedword", [f"typed\x1b[31m{NASTY}"],
                           note=f"typed {TITLE_ESCAPE}{FORGED}")
    library.edit_metadata(keys[1], {"title": f"Edited {NASTY}", "source": f"S {NASTY}"})
    yield library, keys, base
    library.close()


def test_fields_are_clean_at_the_door():
    assert dirty(normalise_text(f"a{NASTY}b\nc")) == ""
    assert dirty(normalise_field(f"a{NASTY}b")) == ""
    assert "\ufffd" in normalise_text("lone \ud800 surrogate")
    assert normalise_text("tab\tand\nnewline") == "tab\tand\nnewline"
    assert "\u202e" in normalise_text("bidi \u202e stays in text (RTL documents need it)")


def test_indexed_text_titles_metadata_and_imported_notes_are_clean(hostile):
    library, keys, _ = hostile
    for key in keys:
        view = library.document(key)
        for name in ("text", "title", "author", "source", "url", "date", "lang"):
            assert dirty(getattr(view, name)) == "", (key, name)
        assert view.title.strip(), key
    imported = [a for a in library.all_annotations() if a.note.startswith("note")]
    assert len(imported) == 5
    for annotation in imported:
        assert dirty(annotation.note + "".join(annotation.tags)) == ""


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_export_format_is_valid(hostile, fmt, tmp_path):
    library, _, _ = hostile
    excerpts = excerpts_from_annotations(library, library.all_annotations(), context_chars=40)
    assert len(excerpts) == 6
    texts = document_texts(library, excerpts)
    options = ExportOptions(format=fmt, title=f"Export {NASTY}", context_chars=40,
                            timestamp="2024-01-02T03:04:05+00:00")
    path = export_to_file(excerpts, options, tmp_path / f"out.{fmt}", texts=texts)
    VALIDATORS[fmt](path)


def _text_of(path: Path) -> str:
    text = path.read_bytes().decode("utf-8-sig")  # strict: no lone surrogates
    assert dirty(text.replace("\r\n", "\n")) == ""
    return text


def _docx(path: Path) -> None:
    document = docx.Document(str(path))
    assert any("Quote me here" in p.text for p in document.paragraphs)
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith(".xml"):
                etree.fromstring(archive.read(name))


def _qdpx(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("project.qde"))
        assert root.tag.endswith("Project")
        sources = [name for name in archive.namelist() if name.startswith("sources/")]
        texts = {name: archive.read(name).decode("utf-8") for name in sources}
    assert all(dirty(text) == "" for text in texts.values())
    for selection in root.iter("{*}PlainTextSelection"):
        source = selection.getparent()
        text = texts["sources/" + source.get("plainTextPath").split("//")[1]]
        start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
        assert 0 <= start < end <= len(text)


def _json(path: Path) -> None:
    json.loads(_text_of(path))


def _html(path: Path) -> None:
    text = _text_of(path)
    parser = lxml_html.HTMLParser(recover=False)
    tree = lxml_html.document_fromstring(text.encode("utf-8"), parser=parser)
    assert "Quote me here" in tree.text_content()


def _csv(path: Path) -> None:
    rows = list(csv.reader(io.StringIO(_text_of(path), newline="")))
    assert len(rows) == 7 and all(len(row) == len(rows[0]) for row in rows)


def _bibtex(path: Path) -> None:
    _balanced_entries(_text_of(path), 5)


def _balanced_entries(text: str, count: int) -> None:
    """pybtex parses the entries when installed; else each entry's braces balance."""
    try:
        from pybtex.database import parse_string
    except ImportError:
        entries = [e for e in re.split(r"\n(?=@)", text.strip()) if e]
        assert len(entries) == count
        for entry in entries:
            unescaped = re.sub(r"\\[{}]", "", entry)
            depth = 0
            for char in unescaped:
                depth += {"{": 1, "}": -1}.get(char, 0)
                assert depth >= 0, entry
            assert depth == 0, entry
    else:
        assert len(parse_string(text, "bibtex").entries) == count


def _markdown(path: Path) -> None:
    assert "Quote me here" in _text_of(path)


VALIDATORS = {"md": _markdown, "html": _html, "docx": _docx, "csv": _csv, "json": _json,
              "qdpx": _qdpx, "csl": _json, "bibtex": _bibtex}

ANY_TEXT = st.text(st.characters(exclude_categories=()) | st.sampled_from(NASTY), max_size=30)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(fields=st.fixed_dictionaries({name: ANY_TEXT for name in (
    "doc", "path", "title", "author", "source", "date", "url", "lang", "note", "prefix",
    "suffix", "context_before", "context_after", "citation")}),
    tags=st.lists(ANY_TEXT, max_size=3), title=ANY_TEXT)
def test_exports_are_valid_whatever_the_excerpts_hold(fields, tags, title, tmp_path):
    """Excerpts straight from anywhere (an old index, a typed note), not cleaned first."""
    excerpt = Excerpt(**fields, quote="Quote me here" + fields["note"], start=0, end=13,
                      tags=tags, annotation_uuid="u-1")
    texts = {fields["doc"]: "Quote me here" + fields["context_after"]}
    for fmt in sorted(FORMATS):
        options = ExportOptions(format=fmt, title=title, context_chars=10,
                                timestamp="2024-01-02T03:04:05+00:00")
        path = export_to_file([excerpt], options, tmp_path / f"any.{fmt}", overwrite=True,
                              texts=texts)
        validate = {"csv": _csv_rows(2), "bibtex": _bibtex_entries(1)}.get(fmt, VALIDATORS[fmt])
        validate(path)


def _csv_rows(count: int):
    def check(path: Path) -> None:
        rows = list(csv.reader(io.StringIO(_text_of(path), newline="")))
        assert len(rows) == count
    return check


def _bibtex_entries(count: int):
    def check(path: Path) -> None:
        _balanced_entries(_text_of(path), count)
    return check


# -- the terminal ------------------------------------------------------------------------

RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""What must never reach a terminal raw (newline and tab are checked apart)."""


def cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "archive_app", "--home", str(home), *args],
                            capture_output=True, cwd=PROJECT_ROOT, timeout=300,
                            env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    out = result.stdout.decode("utf-8", "surrogateescape")
    err = result.stderr.decode("utf-8", "surrogateescape")
    assert "Traceback" not in err, err
    return subprocess.CompletedProcess(result.args, result.returncode, out, err)


def assert_safe(output: str) -> None:
    assert RAW.findall(output) == [], RAW.findall(output)
    assert not any(line.startswith("FORGED") for line in output.splitlines()), output


@pytest.fixture(scope="module")
def cli_home(tmp_path_factory):
    base = tmp_path_factory.mktemp("cli")
    corpus = hostile_corpus(base)
    home = base / "home"
    indexed = cli(home, "index", str(corpus))
    assert indexed.returncode == 0, indexed.stderr
    return home, corpus, base, indexed


def test_index_and_check_print_names_escaped(cli_home):
    home, corpus, _, indexed = cli_home
    assert "\\x1b]0;PWNED\\x07" in indexed.stdout  # the skipped empty file, visibly
    assert_safe(indexed.stdout + indexed.stderr)
    again = cli(home, "index", str(corpus))
    checked = cli(home, "check")
    assert_safe(again.stdout + again.stderr + checked.stdout + checked.stderr)
    assert "PWNED" in checked.stdout


def test_search_prints_names_escaped(cli_home):
    home, _, _, _ = cli_home
    for sort in ("relevance", "newest"):
        result = cli(home, "search", "pwnedword", "--limit", "50", "--sort", sort)
        assert result.returncode == 0
        assert_safe(result.stdout + result.stderr)
        assert "forged\\nFORGED LINE" in result.stdout
        assert "\\x1b]0;PWNED\\x07\\x1b[31m red" in result.stdout
    as_json = json.loads(cli(home, "search", "pwnedword", "--json").stdout)
    assert any(TITLE_ESCAPE in hit["path"] for hit in as_json["hits"])


def test_annotations_tags_export_and_import_messages_are_escaped(cli_home, tmp_path):
    home, _, base, _ = cli_home
    keys = [hit["doc"] for hit in json.loads(
        cli(home, "search", "quote", "--json", "--limit", "50").stdout)["hits"]]
    library = Library(AppPaths(home))
    for key in keys:
        library.annotate_quote(key, "Quote me here", [f"raw\x1b[31m{TITLE_ESCAPE}"],
                               note=f"typed {TITLE_ESCAPE}{FORGED}")
    library.close()
    items = [web_annotation(keys[0], "Quote me here", f"imp {NASTY}", f"imported {NASTY}"),
             web_annotation(keys[0], "not in any document at all", "t", "n",
                            identity=f"id{TITLE_ESCAPE}{FORGED}")]
    source = tmp_path / f"in{TITLE_ESCAPE}.json"
    source.write_text(json.dumps(items), encoding="utf-8")
    imported = cli(home, "import-annotations", str(source))
    assert "imported 1 annotations" in imported.stdout
    outputs = [imported, cli(home, "annotations"), cli(home, "tags"),
               cli(home, "annotations", "--state", "anchored")]
    for fmt in ("md", "csv"):
        outputs.append(cli(home, "export", "--format", fmt, "-o",
                           str(tmp_path / f"out{TITLE_ESCAPE}{FORGED}.{fmt}")))
        assert outputs[-1].returncode == 0, outputs[-1].stderr
    outputs.append(cli(home, "export", "--format", "md", "--tag", "nothing-at-all",
                       "-o", str(tmp_path / f"none{TITLE_ESCAPE}.md")))
    for result in outputs:
        assert_safe(result.stdout + result.stderr)
    assert "typed " in outputs[1].stdout and "PWNED" in outputs[1].stdout
    as_json = json.loads(cli(home, "annotations", "--json").stdout)
    assert any("PWNED" in a["note"] for a in as_json)
