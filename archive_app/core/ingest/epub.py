"""EPUB importer: chapters in spine order through the HTML extractor, Dublin Core metadata.

A book is read within bounds whatever its spine says: each member is inflated as it
is read and counted against the container's total (limits.ZipBudget), the spine is
deduplicated (a 21 KB book listing one chapter 200 times reached 8 GB) and capped at
limits.MAX_EPUB_CHAPTERS, and reading stops once the text reaches the text cap. The
chapters are read no further than limits.MAX_BOOK_BYTES of markup in all. A
chapter that cannot be read costs only itself: its place in the text holds a note with
the reason (`limits.part_note`), and the rest of the book is indexed.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote
from xml.etree import ElementTree

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import limits
from archive_app.core.ingest.documents import Extracted
from archive_app.core.ingest.html import decode_html, html_to_text

CONTAINER = "META-INF/container.xml"
_DC = "{http://purl.org/dc/elements/1.1/}"
_DC_FIELDS = {
    "title": "title", "creator": "author", "date": "date", "publisher": "source", "language": "lang"
}
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*>", re.I)
_HTML_TYPES = {"application/xhtml+xml", "text/html", "application/x-dtbook+xml"}


def _parse_xml(data: bytes, name: str) -> ElementTree.Element:
    """Parse container/OPF XML, refusing entity declarations (billion-laughs bombs)."""
    if b"<!ENTITY" in data.upper():
        raise RejectedFile("corrupt", f"{name} declares XML entities; refused for safety")
    try:
        return ElementTree.fromstring(_DOCTYPE.sub(b"", data))
    except ElementTree.ParseError as error:
        raise RejectedFile("corrupt", f"{name} is not well-formed XML: {error}") from error


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _opf_path(archive: zipfile.ZipFile, budget: limits.ZipBudget) -> str:
    root = _parse_xml(limits.read_member(archive, CONTAINER, budget), CONTAINER)
    for element in root.iter():
        if _local(element.tag) == "rootfile" and element.get("full-path"):
            return element.get("full-path", "")
    raise RejectedFile("corrupt", "EPUB container.xml names no package (OPF) file")


def _metadata(opf: ElementTree.Element) -> dict[str, str]:
    meta: dict[str, list[str]] = {}
    for element in opf.iter():
        tag = str(element.tag)
        if tag.startswith(_DC) and _DC_FIELDS.get(tag[len(_DC):]):
            text = " ".join("".join(element.itertext()).split())
            if text:
                meta.setdefault(_DC_FIELDS[tag[len(_DC):]], []).append(text)
    joined = {key: "; ".join(values) for key, values in meta.items() if key == "author"}
    return {key: values[0] for key, values in meta.items()} | joined


def _chapters(opf: ElementTree.Element, base: str) -> list[str]:
    """Member names of the chapters: spine order, else every HTML item in the manifest."""
    manifest: dict[str, tuple[str, str]] = {}
    for item in opf.iter():
        if _local(item.tag) == "item" and item.get("href"):
            href = posixpath.normpath(posixpath.join(base, unquote(item.get("href", ""))))
            manifest[item.get("id", "")] = (href, item.get("media-type", ""))
    spine = [ref.get("idref", "") for ref in opf.iter() if _local(ref.tag) == "itemref"]
    names = [manifest[idref][0] for idref in spine if idref in manifest]
    return names or [href for href, kind in manifest.values() if kind in _HTML_TYPES]


def _unique(names: list[str]) -> list[str]:
    """Spine order, each member once."""
    return list(dict.fromkeys(names))


def _chapter_text(archive: zipfile.ZipFile, name: str, budget: limits.ZipBudget) -> str:
    """One chapter's text; RejectedFile says why it cannot be read."""
    return html_to_text(decode_html(limits.read_member(archive, name, budget)))[0]


def _book_text(archive: zipfile.ZipFile, names: list[str], budget: limits.ZipBudget) -> str:
    """The chapters' texts joined, with a note for each one that could not be read."""
    texts: list[str] = []
    length = 0
    for number, name in enumerate(names[:limits.MAX_EPUB_CHAPTERS], 1):
        if length > limits.MAX_TEXT_CHARS:
            break  # the loader cuts the text and says so
        try:
            text = _chapter_text(archive, name, budget)
        except RejectedFile as error:
            if error.code == "bomb":  # the whole container is over its budget
                texts.append(limits.part_note(f"chapter {number} ({name}) and the rest",
                                              error.reason))
                break
            text = limits.part_note(f"chapter {number} ({name})", error.reason)
        except Exception as error:  # noqa: BLE001 - one chapter's library failure, kept local
            reason = f"{type(error).__name__}: {str(error)[:160]}"
            text = limits.part_note(f"chapter {number} ({name})", reason)
        if text:
            texts.append(text)
            length += len(text)
    else:
        if len(names) > limits.MAX_EPUB_CHAPTERS:
            texts.append(limits.part_note(
                f"chapters after the first {limits.MAX_EPUB_CHAPTERS:,}",
                f"the book lists {len(names):,}; more are not read"))
    return "\n\n".join(texts)


def extract(path: Path) -> Extracted:
    """All chapters' text in reading order, with title, creators, date, publisher, language."""
    with limits.open_zip(path) as archive:
        budget = limits.ZipBudget(limits.MAX_BOOK_BYTES)
        opf_name = _opf_path(archive, budget)
        opf = _parse_xml(limits.read_member(archive, opf_name, budget), opf_name)
        names = _unique(_chapters(opf, posixpath.dirname(opf_name)))
        text = _book_text(archive, names, budget)
    return Extracted(text=text, metadata=_metadata(opf))
