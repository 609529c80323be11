"""Every importer stays within time and memory bounds on generated hostile structure.

hypothesis builds files of each format from fragments an adversary would repeat (open
tags, comments, unclosed attributes, heading runs of blanks, encoded words, commas,
repeated spine entries, empty runs) with nesting, repetition and long tokens, up to a
few hundred kilobytes. Each file must be read (or refused with a reason) in well under
the bound, without hitting the hard limits (bounds.py), and the test process's peak
memory must stay within 1 GB of where it started. Generous: this catches quadratic
parsers (seconds to minutes at these sizes), it times nothing.
"""

from __future__ import annotations

import atexit
import resource
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

import docx
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import load_document
from archive_app.core.ingest.documents import Document

SECONDS = 20.0
PEAK_GROWTH_KB = 1024 * 1024  # ru_maxrss is in KB on Linux
_START_PEAK = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
BOUNDED = settings(max_examples=12, deadline=None, derandomize=True,
                   phases=[Phase.explicit, Phase.generate],  # shrinking slow files is slow
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
BUDGET = 200_000
"""Characters a generated structure may have: enough for the old parsers' minutes."""

FRAGMENTS = ["<a ", "<!--", '<a b="', "<div>", "</div>", "<p>", "<![ if !IE ]>", "<b",
             "&amp;", "&#", "<script>", "</", "<table><tr><td>", "\n", " ", "\t", "#",
             "=?utf-8?q?a?= ", ",", "word ", "\u0645\u0631\u062d\u0628\u0627 ", "--- ",
             "x" * 1000]


@st.composite
def structure(draw, extra: list[str] | None = None) -> str:
    """Fragments, each repeated many times, some nested inside others."""
    pool = FRAGMENTS + (extra or [])
    pieces = []
    for _ in range(draw(st.integers(1, 6))):
        fragment = draw(st.sampled_from(pool))
        count = draw(st.integers(1, BUDGET // max(len(fragment), 1)))
        if draw(st.booleans()):
            inner = draw(st.sampled_from(pool))
            pieces.append((fragment + inner) * (count // 2 + 1))
        else:
            pieces.append(fragment * count)
    return "".join(pieces)


def read_within_bounds(path: Path) -> Document | RejectedFile:
    started = time.monotonic()
    try:
        outcome: Document | RejectedFile = load_document(path, path.name)
    except RejectedFile as rejected:
        assert rejected.reason.strip()
        assert rejected.code not in ("timeout", "too-large"), rejected.reason
        outcome = rejected
    elapsed = time.monotonic() - started
    assert elapsed < SECONDS, (path.name, elapsed)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert peak - _START_PEAK < PEAK_GROWTH_KB, (path.name, peak)
    return outcome


_FOLDER = Path(tempfile.mkdtemp(prefix="bounds-"))
atexit.register(shutil.rmtree, _FOLDER, True)


def _write(suffix: str, data: bytes) -> Path:
    """One file per format, rewritten by each example (the folder goes at exit)."""
    path = _FOLDER / f"generated{suffix}"
    path.write_bytes(data)
    return path


@BOUNDED
@given(structure())
@example("<a " * 66_000)
@example("<!--" * 50_000)
@example('<a b="' * 33_000)
def test_html_is_read_within_bounds(markup: str) -> None:
    # Nothing after the markup: html.parser was quadratic on a page ending unclosed.
    read_within_bounds(_write(".html", f"<p>start</p>{markup}".encode()))


@BOUNDED
@given(structure(["# ", "#" * 50, " " * 500 + "x"]), st.booleans())
@example("x" + " " * 200_000 + "y", False)
@example("k: [v, 1]\n" * 20_000, True)
def test_markdown_is_read_within_bounds(body: str, front: bool) -> None:
    head = "---\ntitle: t\n" + "k: [v, 1]\n" * (len(body) % 5000) + "---\n" if front else ""
    read_within_bounds(_write(".md", (head + "# " + body + "\nend\n").encode()))


@BOUNDED
@given(structure(), structure(["=?utf-8?b?YQ==?=", "\n "]))
@example("<a " * 66_000, "=?utf-8?q?a?= " * 14_000)
@example("body", "," * 60_000)
def test_eml_is_read_within_bounds(body: str, header: str) -> None:
    header = header.replace("\n", "\n ")  # folded, so it stays one header
    data = (f"From: {header}\nSubject: {header}\nContent-Type: text/html; {header}\n\n"
            f"<p>{body}</p>\n").encode("utf-8", "replace")
    read_within_bounds(_write(".eml", data))


@BOUNDED
@given(structure(), st.integers(1, 400), st.integers(1, 5))
@example("<p>tide</p>" * 30_000, 400, 1)
@example("<![ if !IE ]><p>x</p>" * 1000, 3, 3)
def test_epub_is_read_within_bounds(markup: str, repeats: int, chapters: int) -> None:
    names = [f"c{number}.xhtml" for number in range(chapters)]
    manifest = "".join(f'<item id="i{n}" href="{name}" media-type="application/xhtml+xml"/>'
                       for n, name in enumerate(names))
    spine = "".join(f'<itemref idref="i{n % chapters}"/>' for n in range(repeats))
    opf = ('<package xmlns="http://www.idpf.org/2007/opf"><metadata/>'
           f"<manifest>{manifest}</manifest><spine>{spine}</spine></package>")
    container = ('<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
                 '<rootfiles><rootfile full-path="content.opf"/></rootfiles></container>')
    path = _write(".epub", b"")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("META-INF/container.xml", container)
        archive.writestr("content.opf", opf)
        for name in names:
            archive.writestr(name, f"<html><body><p>{name}</p>{markup}</body></html>")
    read_within_bounds(path)


@BOUNDED
@given(st.integers(1, 3000), st.integers(0, 200_000), st.integers(0, 30), st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=5000))
@example(2000, 1_600_000, 0, "token")
def test_docx_is_read_within_bounds(paragraphs: int, empty_runs: int, rows: int,
                                    token: str) -> None:
    document = docx.Document()
    for number in range(paragraphs):
        document.add_paragraph(token if number % 100 == 0 else "p")
    if rows:
        table = document.add_table(rows=rows, cols=3)
        table.cell(0, 0).text = token
    path = _write(".docx", b"")
    document.save(str(path))
    with zipfile.ZipFile(path) as source:
        parts = {item.filename: source.read(item) for item in source.infolist()}
    runs = b"<w:p>" + b"<w:r/>" * empty_runs + b"<w:r><w:t>last</w:t></w:r></w:p></w:body>"
    parts["word/document.xml"] = parts["word/document.xml"].replace(b"</w:body>", runs)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    outcome = read_within_bounds(path)
    assert isinstance(outcome, Document) and outcome.text.endswith("last")


@BOUNDED
@given(structure([" " * 5000, "\r", "\x00"]))
@example("x" + " " * 200_000 + "y")
def test_txt_is_read_within_bounds(text: str) -> None:
    read_within_bounds(_write(".txt", ("first line\n" + text + "\nend").encode()))
