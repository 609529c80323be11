"""Hit colours that suit the light or dark palette, and Python offsets as Qt (UTF-16) offsets."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette, QTextCharFormat
from PySide6.QtWidgets import QApplication

from archive_app.core.text.utf16 import Utf16Offsets


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def hit_format(current: bool = False) -> QTextCharFormat:
    """Amber marker for a hit; the current hit is a stronger orange."""
    text_format = QTextCharFormat()
    if is_dark():
        background = "#b35c00" if current else "#6b5200"
        foreground = "#ffffff"
    else:
        background = "#ff9632" if current else "#ffe680"
        foreground = "#000000"
    text_format.setBackground(QColor(background))
    text_format.setForeground(QColor(foreground))
    return text_format


def entity_format(color: str) -> QTextCharFormat:
    """A watch-list entity: a dotted underline in its list's colour (a hit's or a
    passage's marker can sit on the same words and stays readable)."""
    text_format = QTextCharFormat()
    text_format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
    text_format.setUnderlineColor(QColor(color))
    return text_format


def reuse_format() -> QTextCharFormat:
    """A passage other documents hold too: a faint violet wash (under a tag's tint and a
    hit's amber, which are drawn over it)."""
    text_format = QTextCharFormat()
    text_format.setBackground(QColor("#3a3350" if is_dark() else "#efe8fb"))
    return text_format


def find_format() -> QTextCharFormat:
    """Find-in-document matches: a blue-ish marker distinct from search hits."""
    text_format = QTextCharFormat()
    text_format.setBackground(QColor("#2f5f8f" if is_dark() else "#b5d8ff"))
    return text_format


def annotation_format(color: str, palette: QPalette | None = None) -> QTextCharFormat:
    """A tagged passage: a tint of its tag colour, underlined in a stronger shade of it.

    Tag colours are light pastels; blending keeps the palette's own text colour readable on
    a light page and on a dark one, and the search-hit markers drawn above stay distinct.
    """
    palette = palette or QApplication.palette()
    base = palette.color(QPalette.ColorRole.Base)
    tag = QColor(color)
    dark = is_dark(palette)
    share = 0.25 if dark else 0.35  # a tint: hits drawn above stay the stronger marks
    blended = QColor.fromRgbF(*(base_part + (tag_part - base_part) * share for base_part, tag_part
                                in zip(base.getRgbF()[:3], tag.getRgbF()[:3], strict=True)))
    text_format = QTextCharFormat()
    text_format.setBackground(blended)
    text_format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
    text_format.setUnderlineColor(tag if dark else tag.darker(150))
    return text_format


def utf16_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Python character spans as QString positions (astral characters count twice)."""
    return Utf16Offsets(text).spans_to_utf16(spans)
