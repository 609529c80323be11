"""How text becomes searchable words: one regex pass, lower-casing and script folding.

The index, the query parser, the highlighter and the exact-phrase check all use this one
definition of a word, so a highlight always lands on the characters that matched and a
"phrase" means the same thing everywhere. Stemming is applied at query time (search/searcher.py),
not here: the index keeps every word form and every stop word, which is what makes
exact phrases exact.

Folding (writing_systems.fold_script) makes variant spellings one word: Latin accents, Persian and
Arabic letter variants, diacritics, tatweel, ZWNJ and Arabic-Indic digits. A run of
Chinese, Japanese or Korean characters is cut into overlapping bigrams (writing_systems.split_cjk).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from archive_app.core.text.writing_systems import fold_script, has_cjk, split_cjk

# Letters, digits and the combining marks that sit inside words (Latin accents written
# decomposed, Hebrew and Arabic points); ZWNJ and tatweel stay inside a word and are
# dropped by folding.
_MARKS = "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
WORD_CHARS = rf"\w{_MARKS}\u200c\u200d\u0640"
"""The characters of a word, as the inside of a regex character class."""
WORD_PATTERN = re.compile(rf"[{WORD_CHARS}]+")


def fold(word: str) -> str:
    """The indexed form of a word: lower case, variants unified, combining marks removed."""
    return fold_script(word)


def iter_words(text: str) -> Iterator[tuple[str, int, int]]:
    """Every word of `text` as (folded form, start, end); offsets index into `text`."""
    for match in WORD_PATTERN.finditer(text):
        word = match.group()
        if word.isascii():
            yield word.lower(), match.start(), match.end()
        elif has_cjk(word):
            for piece, start, end in split_cjk(word, match.start()):
                folded = fold_script(piece)
                if folded:
                    yield folded, start, end
        else:
            folded = fold_script(word)
            if folded:
                yield folded, match.start(), match.end()


_FOLD_CACHE: dict[str, str] = {}
_FOLD_CACHE_LIMIT = 200_000


def fold_words(text: str) -> list[str]:
    """The folded words of `text`, in order: exactly `words(text)`, several times faster.

    The indexer's hot path (index.word_positions): surface_words' one `findall` and
    C-level cache lookups; only text with CJK runs (several bigrams per run) or words
    that fold to nothing takes the token-by-token path.
    `tests/core/text/test_analysis_fast.py` checks it equals `words`.
    """
    found = surface_words(text)
    return found[1] if found is not None else words(text)


def surface_words(text: str) -> tuple[list[str], list[str]] | None:
    """Every word of `text` as written and as indexed, one to one (highlighting's fast
    path); None when a CJK run (several bigrams) or a word that folds to nothing breaks
    the correspondence."""
    found = WORD_PATTERN.findall(text)
    folded_words = list(map(_FOLD_CACHE.get, found))
    if None in folded_words:
        for number, word in enumerate(found):
            if folded_words[number] is None:
                folded = None if has_cjk(word) else _fold_new(word)
                if not folded:
                    return None
                folded_words[number] = folded
    return found, folded_words


def _fold_new(word: str) -> str:
    """Fold a word (not a CJK run) and remember it; '' (never cached) for no word."""
    folded = word.lower() if word.isascii() else fold_script(word)
    if folded:
        if len(_FOLD_CACHE) >= _FOLD_CACHE_LIMIT:
            _FOLD_CACHE.clear()
        _FOLD_CACHE[word] = folded
    return folded


def words(text: str) -> list[str]:
    """The folded words of a piece of text, e.g. of a query phrase."""
    return [word for word, _, _ in iter_words(text)]
