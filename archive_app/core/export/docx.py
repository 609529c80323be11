"""DOCX (python-docx): a heading per group, excerpts in the Quote style, right-to-left aware."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from datetime import datetime

from docx import Document
from docx.oxml import OxmlElement
from docx.shared import Cm, RGBColor
from docx.text.paragraph import Paragraph

from archive_app.core.export.common import (
    is_rtl,
    note_shown,
    shown_context,
    tags_text,
    timestamp,
)
from archive_app.core.export.grouping import group_excerpts
from archive_app.core.export.model import Excerpt, ExportOptions

LABEL, SUFFIX, BINARY, NEEDS_TEXTS = "Word document (DOCX)", ".docx", True, False

_GREY = RGBColor(0x55, 0x55, 0x55)
_AFTER_BIDI = ("w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
               "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
               "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
               "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
_AFTER_RTL = ("w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")
"""Schema order: <w:bidi/> and <w:rtl/> must come before these siblings."""


def set_rtl(paragraph: Paragraph) -> None:
    """Make a paragraph right-to-left: <w:bidi/> on it and <w:rtl/> on its runs."""
    properties = paragraph._p.get_or_add_pPr()
    properties.insert_element_before(OxmlElement("w:bidi"), *_AFTER_BIDI)
    for run in paragraph.runs:
        run._r.get_or_add_rPr().insert_element_before(OxmlElement("w:rtl"), *_AFTER_RTL)


def _quote(document, excerpt: Excerpt, options: ExportOptions) -> Paragraph:
    before, after = shown_context(excerpt, options)
    paragraph = document.add_paragraph(style="Quote")
    if before:
        paragraph.add_run(before).font.color.rgb = _GREY
    quote = paragraph.add_run(excerpt.quote.strip())
    quote.bold = bool(before or after) or None
    if after:
        paragraph.add_run(after).font.color.rgb = _GREY
    if is_rtl(excerpt.quote):
        set_rtl(paragraph)
    return paragraph


def _labelled(document, label: str, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(text)
    if is_rtl(text):
        set_rtl(paragraph)


def _picture(document, excerpt: Excerpt) -> None:
    """A region annotation's picture, at most the text's width (15 cm)."""
    if not excerpt.picture:
        return
    from PIL import Image

    with Image.open(io.BytesIO(excerpt.picture)) as picture:
        width_cm = min(15.0, picture.width / 96 * 2.54)
    document.add_picture(io.BytesIO(excerpt.picture), width=Cm(width_cm))


def _excerpt(document, excerpt: Excerpt, options: ExportOptions) -> None:
    _picture(document, excerpt)
    _quote(document, excerpt, options)
    if excerpt.tags:
        _labelled(document, "Tags", tags_text(excerpt))
    note = note_shown(excerpt, options)
    if note:
        _labelled(document, "Note", note)
    citation = document.add_paragraph()
    citation.add_run(f"— {excerpt.citation}").italic = True


def _properties(document, options: ExportOptions) -> None:
    properties = document.core_properties
    properties.title = options.title
    properties.author = ""
    properties.last_modified_by = ""
    properties.comments = ""
    stamp = datetime.fromisoformat(timestamp(options).replace("Z", "+00:00"))
    properties.created = properties.modified = stamp


def render(excerpts: list[Excerpt], options: ExportOptions, texts: Mapping[str, str],
           tick: Callable[[], None]) -> bytes:
    document = Document()
    _properties(document, options)
    document.add_heading(options.title, level=0)
    for label, items in group_excerpts(excerpts, options.grouping):
        if label:
            heading = document.add_heading(label, level=1)
            if is_rtl(label):
                set_rtl(heading)
        for excerpt in items:
            tick()
            _excerpt(document, excerpt, options)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
