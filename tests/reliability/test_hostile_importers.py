"""Small hostile files that used to hang indexing or eat gigabytes (issue 13, defects 2, 11).

Each file is made here with real libraries and read by `load_document` in a fresh
interpreter under `timeout` and an address-space limit, so a regression fails instead
of blocking the suite or the machine. The bounds (20 s, 1 GB per file) are generous:
they catch minutes and gigabytes, they do not time anything. The end-to-end tests index
the hostile files beside benign ones with the CLI, in-process and in the children.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from email.message import EmailMessage
from pathlib import Path

import docx
import pytest

from archive_app.core.ingest import load_document

SECONDS = 30.0  # catches minutes; the largest text (16 M chars) takes ~16 s on a loaded 2-core box
MEGABYTES = 1024
HARD_SECONDS = 90  # the subprocess's own `timeout`: a hang fails, it never blocks
ADDRESS_SPACE = 4 * 1024 ** 3  # keeps a regression from taking the shared machine down
LIMITED = ("timeout", "too-large")

_PROBE = r"""
import json, resource, sys, time
from pathlib import Path
from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import load_document
path = Path(sys.argv[1])
started = time.monotonic()
try:
    doc = load_document(path, path.name)
    out = {"text": doc.text[:2000], "tail": doc.text[-2000:], "length": len(doc.text),
           "title": doc.title, "author": doc.author}
except RejectedFile as rejected:
    out = {"code": rejected.code, "reason": rejected.reason}
out["seconds"] = time.monotonic() - started
out["megabytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def _limit_address_space() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def probe(path: Path) -> dict:
    """Read one file in a fresh interpreter; its outcome, time and peak memory."""
    completed = subprocess.run(
        ["timeout", str(HARD_SECONDS), sys.executable, "-c", _PROBE, str(path)],
        capture_output=True, text=True, preexec_fn=_limit_address_space,
        cwd=Path(__file__).resolve().parents[2])
    assert completed.returncode == 0, (completed.returncode, completed.stderr[-2000:])
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["seconds"] < SECONDS, result
    assert result["megabytes"] < MEGABYTES, result
    return result


# --- the hostile files --------------------------------------------------------------

NEEDLE = "Ferryman's ledger records the crossing"


def html_repeated_anchors(folder: Path) -> Path:
    path = folder / "anchors.html"
    path.write_text(f"<p>{NEEDLE}</p>" + "<a " * 60_000)  # 180 KB
    return path


def html_repeated_comments(folder: Path) -> Path:
    path = folder / "comments.html"
    path.write_text(f"<p>{NEEDLE}</p>" + "<!--" * 45_000)
    return path


def html_unclosed_attributes(folder: Path) -> Path:
    path = folder / "attributes.html"
    path.write_text(f"<p>{NEEDLE}</p>" + '<a b="' * 30_000)
    return path


def markdown_backtracking_heading(folder: Path) -> Path:
    path = folder / "heading.md"
    path.write_text("# x" + " " * 300_000 + "y\n\n" + NEEDLE + "\n")
    return path


def markdown_huge_front_matter(folder: Path) -> Path:
    path = folder / "front.md"
    lines = "".join(f"key{number}: [value, {number}, other]\n" for number in range(150_000))
    path.write_text("---\ntitle: Big front\n" + lines + "---\n" + NEEDLE + "\n")
    return path


def eml_encoded_words(folder: Path) -> Path:
    path = folder / "encoded.eml"
    subject = "=?utf-8?q?a?= " * 20_000  # 280 KB of encoded words
    path.write_bytes(f"From: a@example.org\nSubject: {subject}\n\n{NEEDLE}\n".encode())
    return path


def eml_comma_sender(folder: Path) -> Path:
    path = folder / "commas.eml"
    path.write_bytes(f"From: {',' * 60_000}\nSubject: hi\n\n{NEEDLE}\n".encode())
    return path


def _epub(path: Path, chapters: dict[str, bytes | None], spine: list[str]) -> Path:
    manifest = "".join(f'<item id="c{n}" href="{name}" media-type="application/xhtml+xml"/>'
                       for n, name in enumerate(chapters))
    ids = {name: f"c{n}" for n, name in enumerate(chapters)}
    refs = "".join(f'<itemref idref="{ids[name]}"/>' for name in spine)
    opf = ('<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
           '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Hostile book'
           f'</dc:title></metadata><manifest>{manifest}</manifest><spine>{refs}</spine>'
           '</package>')
    container = ('<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:'
                 'opendocument:xmlns:container"><rootfiles><rootfile full-path="content.opf"'
                 ' media-type="application/oebps-package+xml"/></rootfiles></container>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/epub+zip", zipfile.ZIP_STORED)
        archive.writestr("META-INF/container.xml", container)
        archive.writestr("content.opf", opf)
        for name, data in chapters.items():
            if data is not None:  # None: in the manifest and spine, absent from the zip
                archive.writestr(name, data)
    return path


def _chapter(body: str) -> bytes:
    return f"<html><body>{body}</body></html>".encode()


def epub_repeated_spine(folder: Path) -> Path:
    """One 9 MB chapter listed 200 times (under every zip limit, 1.8 GB of reading)."""
    chapter = _chapter(f"<p>{NEEDLE}</p>" + "<p>tide mark</p>" * 600_000)
    return _epub(folder / "spine.epub", {"one.xhtml": chapter}, ["one.xhtml"] * 200)


def epub_many_big_chapters(folder: Path) -> Path:
    """30 chapters of 8 MB each: 240 MB of markup and text in about a megabyte."""
    paragraph = "<p>" + "salt flat and tide mark " * 8 + "</p>"
    chapters = {f"c{n}.xhtml": _chapter((f"<p>{NEEDLE}</p>" if n == 0 else "")
                                        + paragraph * 40_000) for n in range(30)}
    return _epub(folder / "chapters.epub", chapters, list(chapters))


def docx_many_parts(folder: Path) -> Path:
    """A real DOCX plus large, highly compressible XML parts python-docx used to load."""
    document = docx.Document()
    document.add_paragraph(NEEDLE)
    for _ in range(2000):
        document.add_paragraph("")  # many empty paragraphs: elements, no text
    source = folder / "plain-source.docx"
    document.save(str(source))
    path = folder / "parts.docx"
    empty_runs = b"<w:r/>" * 1_600_000  # 9.6 MB: below the ratio check's 10 MB floor
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(
            path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in original.infolist():
            data = original.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"</w:body>", b"<w:p>" + empty_runs + b"</w:p></w:body>")
            target.writestr(item, data)
    source.unlink()
    return path


def epub_conditional_comment(folder: Path) -> Path:
    """Chapter 2 holds `<![ if !IE ]>`, which made html.parser raise AssertionError."""
    chapters = {
        "c1.xhtml": _chapter("<p>Chapter one: the estuary at dawn.</p>"),
        "c2.xhtml": _chapter("<p>Before</p><![ if !IE ]><p>conditional</p><![endif]>"),
        "c3.xhtml": _chapter("<p>Chapter three: the lighthouse keeper.</p>"),
        "c4.xhtml": b"\x00\x01\x02\x03 not a chapter at all \xff\xfe" * 40,
        "missing.xhtml": None,
    }
    return _epub(folder / "conditional.epub", chapters, list(chapters))


HOSTILE = {
    "html-anchors": html_repeated_anchors,
    "html-comments": html_repeated_comments,
    "html-attributes": html_unclosed_attributes,
    "md-heading": markdown_backtracking_heading,
    "md-front-matter": markdown_huge_front_matter,
    "eml-encoded-words": eml_encoded_words,
    "eml-commas": eml_comma_sender,
    "epub-spine": epub_repeated_spine,
    "epub-chapters": epub_many_big_chapters,
    "docx-parts": docx_many_parts,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_is_read_within_bounds(name: str, tmp_path: Path) -> None:
    result = probe(HOSTILE[name](tmp_path))
    if "code" in result:
        assert result["code"] in LIMITED and result["reason"], result
    else:
        assert NEEDLE in result["text"] + result["tail"], result


def test_the_heading_and_front_matter_still_give_titles(tmp_path: Path) -> None:
    assert probe(markdown_backtracking_heading(tmp_path))["title"] == "x y"
    # A front matter above the size cap is left as text, never parsed slowly.
    assert NEEDLE in probe(markdown_huge_front_matter(tmp_path))["tail"]


def test_a_repeated_spine_entry_is_read_once(tmp_path: Path) -> None:
    result = probe(epub_repeated_spine(tmp_path))
    assert result["text"].count(NEEDLE) == 1
    assert result["length"] < 20_000_000


def test_extracted_text_is_capped_with_a_note(tmp_path: Path) -> None:
    from archive_app.core.ingest import limits

    path = tmp_path / "long.txt"
    line = "the tide comes in and the tide goes out\n"
    path.write_text(line * (limits.MAX_TEXT_CHARS // len(line) + 50_000))
    result = probe(path)
    assert limits.MAX_TEXT_CHARS - 100 <= result["length"] <= limits.MAX_TEXT_CHARS + 500
    assert "truncated" in result["tail"] and "16,000,000" in result["tail"]


def test_a_bad_chapter_costs_only_itself(tmp_path: Path) -> None:
    doc = load_document(epub_conditional_comment(tmp_path), "conditional.epub")
    assert "the estuary at dawn" in doc.text and "the lighthouse keeper" in doc.text
    assert "Before" in doc.text  # the conditional comment no longer breaks chapter 2
    assert "c4.xhtml" in doc.text and "missing.xhtml" in doc.text  # their reasons
    assert doc.text.index("estuary") < doc.text.index("lighthouse")


def test_a_conditional_comment_page_is_indexed(tmp_path: Path) -> None:
    path = tmp_path / "ie.html"
    path.write_text("<p>Old page</p><![ if !IE ]><p>for other browsers</p><![endif]>")
    assert "Old page" in load_document(path, "ie.html").text


def test_the_hard_time_limit_stops_what_no_parser_bounds(tmp_path: Path) -> None:
    """The last line of defence: quadratic work nobody foresaw is stopped and reported."""
    from html.parser import HTMLParser

    from archive_app.core.errors import RejectedFile
    from archive_app.core.ingest import bounds

    def quadratic() -> None:
        parser = HTMLParser()
        for _ in range(10):
            parser.feed("<a " * 60_000)

    with pytest.raises(RejectedFile) as rejected, bounds.bounded("HTML", time_limit=1.0):
        quadratic()
    assert rejected.value.code == "timeout" and "1 s" in rejected.value.reason


def test_the_hard_memory_cap_stops_what_no_parser_bounds() -> None:
    from archive_app.core.errors import RejectedFile
    from archive_app.core.ingest import bounds

    with pytest.raises(RejectedFile) as rejected, bounds.bounded("HTML", memory=256 * 1024 ** 2):
        hoard = [bytearray(64 * 1024 ** 2) for _ in range(64)]
        del hoard
    assert rejected.value.code == "too-large"
    big = bytearray(512 * 1024 ** 2)  # the cap is lifted again afterwards
    del big


# --- end to end: the benign files beside them are indexed ---------------------------


def _cli(home: Path, *arguments: str, seconds: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["timeout", str(seconds), sys.executable, "-m", "archive_app", "--home", str(home),
         *arguments], capture_output=True, text=True, preexec_fn=_limit_address_space,
        cwd=Path(__file__).resolve().parents[2], env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


def _hits(home: Path, query: str) -> set[str]:
    completed = _cli(home, "search", query, "--json", "--limit", "1000", "--copies",
                     "separate", seconds=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    data = json.loads(completed.stdout)
    hits = data["hits"] if isinstance(data, dict) else data
    return {Path(hit["path"]).name for hit in hits}


def _index_beside_benign(tmp_path: Path, benign: int) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for maker in HOSTILE.values():
        maker(corpus)
    epub_conditional_comment(corpus)
    for number in range(benign):
        (corpus / f"benign{number}.txt").write_text(f"Harbour note {number}\nquayside {number}\n")
    message = EmailMessage()
    message["Subject"], message["From"] = "Benign letter", "clerk@example.org"
    message.set_content("The quayside letter arrived.")
    (corpus / "letter.eml").write_bytes(bytes(message))
    home = tmp_path / "home"
    completed = _cli(home, "index", str(corpus))
    assert completed.returncode == 0, (completed.returncode, completed.stderr[-3000:])
    return corpus, home


@pytest.mark.parametrize("benign", [3, 230], ids=["in-process", "children"])
def test_benign_files_beside_hostile_ones_are_indexed(tmp_path: Path, benign: int) -> None:
    _, home = _index_beside_benign(tmp_path, benign)
    names = _hits(home, "quayside")
    assert {f"benign{number}.txt" for number in range(benign)} | {"letter.eml"} <= names
    assert "conditional.epub" in _hits(home, "lighthouse")
    found = _hits(home, '"ferryman\'s ledger"')
    assert {"anchors.html", "heading.md", "encoded.eml", "spine.epub"} <= found
