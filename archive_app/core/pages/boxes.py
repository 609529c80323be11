"""Where the characters of our stored page text lie on the page, for the page view.

Hits and annotations are offsets into the stored text (`Document.text`), which is not
pdfium's text of the page: the importer joined lines into paragraphs with spaces it
made, undid end-of-line hyphens, put Arabic ligatures' letters back in order, removed
control characters and normalised to NFC (ingest/pdf.py, pdf_lines.py, documents.py).
So the boxes pdfium (or Tesseract, for a scan) gives are found by aligning the two
texts (`align`), and kept per page as a `CharTable`: the box of each of our characters.
From it the page view gets the boxes of a span (`span_rects`) and, the other way, the
offsets under a point or a dragged rectangle (`offset_at`, `offsets_in`), so a
selection made on the page is the same as the same words selected in the text view.

Positions are in page units (PDF points, or pixels of an image), origin top-left, y
growing downwards. A table is derived data: cached on disk (`to_bytes`), rebuilt when
its format changes (`from_bytes` refuses it) or the text it was made for does (`fits`),
never precious.
"""

from __future__ import annotations

import hashlib
import struct
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from archive_app.core.ingest.pdf_lines import is_rtl

if TYPE_CHECKING:
    from archive_app.core.ingest.ocr import OcrPage
    from archive_app.core.pages.renderer import PageText

FORMAT_VERSION = 1
"""Part of every stored table: raise it when what a table holds or means changes."""
LOOKAHEAD = 32
"""How far (in folded characters, on each side) the alignment looks past a mismatch for
the texts to agree again: far more than one odd character or a removed hyphen needs."""
ANCHOR = 3
"""How many characters must agree after a mismatch before the alignment trusts that
the texts are in step again (one alone would agree by chance in every word)."""
FAR_AFTER = 16
FAR_LOOKAHEAD = 4096
FAR_ANCHOR = 12
"""After FAR_AFTER units in a row that the look-ahead cannot bring in step, a run of
FAR_ANCHOR agreeing units is looked for up to FAR_LOOKAHEAD units further on in
pdfium's text: a block our text lacks does not derail the rest of the page."""
MAX_AGREEMENT = 256
"""A resync that skips k units needs min(k / 2, this) agreeing units after it
(`_resync`); half, so that a text with an odd character every few words still finds
its way back once it has fallen behind."""
SAME_LINE_OVERLAP = 0.25
"""Boxes on one line overlap vertically by at least this share of the smaller one: a
comma or a superscript still does, the next line's letters do not."""
WORD_GAP_HEIGHTS = 2.0
"""A box further than this many line heights beside the line so far starts a new
rectangle (another column or table cell), even at the same height."""

_MAGIC = b"ACTB"
_HEADER = struct.Struct("<4sHIdd8s")
"""magic, FORMAT_VERSION, characters, page width, page height, digest of the text."""
_HYPHEN_MARKS = {"\x02": "-", "\ufffe": "-"}
"""pdfium's marks for a hyphen that ends a line, where our text may keep a "-"."""


class Rect(NamedTuple):
    """A rectangle on the page: left, top, right, bottom in page units (top < bottom)."""

    left: float
    top: float
    right: float
    bottom: float


# -- aligning our text with the page's ----------------------------------------------------


def align(ours: str, theirs: str) -> np.ndarray:
    """For each character of `ours` the index of the same character in `theirs`, -1
    where it has none (spaces we made, a joined line's hyphen, control characters).

    Characters are compared folded (`_fold`: NFKD, casefold, no accents, so "ﬁ" meets
    "fi" and "é" a decomposed "é"), whitespace and invisible characters left out on both
    sides; an accent or vowel mark of ours takes its letter's partner. Where the texts
    differ they are brought back in step by the nearest run of agreement (`_match`).
    Linear in the length of the texts."""
    a, a_owner, marks = _folded(ours)
    b, b_owner, _ = _folded(theirs)
    result = np.full(len(ours), -1, dtype=np.int32)
    for unit, partner in enumerate(_match(a, b)):
        owner = a_owner[unit]
        if partner >= 0 and result[owner] < 0:  # a char's first matched unit names it
            result[owner] = b_owner[partner]
    for index in marks:
        result[index] = result[index - 1]
    return result


def _folded(text: str) -> tuple[str, list[int], list[int]]:
    """The text as folded units (one code point each), the index of the character each
    unit came from, and the characters that are marks on the one before them."""
    units: list[str] = []
    owners: list[int] = []
    marks: list[int] = []
    for index, char in enumerate(text):
        folded = _fold(char)
        if folded:
            units.append(folded)
            owners.extend([index] * len(folded))
        elif index and unicodedata.category(char) in _MARKS:
            marks.append(index)
    return "".join(units), owners, marks


_FOLDED: dict[str, str] = {}
_MARKS = ("Mn", "Me")
_INVISIBLE = ("Cc", "Cf", "Cs", "Cn", *_MARKS)


def _fold(char: str) -> str:
    """One character as compared: decomposed and case-folded, without whitespace,
    control and format characters or marks (memoised: a page has few distinct ones); a
    visible character that would fold to nothing ("¨", a space and a mark) stays itself.

    Marks go because the two texts need not agree on them: "إ" decomposes into alef and
    a hamza, and pdfium gives the letters of a lam-alef ligature backwards, so only
    without the hamza is that a swap of two letters."""
    folded = _FOLDED.get(char)
    if folded is None:
        folded = unicodedata.normalize("NFKD", _HYPHEN_MARKS.get(char, char).casefold())
        folded = "".join(unit for unit in folded if _visible(unit))
        folded = folded or (char if _visible(char) else "")  # "¨" is a space and a mark
        _FOLDED[char] = folded
    return folded


def _visible(unit: str) -> bool:
    return not unit.isspace() and unicodedata.category(unit) not in _INVISIBLE


def _match(a: str, b: str) -> list[int]:
    """For each unit of `a` its partner's index in `b`, or -1.

    Walks both texts in step. Two units swapped (a ligature pdfium wrote backwards) are
    matched crosswise. After any other mismatch the texts go on from the fewest units
    skipped on either side after which ANCHOR units agree, within LOOKAHEAD; units of
    ours skipped there have no partner, unless as many are skipped on each side (a
    character read differently). Where nothing agrees within reach for FAR_AFTER units
    in a row, `theirs` may hold a block ours lacks: FAR_ANCHOR units from the first of
    them are looked for up to FAR_LOOKAHEAD further on."""
    partner = [-1] * len(a)
    i = j = 0
    lost: int | None = None  # the first unit of a run without agreement within reach
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            partner[i] = j
            i, j = i + 1, j + 1
        elif a[i:i + 1] == b[j + 1:j + 2] and a[i + 1:i + 2] == b[j:j + 1] and (
                a[i + 2:i + 3] == b[j + 2:j + 3]):  # two swapped, then in step again
            partner[i], partner[i + 1] = j + 1, j
            i, j = i + 2, j + 2
        elif step := _resync(a, b, i, j, LOOKAHEAD, LOOKAHEAD, ANCHOR):
            skip_a, skip_b = step
            if skip_a == skip_b:
                partner[i:i + skip_a] = range(j, j + skip_a)
            i, j, lost = i + skip_a, j + skip_b, None
        else:
            lost = i if lost is None else lost
            i += 1
            if i - lost >= FAR_AFTER:
                far = _resync(a, b, lost, j, 0, FAR_LOOKAHEAD, FAR_ANCHOR)
                if far:
                    i, j, lost = lost, j + far[1], None
                else:
                    lost += 1
    return partner


def _resync(a: str, b: str, i: int, j: int, ahead_a: int, ahead_b: int,
            anchor: int) -> tuple[int, int] | None:
    """The fewest units to skip in `a` and `b` (at most `ahead_a` and `ahead_b`, from i
    and j) after which the texts agree again, or None.

    They agree for `anchor` units, and for half as many as were skipped (MAX_AGREEMENT
    at most): a long skip needs long agreement, or a few letters that happen to agree
    (a common trigram) would walk through a passage one side lacks and lose step."""
    best: tuple[int, int] | None = None
    for skip_a in range(ahead_a + 1):
        if best is not None and skip_a >= sum(best):
            break
        piece = a[i + skip_a:i + skip_a + anchor]
        if not piece:
            break
        end = j + ahead_b + len(piece)
        found = b.find(piece, j, end)
        while found >= 0 and (best is None or skip_a + found - j < sum(best)):
            length = max(anchor, min((skip_a + found - j) // 2, MAX_AGREEMENT))
            agreed = a[i + skip_a:i + skip_a + length]
            if agreed == b[found:found + len(agreed)]:
                best = (skip_a, found - j)
                break
            found = b.find(piece, found + 1, end)
    return best


# -- the table ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CharTable:
    """One page: the box of each character of our page text (float32, n x 4: left, top,
    right, bottom; NaN for a character with none), and the page's size."""

    boxes: np.ndarray
    page_width: float
    page_height: float
    text_digest: bytes = b""
    """Of the page text the table was made for: `fits` tells a stale cached table."""

    @classmethod
    def from_page_text(cls, ours: str, page: PageText) -> CharTable:
        """The table of a text-layer page, from pdfium's text and character boxes."""
        theirs = np.frombuffer(page.boxes, dtype="<f4").reshape(-1, 4)
        return _aligned(ours, page.text, theirs, page.page_width, page.page_height)

    def fits(self, text: str) -> bool:
        """Whether the table was made for this page text (the stored text changes when a
        newer importer reads the file again, the file itself need not)."""
        return len(text) == len(self.boxes) and _digest(text) == self.text_digest

    def to_bytes(self) -> bytes:
        header = _HEADER.pack(_MAGIC, FORMAT_VERSION, len(self.boxes), self.page_width,
                              self.page_height, self.text_digest.ljust(8, b"\0")[:8])
        return header + self.boxes.astype("<f4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> CharTable:
        """A stored table; ValueError for another format version or damaged bytes (the
        caller builds the table again)."""
        if len(data) < _HEADER.size:
            raise ValueError("not a character table: too short")
        magic, version, count, width, height, digest = _HEADER.unpack_from(data)
        if magic != _MAGIC or version != FORMAT_VERSION:
            raise ValueError(f"not a character table of format {FORMAT_VERSION}")
        if len(data) != _HEADER.size + count * 16:
            raise ValueError("character table of the wrong length")
        boxes = np.frombuffer(data, dtype="<f4", offset=_HEADER.size).reshape(count, 4)
        return cls(boxes.astype(np.float32), width, height, digest)

    def __len__(self) -> int:
        return len(self.boxes)


def table_from_words(page_text: str, ocr_page: OcrPage) -> CharTable:
    """The table of an OCR'd page, from Tesseract's word boxes (ocr.OcrPage.words).

    Our page text was made from the same words, so it is aligned with them joined by
    spaces; each word's box is shared out evenly among its letters (from the right for a
    right-to-left word), which is exact for whole words and near enough for parts."""
    pieces, rows = [], []
    for left, top, right, bottom, word in ocr_page.words:
        if not word:
            continue
        step, backwards = (right - left) / len(word), is_rtl(word)
        for k in range(len(word)):
            x = right - step * (k + 1) if backwards else left + step * k
            rows.append((x, top, x + step, bottom))
        pieces.append(word)
        rows.append((np.nan,) * 4)  # the space that joins it to the next
    theirs = np.array(rows, dtype=np.float32).reshape(-1, 4)
    return _aligned(page_text, " ".join(pieces) + " ", theirs,
                    ocr_page.page_width, ocr_page.page_height)


def _aligned(ours: str, theirs: str, their_boxes: np.ndarray, width: float,
             height: float) -> CharTable:
    """Our characters' boxes: each takes the box of its partner in `theirs`."""
    partners = align(ours, theirs[:len(their_boxes)])
    boxes = np.full((len(ours), 4), np.nan, dtype=np.float32)
    found = partners >= 0
    boxes[found] = their_boxes[partners[found]]
    return CharTable(boxes, float(width), float(height), _digest(ours))


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()


# -- questions the page view asks -------------------------------------------------------------


def span_rects(table: CharTable, start: int, end: int) -> list[Rect]:
    """The rectangles covering our characters start..end (offsets in the page text):
    one per line the span covers, so a hit across a line break is two; [] when none of
    its characters has a box."""
    rects: list[list[float]] = []
    for box in table.boxes[max(start, 0):max(end, 0)].tolist():
        if box[0] != box[0]:  # NaN: a space we made, a character the page lacks
            continue
        if rects and _same_line(rects[-1], box):
            line = rects[-1]
            line[:] = (min(line[0], box[0]), min(line[1], box[1]),
                       max(line[2], box[2]), max(line[3], box[3]))
        else:
            rects.append(list(box))
    return [Rect(*rect) for rect in rects]


def _same_line(line: list[float], box: list[float]) -> bool:
    """Whether a character's box goes on the line the rectangle so far covers."""
    height = max(line[3] - line[1], box[3] - box[1], 1e-3)
    overlap = min(line[3], box[3]) - max(line[1], box[1])
    smaller = max(min(line[3] - line[1], box[3] - box[1]), 1e-3)
    beside = max(box[0] - line[2], line[0] - box[2], 0.0)
    return overlap >= SAME_LINE_OVERLAP * smaller and beside <= WORD_GAP_HEIGHTS * height


def offset_at(table: CharTable, x: float, y: float) -> int | None:
    """The offset (in the page text) of the character under a point: the one whose box
    holds it, else the nearest within about a character's height (glyph boxes leave gaps
    between letters and above short ones); None away from the text."""
    boxes = table.boxes
    if not len(boxes):
        return None
    with np.errstate(invalid="ignore"):
        dx = np.maximum(np.maximum(boxes[:, 0] - x, x - boxes[:, 2]), 0)
        dy = np.maximum(np.maximum(boxes[:, 1] - y, y - boxes[:, 3]), 0)
        distance = dx + 2 * dy  # a point beside a line is nearer than one above it
    if np.isnan(distance).all():
        return None
    nearest = int(np.nanargmin(distance))
    heights = boxes[:, 3] - boxes[:, 1]
    if distance[nearest] > np.nanmedian(heights):
        return None
    return nearest


def offsets_in(table: CharTable, rect: Rect | tuple[float, float, float, float]
               ) -> tuple[int, int] | None:
    """(start, end) offsets of the characters a rectangle dragged on the page covers: the
    first to the last character whose box it holds half of across and touches at all
    from top to bottom; None when it covers none (a region of a picture)."""
    left, top, right, bottom = rect
    left, right = sorted((left, right))
    top, bottom = sorted((top, bottom))
    boxes = table.boxes
    with np.errstate(invalid="ignore"):
        middle = (boxes[:, 0] + boxes[:, 2]) / 2
        covered = ((middle >= left) & (middle <= right)
                   & (boxes[:, 3] >= top) & (boxes[:, 1] <= bottom))
    found = np.flatnonzero(covered)
    if not len(found):
        return None
    return int(found[0]), int(found[-1]) + 1
