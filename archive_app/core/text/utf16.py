"""Python string offsets and UTF-16 positions (QString, QTextCursor) converted both ways.

Qt counts a character outside the Basic Multilingual Plane (most emoji, some CJK and
historic scripts) as two positions, Python as one. Everything the core stores is a
Python offset; the reader speaks UTF-16. Build one `Utf16Offsets` per text.
"""

from __future__ import annotations

from bisect import bisect_left


class Utf16Offsets:
    """Converts offsets of one text in O(log n); free for texts without astral characters."""

    def __init__(self, text: str):
        self.length = len(text)
        astral = [] if text.isascii() else [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
        self._astral = astral
        """Python indices of the astral characters."""
        self._low_surrogates = [index + number + 1 for number, index in enumerate(astral)]
        """The UTF-16 position of each astral character's second half."""

    def to_utf16(self, offset: int) -> int:
        """The QString position of a Python offset (0..len(text))."""
        offset = max(0, min(offset, self.length))
        return offset + bisect_left(self._astral, offset)

    def from_utf16(self, position: int) -> int:
        """The Python offset of a QString position; inside a surrogate pair it rounds up."""
        offset = max(0, position) - bisect_left(self._low_surrogates, position)
        return max(0, min(offset, self.length))

    def spans_to_utf16(self, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        if not self._astral:
            return list(spans)
        return [(self.to_utf16(start), self.to_utf16(end)) for start, end in spans]
