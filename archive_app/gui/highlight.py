"""Hit colours that suit the light or dark palette, and Python offsets as Qt (UTF-16) offsets."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette, QTextCharFormat
from PySide6.QtWidgets import QApplication


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


def find_format() -> QTextCharFormat:
    """Find-in-document matches: a blue-ish marker distinct from search hits."""
    text_format = QTextCharFormat()
    text_format.setBackground(QColor("#2f5f8f" if is_dark() else "#b5d8ff"))
    return text_format


def utf16_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Python character spans as QString positions (astral characters count twice)."""
    if text.isascii() or all(ord(ch) < 0x10000 for ch in text):
        return list(spans)
    shift = [0] * (len(text) + 1)
    extra = 0
    for index, char in enumerate(text):
        shift[index] = extra
        if ord(char) >= 0x10000:
            extra += 1
    shift[len(text)] = extra
    return [(start + shift[start], end + shift[end]) for start, end in spans]
