"""Python offsets <-> UTF-16 positions, as the reader needs them for astral characters."""

from __future__ import annotations

import pytest

from archive_app.core.text.utf16 import Utf16Offsets

TEXT = "a😀b\n𝔸𝔹 c"
"""Python: a=0 😀=1 b=2 \\n=3 𝔸=4 𝔹=5 ' '=6 c=7; UTF-16: a=0 😀=1,2 b=3 \\n=4 𝔸=5,6 𝔹=7,8."""


@pytest.mark.parametrize(("offset", "position"), [
    (0, 0), (1, 1), (2, 3), (3, 4), (4, 5), (5, 7), (6, 9), (8, 11)])
def test_both_directions(offset, position):
    offsets = Utf16Offsets(TEXT)
    assert offsets.to_utf16(offset) == position
    assert offsets.from_utf16(position) == offset


def test_every_offset_round_trips_and_matches_qt_length():
    offsets = Utf16Offsets(TEXT)
    for offset in range(len(TEXT) + 1):
        position = offsets.to_utf16(offset)
        assert position == len(TEXT[:offset].encode("utf-16-le")) // 2
        assert offsets.from_utf16(position) == offset


def test_a_position_inside_a_surrogate_pair_rounds_up_and_outside_is_clamped():
    offsets = Utf16Offsets(TEXT)
    assert offsets.from_utf16(2) == 2
    assert offsets.from_utf16(-5) == 0
    assert offsets.from_utf16(100) == len(TEXT)
    assert offsets.to_utf16(100) == 11


def test_plain_text_is_unchanged():
    offsets = Utf16Offsets("plain text, é and ß are in the BMP")
    assert offsets.to_utf16(12) == 12 == offsets.from_utf16(12)
    assert offsets.spans_to_utf16([(1, 3)]) == [(1, 3)]
