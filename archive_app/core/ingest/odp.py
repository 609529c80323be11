"""OpenDocument presentation (.odp): each slide (draw:page) is a page of the document.

content.xml is streamed (running-total inflate cap); a slide is read when it ends and
then freed: its paragraphs and headings in order (titles, text boxes, table cells),
speaker notes left out. At most office_xml.MAX_SLIDES slides.
"""

from __future__ import annotations

from pathlib import Path

from archive_app.core.ingest import limits, office_xml
from archive_app.core.ingest.documents import Extracted
from archive_app.core.ingest.opendocument import (
    DRAW,
    PRESENTATION,
    H,
    P,
    inside_paragraph,
    metadata,
    open_package,
    paragraph_text,
)

_PAGE, _NOTES = f"{{{DRAW}}}page", f"{{{PRESENTATION}}}notes"


def _in_notes(element, page) -> bool:
    parent = element.getparent()
    while parent is not None and parent is not page:
        if parent.tag == _NOTES:
            return True
        parent = parent.getparent()
    return False


def _slide_text(page) -> str:
    lines = []
    for paragraph in page.iter(P, H):
        if inside_paragraph(paragraph, page) or _in_notes(paragraph, page):
            continue
        text = paragraph_text(paragraph)
        if text.strip():
            lines.append(text)
    return "\n".join(lines)


def extract(path: Path) -> Extracted:
    with open_package(path, "application/vnd.oasis.opendocument.presentation",
                      "ODP") as archive:
        budget = limits.ZipBudget()
        pages: list[str] = []
        length = 0
        for _, element in office_xml.stream(archive, "content.xml", budget, ("end",),
                                            (_PAGE,), "ODP"):
            text = _slide_text(element)
            office_xml.free(element)
            pages.append(text)
            length += len(text)
            if len(pages) >= office_xml.MAX_SLIDES or length > limits.MAX_TEXT_CHARS:
                break
        meta = metadata(archive, budget)
    if not pages:
        pages = [""]
    return Extracted(text="", metadata=meta, page_texts=pages)
