"""REFI-QDA project (.qdpx): tags become codes, excerpts coded plain-text selections.

Valid against the REFI-QDA Project.xsd (QDA-XML 1.0): no CodeBook when no excerpt has a
tag (an empty <Codes> is invalid), and a <User> (the name from the export options, else
the OS user) who is the creatingUser of everything we write, so a QDA tool does not
file the work under "default". Each source carries its authors (one value each), source
and date as variables.
"""

from __future__ import annotations

import getpass
import io
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterable, Mapping

from archive_app.core.annotations.records import PALETTE
from archive_app.core.export.author_names import parse_authors
from archive_app.core.export.common import (
    UUID_SHAPE,
    excerpt_uuid,
    note_shown,
    stable_uuid,
    timestamp,
)
from archive_app.core.export.model import Excerpt, ExportOptions
from archive_app.core.ingest.documents import xml_safe

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


def user_name(options: ExportOptions) -> str:
    """Who made the project: the name the user set, else the OS login name (cleaned of
    what XML cannot carry, as every exported field is)."""
    if options.user.strip():
        return options.user.strip()
    try:
        return xml_safe(getpass.getuser()).strip() or "Archive App user"
    except (OSError, KeyError, ImportError):
        return "Archive App user"


def user_guid(name: str) -> str:
    return stable_uuid("user", name)


def users(name: str, excerpts: Iterable[Excerpt] = ()) -> ET.Element:
    """The user, then each creator of an imported annotation (a Hypothesis or W3C
    author), so a QDA program files their coding under them, not under the user."""
    element = ET.Element(_tag("Users"))
    for each in dict.fromkeys([name] + [e.creator for e in excerpts if e.creator]):
        ET.SubElement(element, _tag("User"), {"guid": user_guid(each), "name": each})
    return element


VARIABLES = ("Author", "Source", "Date")
"""Document metadata as REFI-QDA text variables, one VariableValue per author."""


def variables() -> ET.Element:
    element = ET.Element(_tag("Variables"))
    for name in VARIABLES:
        ET.SubElement(element, _tag("Variable"), {
            "guid": stable_uuid("variable", name), "name": name, "typeOfVariable": "Text"})
    return element


def variable_values(excerpt: Excerpt) -> list[ET.Element]:
    values = [("Author", n.literal or f"{n.family}, {n.given}")
              for n in parse_authors(excerpt.author)]
    values += [(name, value) for name, value in (("Source", excerpt.source),
                                                 ("Date", excerpt.date)) if value]
    found = []
    for name, value in values:
        element = ET.Element(_tag("VariableValue"))
        ET.SubElement(element, _tag("VariableRef"), {"targetGUID": stable_uuid("variable", name)})
        ET.SubElement(element, _tag("TextValue")).text = value
        found.append(element)
    return found


def codebook(excerpts: list[Excerpt], options: ExportOptions) -> ET.Element | None:
    """<CodeBook><Codes> with hierarchical tags 'a/b' as nested codes; None without tags."""
    names = sorted({tag for e in excerpts for tag in e.tags}, key=str.casefold)
    if not names:
        return None
    book = ET.Element(_tag("CodeBook"))
    codes = ET.SubElement(book, _tag("Codes"))
    made: dict[str, ET.Element] = {}
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


def selection_guid(excerpt: Excerpt) -> str:
    """The annotation's uuid; an imported one keeps its file's id (a W3C IRI, a Hypothesis
    id), which Project.xsd's GUID pattern rejects, so a stable uuid is made of it."""
    made = excerpt_uuid(excerpt)
    return made if UUID_SHAPE.fullmatch(made) else stable_uuid("selection", made)


def selection(excerpt: Excerpt, span: tuple[int, int], options: ExportOptions,
              stamp: str, user: str) -> ET.Element:
    guid = selection_guid(excerpt)
    user = user_guid(excerpt.creator) if excerpt.creator else user
    name = " ".join(excerpt.quote.split())
    element = ET.Element(_tag("PlainTextSelection"), {
        "guid": guid, "name": name[:60] + ("…" if len(name) > 60 else ""),
        "startPosition": str(span[0]), "endPosition": str(span[1]),
        "creatingUser": user, "creationDateTime": excerpt.created or stamp})
    note = note_shown(excerpt, options)
    if note:
        ET.SubElement(element, _tag("Description")).text = note
    for tag in excerpt.tags:
        coding = ET.SubElement(element, _tag("Coding"), {
            "guid": stable_uuid("coding", guid, tag), "creatingUser": user,
            "creationDateTime": stamp})
        ET.SubElement(coding, _tag("CodeRef"), {"targetGUID": code_guid(tag)})
    return element


def sources(excerpts: list[Excerpt], texts: Mapping[str, str], options: ExportOptions,
            tick: Callable[[], None]) -> tuple[ET.Element, dict[str, str]]:
    """<Sources> with one TextSource per document, and the zip's sources/<guid>.txt files."""
    stamp = timestamp(options)
    user = user_guid(user_name(options))
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
                "plainTextPath": f"internal://{guid}.txt", "creatingUser": user,
                "creationDateTime": stamp})
            files[f"sources/{guid}.txt"] = text
        by_doc[key].append(selection(excerpt, span, options, stamp, user))
    for source, first in _first_excerpts(excerpts, texts).items():
        by_doc[source].extend(variable_values(first))
    return element, files


def _first_excerpts(excerpts: list[Excerpt], texts: Mapping[str, str]) -> dict[str, Excerpt]:
    """Source key -> an excerpt of it (whose metadata the source's variables carry)."""
    found: dict[str, Excerpt] = {}
    for excerpt in excerpts:
        found.setdefault(_placement(excerpt, texts)[0], excerpt)
    return found


def project(excerpts: list[Excerpt], options: ExportOptions, texts: Mapping[str, str],
            tick: Callable[[], None]) -> tuple[bytes, dict[str, str]]:
    ET.register_namespace("", NAMESPACE)
    name = user_name(options)
    root = ET.Element(_tag("Project"), {"name": options.title, "origin": "Archive App",
                                        "creatingUserGUID": user_guid(name),
                                        "creationDateTime": timestamp(options)})
    root.append(users(name, excerpts))
    book = codebook(excerpts, options)
    if book is not None:
        root.append(book)
    root.append(variables())
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
