"""OpenDocument text (.odt): paragraphs and headings of content.xml, meta.xml's metadata.

content.xml is streamed from the zip (running-total inflate cap, opendocument.py);
headings, paragraphs, list items and table cells each become a line; paragraphs in a
frame inside a paragraph are read with it. Reading stops at the text cap.
"""

from __future__ import annotations

from pathlib import Path

from archive_app.core.ingest import limits, office_xml
from archive_app.core.ingest.documents import Extracted
from archive_app.core.ingest.opendocument import (
    H,
    P,
    inside_paragraph,
    metadata,
    open_package,
    paragraph_text,
)


def extract(path: Path) -> Extracted:
    with open_package(path, "application/vnd.oasis.opendocument.text", "ODT") as archive:
        budget = limits.ZipBudget()
        lines: list[str] = []
        length = 0
        for _, element in office_xml.stream(archive, "content.xml", budget, ("end",),
                                            (P, H), "ODT"):
            if inside_paragraph(element):
                continue
            text = paragraph_text(element)
            office_xml.free(element)
            if text.strip():
                lines.append(text)
                length += len(text)
                if length > limits.MAX_TEXT_CHARS:
                    break  # the loader cuts the text and says so
        meta = metadata(archive, budget)
    return Extracted(text="\n\n".join(lines), metadata=meta)
