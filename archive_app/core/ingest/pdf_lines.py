"""Turn a PDF page's lines into text that reads well: paragraphs joined, hyphens undone.

A PDF has no paragraphs, only lines drawn at positions, so every hard line break of the
page would stay in the stored text and prose would read as ragged lines. These are pure
functions over `Line` records (text, horizontal extent, baseline, font size), applied
at extraction time because every offset in the app (hits, pages, annotation anchors)
refers to the stored text. The rules, kept simple so that a reader can predict them:

* Blocks (a blank line between them). A new block starts where the next line lies
  lower than the page's usual line pitch allows (`BLOCK_GAP` times `usual_pitch`, in
  ems), where the font size changes (`SIZE_CHANGE`: a heading, a footnote), where the
  line is indented by more than an em under one that was not (a first-line indent;
  left-to-right text only), or where it moves up or beside the last one (another
  column), unless it plainly continues a full line's sentence there (no full stop
  before it, lower case or a digit at its start).
* Lines of a block join with a space where the line is full (`FULL_LINE` of the
  document's usual width) or ends in a hyphen, and the next line is not a list item
  (a bullet, "1.", "2)", "a.", "(iv)"). A short line ends what it holds: a heading, a
  paragraph's last line, a table row, a line of code. In a block of three or more
  lines most of which are short (`is_tabular`: a table, code, an address) only a line
  whose sentence plainly goes on is joined.
* Hyphens. A line ending in a soft hyphen (U+00AD) joins the next without it. A line
  ending in "-" after a letter joins a next line that starts in lower case without the
  hyphen ("docu-" + "ment"), unless the hyphen is real: the word before it already
  holds one ("state-of-the-" + "art"), it is one of `COMPOUND_HEADS` ("self-" +
  "evident"), or the document writes that hyphenated word inside a line somewhere
  (`compounds_in`: "camera-ready"). Before a capital or a digit the hyphen stays and
  no space is put ("Anglo-" + "Saxon", "COVID-" + "19").
* Right-to-left lines (Arabic, Persian, Hebrew) join the same way, with a space; those
  scripts do not hyphenate, so a "-" there is kept. Chinese and Japanese lines join
  without a space, and so does a URL cut after a slash.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

BLOCK_GAP = 1.4
"""A pitch this many times the page's usual pitch separates two blocks: paragraph
spacing is usually half a line or more, while line spacing varies far less."""
FULL_LINE = 0.8
"""A line at least this share of the page's usual width runs to the margin, so the text
goes on in the next line; ragged-right prose rarely falls below it mid-paragraph."""
SHORT_BLOCK_SHARE = 0.5
"""A block of three or more lines more than this share of whose lines (the last left
out) are short is a table, code or an address: its lines are kept."""
SIZE_CHANGE = 1.15
"""Lines whose font sizes differ by more than this factor are different things (a
heading and its text, a footnote): a new block."""
COMPOUND_HEADS = frozenset({"self", "well", "half", "all", "cross", "non"})
"""Words whose hyphen at a line end is (nearly always) part of a compound."""

_LIST_ITEM = re.compile(
    r"^\s*(?:[\u2022\u2023\u2043\u2219\u25aa\u25ab\u25cb\u25cf\u25e6\u2013\u2014*\-\u00b7"
    r"\uf0a7\uf0b7\uf076\uf0d8\uf0fc]\s|\(?(?:\d{1,3}|[a-zA-Z]|[ivxlcIVXLC]{1,5})[.)]\s)")
"""Bullets (including the Symbol and Wingdings private-use ones Word leaves), "1.",
"2)", "a.", "(b)", "iv." followed by a space."""
_HYPHENATED_WORD = re.compile(r"\b[^\W\d_]+(?:-[^\W\d_]+)+\b")
_TRAILING_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*-$")
_LEADING_WORD = re.compile(r"^[^\W\d_]+")
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_LTR = re.compile(r"[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]")
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


@dataclass(frozen=True)
class Line:
    """One line of a page as the PDF draws it; positions in points, y grows upwards."""

    text: str
    left: float
    right: float
    baseline: float
    size: float
    """Font size of the line (an em), the unit indents and pitches are measured in."""

    @property
    def width(self) -> float:
        return self.right - self.left


def page_text(
    lines: Sequence[Line], compounds: frozenset[str] = frozenset(), measure: float = 0.0
) -> str:
    """The page as text: its blocks separated by a blank line, each block's lines joined.

    `measure` is the width of a full line, best taken over the whole document
    (`usual_width` of all its lines) so that a page of code or a table does not make its
    short lines look full; 0 means this page's own."""
    lines = [line for line in lines if line.text.strip()]
    if not lines:
        return ""
    measure = measure or usual_width(lines)
    blocks = split_blocks(lines, measure)
    return "\n\n".join(join_block(block, measure, compounds) for block in blocks)


def usual_width(lines: Sequence[Line]) -> float:
    """The width of a full line on this page: a high percentile of the line widths, so
    that headings, last lines and a few wide lines do not move it."""
    widths = sorted(line.width for line in lines if line.text.strip())
    return widths[min(len(widths) - 1, int(len(widths) * 0.8))] if widths else 0.0


def usual_pitch(lines: Sequence[Line]) -> float:
    """The usual distance between consecutive baselines of a paragraph, in ems of their
    font size (so that a page mixing sizes has one figure): a low percentile of the
    pitches between half an em and three ems, since on a page of short paragraphs most
    pitches are paragraph gaps (columns and block gaps beyond three ems left out)."""
    ratios = sorted(
        ratio for above, below in zip(lines, lines[1:], strict=False)
        if 0.5 < (ratio := (above.baseline - below.baseline) / _em(above, below)) < 3)
    return ratios[int(len(ratios) * 0.3)] if ratios else 0.0


def split_blocks(lines: Sequence[Line], measure: float) -> list[list[Line]]:
    """The lines grouped into blocks (paragraphs, headings, tables), in their order."""
    pitch = usual_pitch(lines)
    blocks: list[list[Line]] = [[lines[0]]]
    edge = lines[0].left  # the current block's left edge, kept as it grows (linear time)
    for line in lines[1:]:
        if starts_block(blocks[-1][-1], edge, line, pitch, measure):
            blocks.append([line])
            edge = line.left
        else:
            blocks[-1].append(line)
            edge = min(edge, line.left)
    return blocks


def starts_block(above: Line, edge: float, line: Line, pitch: float, measure: float) -> bool:
    """Whether `line` cannot go on from `above`, the last line of a block whose left
    edge is `edge` (see the module docstring)."""
    drop = above.baseline - line.baseline
    em = _em(above, line)
    if abs(drop) < 0.5 * em:  # the same visual line, cut by the PDF: goes on
        return False
    if max(above.size, line.size) > SIZE_CHANGE * max(min(above.size, line.size), 0.1):
        return True
    moved = drop < 0 or line.right < above.left or line.left > above.right
    if moved:  # another column: a sentence running on from the last one goes on
        return not (above.width >= FULL_LINE * measure and _runs_on(above.text, line.text))
    if drop > (BLOCK_GAP * pitch if pitch else 1.6) * em:
        return True
    return _indented(above, edge, line)


def _runs_on(text: str, following: str) -> bool:
    """Whether a line's text goes on in the next: it ends without a full stop and the
    next begins in lower case (or the line ends in a hyphen)."""
    text, following = text.rstrip(), following.lstrip()
    if not text or not following:
        return False
    return text[-1] in "-\u00ad" or (text[-1] not in ".!?:;" and _continues(following))


def _hyphenated(text: str) -> bool:
    """Whether a line ends in a hyphen after a letter: the word goes on, however short
    the line is."""
    text = text.rstrip()
    return len(text) > 1 and text[-1] in "-\u00ad" and text[-2].isalpha()


def _continues(text: str) -> bool:
    """Whether a line's first character can only continue a sentence: lower case, or a
    digit (a number broken off the line before); not a capital, a bullet, a bracket."""
    return text[:1].islower() or text[:1].isdigit()


def _indented(above: Line, edge: float, line: Line) -> bool:
    """A first-line indent under a line that starts at the block's edge (that is not
    itself a paragraph's indented first line): a new paragraph.

    Left-to-right lines only: where a right-to-left line starts depends on the alignment
    the writer chose more than on indents (a right-to-left line set in a left-aligned
    paragraph has a ragged right edge), so those paragraphs are told by gaps alone."""
    if is_list_item(above.text) or line.text.lstrip()[:1].islower() or is_rtl(line.text):
        return False
    flush = above.left <= edge + 0.5 * above.size
    return flush and line.left - above.left > _em(above, line)


def join_block(block: Sequence[Line], measure: float, compounds: frozenset[str]) -> str:
    """A block's lines as text: joined where the text runs on, kept where a line ends."""
    short = [line.width < FULL_LINE * measure for line in block]
    tabular = is_tabular(block, short)
    pieces = [block[0].text.strip()]  # lines and what goes between them: linear time
    for previous, line, was_short in zip(block, block[1:], short, strict=False):
        same_line = abs(previous.baseline - line.baseline) < 0.5 * _em(previous, line)
        runs_on = (not was_short or _hyphenated(previous.text)) and not is_list_item(line.text)
        if tabular:  # only a sentence that plainly goes on is joined
            runs_on = runs_on and _runs_on(previous.text, line.text)
        right = line.text.strip()
        if same_line or runs_on or line.baseline > previous.baseline:  # or: next column
            pieces[-1], between = seam(pieces[-1], right, compounds)
        else:
            between = "\n"
        pieces += [between, right]
    return "".join(pieces)


def is_tabular(block: Sequence[Line], short: Sequence[bool]) -> bool:
    """A block of three or more lines most of which (list items and the last line left
    out) are short: a table, code, an address, verse."""
    counted = [was_short for line, was_short in zip(block[:-1], short, strict=False)
               if not is_list_item(line.text)]
    return len(block) >= 3 and sum(counted) > SHORT_BLOCK_SHARE * max(len(counted), 1)


def join_pair(left: str, right: str, compounds: frozenset[str] = frozenset()) -> str:
    """Two lines of one paragraph as one: a space between, or the hyphen rule."""
    right = right.strip()
    kept, between = seam(left, right, compounds)
    return kept + between + right


def seam(left: str, right: str, compounds: frozenset[str]) -> tuple[str, str]:
    """How a line meets the next of its paragraph: (the line, less an end-of-line
    hyphen, and what goes between: a space or nothing). `right` is stripped."""
    left = left.rstrip()
    if not left or not right:
        return left, ""
    if left.endswith("\u00ad"):
        return left[:-1], ""
    if left.endswith("-") and len(left) > 1 and left[-2].isalpha():
        if right[0].islower() and not keeps_hyphen(left, right, compounds):
            return left[:-1], ""
        return left, ""
    if (_CJK.match(left[-1]) and _CJK.match(right[0])) or _is_broken_url(left, right):
        return left, ""
    return left, " "


def _is_broken_url(left: str, right: str) -> bool:
    """A URL cut after a slash or a dot ("https://www." + "acm.org/..."): no space."""
    token = left.rsplit(None, 1)[-1]
    if "://" not in token and not token.startswith("www."):
        return False
    return token.endswith("/") or (token.endswith(".") and right[0].islower())


def keeps_hyphen(left: str, right: str, compounds: frozenset[str]) -> bool:
    """Whether the hyphen ending `left` belongs to a compound rather than to the break."""
    head_match = _TRAILING_WORD.search(left[-100:].rsplit(None, 1)[-1])
    tail_match = _LEADING_WORD.match(right)
    if not head_match or not tail_match:
        return True
    head = head_match.group()[:-1]
    if "-" in head or head.lower() in COMPOUND_HEADS:
        return True
    return f"{head}-{tail_match.group()}".lower() in compounds


def compounds_in(texts: Iterable[str]) -> frozenset[str]:
    """Hyphenated words the document writes inside a line (lower-cased): the evidence
    that a hyphen at a line end is part of the word rather than a break."""
    found: set[str] = set()
    for text in texts:
        for match in _HYPHENATED_WORD.finditer(text):
            found.add(match.group().lower())
    return frozenset(found)


def is_list_item(text: str) -> bool:
    """Whether a line starts a list item (a bullet or a number or letter with . or ))."""
    return bool(_LIST_ITEM.match(text))


def is_rtl(text: str) -> bool:
    """Whether a line is mostly right-to-left script (Hebrew, Arabic, Persian...)."""
    return len(_RTL.findall(text)) > len(_LTR.findall(text))


def _em(a: Line, b: Line) -> float:
    return max(a.size, b.size, 1.0)
