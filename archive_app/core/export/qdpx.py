"""REFI-QDA project (.qdpx): tags become codes, excerpts coded plain-text selections."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Mapping

from archive_app.core.annotations import PALETTE
from archive_app.core.export.common import excerpt_uuid, note_shown, stable_uuid, timestamp
from archive_app.core.export.model import Excerpt, ExportOptions

LABEL, SUFFIX, BINARY, NEEDS_TEXTS = "REFI-QDA project (QDPX)", ".qdpx", True, True

NAMESPACE = "urn:QDA-XML:project:1.0"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _code_color(path: str, options: ExportOptions) -> str:
    color = options.tag_colors.get(path, "")
    if len(color) == 7 and color.startswith("#"):
        return color.upper()
    return PALETTE[sum(map(ord, path)) % len(PALETTE)].upper()


def code_guid(path: str) -> str:
    return stable_uuid("code", path)


def codebook(excerpts: list[Excerpt], options: ExportOptions) -> ET.Element:
    """<CodeBook><Codes> with hierarchical tags 'a/b' as nested codes."""
    book = ET.Element(_tag("CodeBook"))
    codes = ET.SubElement(book, _tag("Codes"))
    made: dict[str, ET.Element] = {}
    names = sorted({tag for e in excerpts for tag in e.tags}, key=str.casefold)
    for name in names:
        parts = name.split("/")
        for depth in range(1, len(parts) + 1):
            path = "/".join(parts[:depth])
            if path in made:
                continue
            parent = made.get("/".join(parts[:depth - 1]), codes) if depth > 1 else codes
            made[path] = ET.SubElement(parent, _tag("Code"), {
                "guid": code_guid(path), "name": parts[depth - 1], "isCodable": "true",
                "color": _code_color(path, options)})
    return book


def placed(excerpt: Excerpt, text: str) -> tuple[int, int] | None:
    """Where the quote is in the stored text: its offsets, or the first exact match."""
    if text[excerpt.start:excerpt.end] == excerpt.quote:
        return excerpt.start, excerpt.end
    found = text.find(excerpt.quote)
    return (found, found + len(excerpt.quote)) if found >= 0 else None


def _placement(excerpt: Excerpt, texts: Mapping[str, str]) -> tuple[str, str, tuple[int, int]]:
    """(source key, source text, span); a quote whose document text is unavailable, or
    not found in it, becomes a source of its own rather than being dropped."""
    text = texts.get(excerpt.doc)
    span = placed(excerpt, text) if text is not None else None
    if span is None:
        return f"{excerpt.doc}#{excerpt_uuid(excerpt)}", excerpt.quote, (0, len(excerpt.quote))
    return excerpt.doc, text, span


def selection(excerpt: Excerpt, span: tuple[int, int], options: ExportOptions,
              stamp: str) -> ET.Element:
    guid = excerpt_uuid(excerpt)
    name = " ".join(excerpt.quote.split())
    element = ET.Element(_tag("PlainTextSelection"), {
        "guid": guid, "name": name[:60] + ("…" if len(name) > 60 else ""),
        "startPosition": str(span[0]), "endPosition": str(span[1]),
        "creationDateTime": excerpt.created or stamp})
    note = note_shown(excerpt, options)
    if note:
        ET.SubElement(element, _tag("Description")).text = note
    for tag in excerpt.tags:
        coding = ET.SubElement(element, _tag("Coding"), {
            "guid": stable_uuid("coding", guid, tag), "creationDateTime": stamp})
        ET.SubElement(coding, _tag("CodeRef"), {"targetGUID": code_guid(tag)})
    return element


def sources(excerpts: list[Excerpt], texts: Mapping[str, str], options: ExportOptions,
            tick: Callable[[], None]) -> tuple[ET.Element, dict[str, str]]:
    """<Sources> with one TextSource per document, and the zip's sources/<guid>.txt files."""
    stamp = timestamp(options)
    element = ET.Element(_tag("Sources"))
    by_doc: dict[str, ET.Element] = {}
    files: dict[str, str] = {}
    for excerpt in excerpts:
        tick()
        key, text, span = _placement(excerpt, texts)
        if key not in by_doc:
            guid = stable_uuid("source", key)
            name = excerpt.title or excerpt.doc
            by_doc[key] = ET.SubElement(element, _tag("TextSource"), {
                "guid": guid, "name": name if key == excerpt.doc else f"{name} (quote only)",
                "plainTextPath": f"internal://{guid}.txt", "creationDateTime": stamp})
            files[f"sources/{guid}.txt"] = text
        by_doc[key].append(selection(excerpt, span, options, stamp))
    return element, files


def project(excerpts: list[Excerpt], options: ExportOptions, texts: Mapping[str, str],
            tick: Callable[[], None]) -> tuple[bytes, dict[str, str]]:
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(_tag("Project"), {"name": options.title, "origin": "Archive App",
                                        "creationDateTime": timestamp(options)})
    root.append(codebook(excerpts, options))
    source_element, files = sources(excerpts, texts, options, tick)
    root.append(source_element)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), files


def render(excerpts: list[Excerpt], options: ExportOptions, texts: Mapping[str, str],
           tick: Callable[[], None]) -> bytes:
    xml, files = project(excerpts, options, texts, tick)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("project.qde", _ZIP_TIME), xml,
                         compress_type=zipfile.ZIP_DEFLATED)
        for name, text in files.items():
            archive.writestr(zipfile.ZipInfo(name, _ZIP_TIME), text.encode("utf-8"),
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
