"""EPUB importer: chapters in spine order through the HTML extractor, Dublin Core metadata."""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote
from xml.etree import ElementTree

from archive_app.core.documents import Extracted
from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import limits
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


def _opf_path(archive: zipfile.ZipFile) -> str:
    root = _parse_xml(limits.read_member(archive, CONTAINER), CONTAINER)
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


def _chapter_text(archive: zipfile.ZipFile, name: str) -> str:
    """One chapter's text; a missing or undecodable chapter should not cost the whole book."""
    try:
        return html_to_text(decode_html(limits.read_member(archive, name)))[0]
    except RejectedFile as error:
        if error.code == "bomb":
            raise
        return ""


def extract(path: Path) -> Extracted:
    """All chapters' text in reading order, with title, creators, date, publisher, language."""
    with limits.open_zip(path) as archive:
        opf_name = _opf_path(archive)
        opf = _parse_xml(limits.read_member(archive, opf_name), opf_name)
        names = _chapters(opf, posixpath.dirname(opf_name))
        texts = [_chapter_text(archive, name) for name in names]
    return Extracted(text="\n\n".join(t for t in texts if t), metadata=_metadata(opf))
