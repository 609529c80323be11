"""OpenDocument (odt, ods, odp) shared reading: the package, meta.xml and paragraph text.

content.xml is streamed (office_xml.stream): text paragraphs and headings are read when
they end, then freed; a paragraph's text is walked without recursion (lxml iterwalk),
with text:s (spaces), text:tab and text:line-break as the text they stand for.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import limits, office_xml

TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
PRESENTATION = "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"
P, H = f"{{{TEXT}}}p", f"{{{TEXT}}}h"
_S, _TAB, _BREAK = f"{{{TEXT}}}s", f"{{{TEXT}}}tab", f"{{{TEXT}}}line-break"
_C = f"{{{TEXT}}}c"
MAX_SPACES = 1000
_META = {"title": "title", "initial-creator": "author", "creator": "author",
         "creation-date": "date", "date": "date", "language": "lang"}


def open_package(path: Path, mimetype: str, label: str) -> zipfile.ZipFile:
    """The zip, refused if its mimetype member names another kind of document."""
    archive = limits.open_zip(path)
    try:
        if "mimetype" in archive.NameToInfo:
            declared = limits.read_member(archive, "mimetype", cap=1024).decode(
                "ascii", "replace").strip()
            if declared and not declared.startswith(mimetype):
                raise RejectedFile("corrupt", f"{label} could not be read: the package "
                                              f"says it is '{declared[:100]}'")
        if "content.xml" not in archive.NameToInfo:
            raise RejectedFile("corrupt", f"{label} could not be read: no content.xml")
    except BaseException:
        archive.close()
        raise
    return archive


def paragraph_text(element) -> str:
    """The text of a paragraph, heading or cell, spaces and tabs as written."""
    from lxml import etree

    pieces: list[str] = []
    for event, node in etree.iterwalk(element, events=("start", "end")):
        if event == "start":
            tag = node.tag
            if tag == _S:
                try:
                    count = int(node.get(_C, "1"))
                except ValueError:
                    count = 1
                pieces.append(" " * max(1, min(count, MAX_SPACES)))
            elif tag == _TAB:
                pieces.append("\t")
            elif tag == _BREAK:
                pieces.append("\n")
            if node.text and isinstance(tag, str):
                pieces.append(node.text)
        elif node is not element and node.tail:
            pieces.append(node.tail)
    return "".join(pieces)


def inside_paragraph(element, stop=None) -> bool:
    """True for a paragraph within another one (a frame's caption): read with it."""
    parent = element.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in (P, H):
            return True
        parent = parent.getparent()
    return False


def metadata(archive: zipfile.ZipFile, budget: limits.ZipBudget) -> dict[str, str]:
    root = office_xml.parse_small(archive, "meta.xml", budget)
    if root is None:
        return {}
    meta: dict[str, str] = {}
    for element in root.iter():
        local = str(element.tag).rsplit("}", 1)[-1]
        field = _META.get(local)
        if field and field not in meta and (element.text or "").strip():
            meta[field] = element.text.strip()[:1000]
    if "date" in meta:
        meta["date"] = meta["date"][:10]
    return meta
