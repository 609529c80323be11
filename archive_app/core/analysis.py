"""How text becomes searchable words: one regex pass, lower-casing and accent folding.

The index, the query parser, the highlighter and the exact-phrase check all use this one
definition of a word, so a highlight always lands on the characters that matched and a
"phrase" means the same thing everywhere. Stemming is applied at query time (search.py),
not here: the index keeps every word form and every stop word, which is what makes
exact phrases exact.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

# Letters, digits and the combining marks that sit inside words (Latin accents written
# decomposed, Hebrew and Arabic points); ZWNJ and tatweel stay inside a word and are
# dropped by folding.
_MARKS = "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
WORD_PATTERN = re.compile(rf"[\w{_MARKS}\u200c\u0640]+")
_DROP_IN_WORD = dict.fromkeys(map(ord, "\u200c\u200d\u0640"), None)


def fold(word: str) -> str:
    """The indexed form of a word: lower case, accents and other combining marks removed."""
    word = word.lower()
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word.translate(_DROP_IN_WORD))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


def iter_words(text: str) -> Iterator[tuple[str, int, int]]:
    """Every word of `text` as (folded form, start, end); offsets index into `text`."""
    for match in WORD_PATTERN.finditer(text):
        folded = fold(match.group())
        if folded:
            yield folded, match.start(), match.end()


def words(text: str) -> list[str]:
    """The folded words of a piece of text, e.g. of a query phrase."""
    return [word for word, _, _ in iter_words(text)]
