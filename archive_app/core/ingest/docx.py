"""DOCX importer: paragraphs and table cells in reading order, plus the core properties."""

from __future__ import annotations

from pathlib import Path

from archive_app.core.documents import Extracted
from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import limits


def _paragraph_text(element, parent) -> str:
    from docx.text.paragraph import Paragraph

    return Paragraph(element, parent).text


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


def _body_lines(document) -> list[str]:
    from docx.oxml.ns import qn

    lines: list[str] = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            lines.append(_paragraph_text(child, document))
        elif child.tag == qn("w:tbl"):
            lines.extend(_table_lines(child, document))
    return lines


def _is_template_default(props) -> bool:
    """python-docx's blank template claims author 'python-docx', created 2013-12-23."""
    created = props.created
    return props.author == "python-docx" and created is not None and created.year == 2013 and (
        created.month, created.day) == (12, 23)


def _metadata(document) -> dict[str, str]:
    props = document.core_properties
    if _is_template_default(props):
        return {"title": props.title} if (props.title or "").strip() else {}
    meta = {"title": props.title or "", "author": props.author or ""}
    if props.created is not None:
        meta["date"] = props.created.date().isoformat()
    if props.language:
        meta["lang"] = props.language
    return {key: value for key, value in meta.items() if value.strip()}


def extract(path: Path) -> Extracted:
    """Text with one paragraph or table row a line; title, author, created date."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    limits.open_zip(path).close()
    try:
        document = docx.Document(str(path))
        lines = _body_lines(document)
        meta = _metadata(document)
    except (PackageNotFoundError, KeyError, ValueError, AttributeError, TypeError) as error:
        raise RejectedFile("corrupt", f"DOCX could not be read: {error}") from error
    return Extracted(text="\n\n".join(line for line in lines if line.strip()), metadata=meta)
