"""DOCX importer: paragraphs and table cells in reading order, plus the core properties.

python-docx's `Document()` parses every XML part of the package into one lxml tree
each, so a 327 KB file of highly compressible parts took 4.7 GB. Here only the main
document part and the core properties are read: the main part is inflated in chunks
(counted against limits.ZipBudget and capped at limits.MAX_MEMBER_BYTES) into an lxml
pull parser; each top-level paragraph or table is dropped from memory as soon as it is
read, and a paragraph's text is python-docx's `Paragraph.text`, its run contents
selected by one XPath (so a million empty runs cost C time, not a Python object each).
The parser loads no DTD, resolves no entities, never touches the network, and
huge_tree stays off.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import limits
from archive_app.core.ingest.documents import Extracted

MAIN_DOCUMENT = "word/document.xml"
CORE_PROPERTIES = "docProps/core.xml"
_OFFICE_DOCUMENT = "/officeDocument"
_CORE = "/core-properties"
_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_WORD_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_TEMPLATE_TYPE = _WORD_TYPE.replace(".document.main", ".template.main")
_MACRO_TYPES = ("application/vnd.ms-word.document.macroEnabled.main+xml",
                "application/vnd.ms-word.template.macroEnabledTemplate.main+xml")


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_PARAGRAPH_CONTENT = "w:r/* | w:hyperlink/w:r/*"
"""python-docx's `CT_P.text` reads the runs directly in the paragraph or in its
hyperlinks; their children are selected in C, so empty runs cost no Python at all."""
_RUN_TEXT = {f"{{{_W}}}{name}": text for name, text in
             (("cr", "\n"), ("noBreakHyphen", "-"), ("ptab", "\t"), ("tab", "\t"))}
_T, _BR, _BR_TYPE = f"{{{_W}}}t", f"{{{_W}}}br", f"{{{_W}}}type"
_paragraph_parts = None


def _paragraph_text(element, parent=None) -> str:
    """What python-docx's `Paragraph(element).text` gives, without a proxy per run."""
    global _paragraph_parts
    if _paragraph_parts is None:
        from lxml import etree

        _paragraph_parts = etree.XPath(_PARAGRAPH_CONTENT, namespaces={"w": _W})
    pieces = []
    for part in _paragraph_parts(element):
        tag = part.tag  # w:br, w:cr, w:noBreakHyphen, w:ptab, w:t, w:tab give text
        if tag == _T:
            pieces.append(part.text or "")
        elif tag == _BR:
            pieces.append("\n" if part.get(_BR_TYPE, "textWrapping") == "textWrapping" else "")
        else:
            pieces.append(_RUN_TEXT.get(tag, ""))
    return "".join(pieces)


def _table_lines(table, parent) -> list[str]:
    """One line per row, cells separated by tabs; nested tables fold into their cell."""
    from docx.oxml.ns import qn

    lines = []
    for row in table.findall(qn("w:tr")):
        cells = []
        for cell in row.findall(qn("w:tc")):
            paragraphs = (_paragraph_text(p, parent) for p in cell.iter(qn("w:p")))
            cells.append(" ".join(text for text in paragraphs if text.strip()))
        lines.append("\t".join(cells))
    return lines


def _safe_parser(docx_classes: bool = False, **options):
    """An lxml XML parser that fetches nothing; with python-docx's element classes
    (for the core properties) if asked."""
    from lxml import etree

    parser_class = etree.XMLPullParser if "events" in options else etree.XMLParser
    parser = parser_class(remove_blank_text=True, resolve_entities=False, no_network=True,
                          load_dtd=False, huge_tree=False, **options)
    if docx_classes:
        from docx.oxml.parser import element_class_lookup

        parser.set_element_class_lookup(element_class_lookup)
    return parser


def _body_lines(chunks) -> list[str]:
    """Lines of the body's paragraphs and tables, each freed once read (see module doc)."""
    from docx.oxml.ns import qn
    from lxml import etree

    paragraph, table, body = qn("w:p"), qn("w:tbl"), qn("w:body")
    parser = _safe_parser(events=("end",), tag=(paragraph, table))
    lines: list[str] = []
    length = 0
    try:
        for chunk in chunks:
            parser.feed(chunk)
            for _, element in parser.read_events():
                parent = element.getparent()
                if parent is None or parent.tag != body:
                    continue  # inside a table or a text box: read with its top element
                if element.tag == paragraph:
                    lines.append(_paragraph_text(element, None))
                else:
                    lines.extend(_table_lines(element, None))
                length += len(lines[-1]) if lines else 0
                element.clear()
                while element.getprevious() is not None:
                    del parent[0]
            if length > limits.MAX_TEXT_CHARS:
                break  # the loader cuts the text and says so
        else:
            parser.close()
    except etree.XMLSyntaxError as error:
        raise RejectedFile("corrupt", f"DOCX could not be read: {error}") from error
    return lines


def _relationship_target(archive: zipfile.ZipFile, kind: str, default: str,
                         budget: limits.ZipBudget) -> str:
    """The package part the root relationships name for `kind`, else the usual one."""
    from lxml import etree

    try:
        data = limits.read_member(archive, "_rels/.rels", budget, cap=1024 * 1024)
        root = etree.fromstring(data, _safe_parser())
    except (RejectedFile, etree.XMLSyntaxError):
        return default
    for relationship in root.iter(f"{_RELS_NS}Relationship"):
        if (relationship.get("Type") or "").endswith(kind) and relationship.get("Target"):
            target = relationship.get("Target", "").lstrip("/")
            return posixpath.normpath(target)
    return default


def _check_content_type(archive: zipfile.ZipFile, name: str, budget: limits.ZipBudget) -> None:
    """Refuse a package whose main part is not a Word document (python-docx's check)."""
    from lxml import etree

    try:
        data = limits.read_member(archive, "[Content_Types].xml", budget, cap=1024 * 1024)
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as error:
        raise RejectedFile("corrupt", f"DOCX could not be read: {error}") from error
    for override in root:
        if (override.get("PartName") or "").lstrip("/") == name:
            kind = override.get("ContentType") or ""
            if kind not in (_WORD_TYPE, _TEMPLATE_TYPE, *_MACRO_TYPES):
                raise RejectedFile("corrupt", f"DOCX could not be read: not a Word file, "
                                              f"content type is '{kind[:100]}'")
            return


def _is_template_default(props) -> bool:
    """python-docx's blank template claims author 'python-docx', created 2013-12-23."""
    created = props.created
    return props.author == "python-docx" and created is not None and created.year == 2013 and (
        created.month, created.day) == (12, 23)


def _metadata(archive: zipfile.ZipFile, budget: limits.ZipBudget) -> dict[str, str]:
    from docx.opc.coreprops import CoreProperties
    from lxml import etree

    name = _relationship_target(archive, _CORE, CORE_PROPERTIES, budget)
    try:
        data = limits.read_member(archive, name, budget, cap=4 * 1024 * 1024)
        props = CoreProperties(etree.fromstring(data, _safe_parser(docx_classes=True)))
        if _is_template_default(props):
            return {"title": props.title} if (props.title or "").strip() else {}
        meta = {"title": props.title or "", "author": props.author or ""}
        if props.created is not None:
            meta["date"] = props.created.date().isoformat()
        if props.language:
            meta["lang"] = props.language
    except (RejectedFile, etree.XMLSyntaxError, ValueError, TypeError, AttributeError):
        return {}  # a missing or broken properties part costs the metadata, not the text
    return {key: value for key, value in meta.items() if value.strip()}


def extract(path: Path) -> Extracted:
    """Text with one paragraph or table row a line; title, author, created date."""
    with limits.open_zip(path) as archive:
        budget = limits.ZipBudget()
        name = _relationship_target(archive, _OFFICE_DOCUMENT, MAIN_DOCUMENT, budget)
        if name not in archive.NameToInfo:
            raise RejectedFile("corrupt", "DOCX could not be read: the package has no "
                                          f"main document ({name})")
        _check_content_type(archive, name, budget)
        lines = _body_lines(limits.iter_member(archive, name, budget))
        meta = _metadata(archive, budget)
    return Extracted(text="\n\n".join(line for line in lines if line.strip()), metadata=meta)
