"""Script-aware word handling: Persian/Arabic letter folding, CJK bigrams, language guess.

A Persian word typed with Arabic code points (ي for ی, ك for ک), with or without
diacritics, tatweel or a zero-width non-joiner, must be the same word to the index; a
Chinese or Japanese run has no spaces, so it is cut into overlapping character pairs
(bigrams), which lets a two-character word match inside any longer run and keeps exact
phrases exact (consecutive bigrams at consecutive positions).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator

ARABIC_LETTER_FOLDS = {
    "\u064a": "\u06cc",  # ي Arabic yeh -> ی Persian yeh
    "\u0649": "\u06cc",  # ى alef maksura -> ی
    "\u0643": "\u06a9",  # ك Arabic kaf -> ک keheh
    "\u0629": "\u0647",  # ة teh marbuta -> ه heh
    "\u06c0": "\u0647",  # ۀ heh with yeh above -> ه
    "\u0623": "\u0627",  # أ alef with hamza above -> ا
    "\u0625": "\u0627",  # إ alef with hamza below -> ا
    "\u0622": "\u0627",  # آ alef with madda -> ا
    "\u0671": "\u0627",  # ٱ alef wasla -> ا
    "\u0624": "\u0648",  # ؤ waw with hamza -> و
    "\u0626": "\u06cc",  # ئ yeh with hamza -> ی
}
"""Letter variants searched as one letter (Persian forms are the targets)."""

IGNORED_IN_WORDS = "\u200c\u200d\u0640\u200e\u200f"
"""ZWNJ, ZWJ, tatweel, and direction marks: typing habits, not letters."""

_DIGITS = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")})
_FOLD_TABLE = str.maketrans({**{ord(k): v for k, v in ARABIC_LETTER_FOLDS.items()},
                             **_DIGITS, **dict.fromkeys(map(ord, IGNORED_IN_WORDS))})

_CJK = (r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
        r"\U00020000-\U0002fa1f")
CJK_RUN = re.compile(f"[{_CJK}]+")
_HAS_CJK = re.compile(f"[{_CJK}]")


def fold_script(word: str) -> str:
    """Lower-cased word with Arabic-script variants, digits and marks unified, accents off."""
    word = word.lower().translate(_FOLD_TABLE)
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped).translate(_FOLD_TABLE)


def has_cjk(text: str) -> bool:
    return _HAS_CJK.search(text) is not None


def split_cjk(word: str, start: int) -> Iterator[tuple[str, int, int]]:
    """Cut a word into non-CJK parts and CJK bigrams, as (piece, start, end) in the text."""
    position = 0
    for run in CJK_RUN.finditer(word):
        if run.start() > position:
            yield word[position:run.start()], start + position, start + run.start()
        chars = run.group()
        if len(chars) == 1:
            yield chars, start + run.start(), start + run.end()
        for i in range(len(chars) - 1):
            yield chars[i:i + 2], start + run.start() + i, start + run.start() + i + 2
        position = run.end()
    if position < len(word):
        yield word[position:], start + position, start + len(word)


# -- language guess ------------------------------------------------------------------------
_STOPWORDS = {
    "en": "the of and to in is that for it with as was on be by this are from",
    "fr": "le la les de des et est un une du en que qui dans pour par sur au",
    "de": "der die das und ist nicht ein eine zu den mit von sich des auf",
    "es": "el la los las de y que en un una es por con para del se",
}
_STOPWORD_SETS = {lang: set(words.split()) for lang, words in _STOPWORDS.items()}


_SCRIPT_PATTERNS = {
    "arabic": re.compile(r"[\u0600-\u06ff\ufb50-\ufeff]"),
    "kana": re.compile(r"[\u3040-\u30ff]"),
    "han": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]"),
    "hangul": re.compile(r"[\uac00-\ud7af]"),
    "cyrillic": re.compile(r"[\u0400-\u04ff]"),
    "latin": re.compile(r"[A-Za-z\u00c0-\u024f]"),
}
_ASCII_BYTES = bytes(range(0x80))
_ASCII_LETTER_BYTES = bytes(range(ord("A"), ord("Z") + 1)) + bytes(range(ord("a"), ord("z") + 1))
_PERSIAN_LETTERS = re.compile("[پچژگکی]")
_ARABIC_LETTERS = re.compile("[ةيكىأإ]")


def detect_language(text: str, sample: int = 2000) -> str:
    """A best guess (ISO 639-1) from scripts and common words; '' when unsure.

    Regex counts over a sample keep this cheap enough to run on every indexed document.
    """
    text = text[:sample]
    # Only Latin letters are ASCII: count the other scripts in what is left without ASCII
    # (usually a few quotes and dashes), so a long sample is scanned twice, not six times.
    # Byte-level deletes run at memory speed; UTF-8 keeps every non-ASCII character's
    # bytes >= 0x80, so deleting the ASCII bytes leaves valid UTF-8.
    encoded = text.encode("utf-8", "replace")
    beyond_ascii = encoded.translate(None, _ASCII_BYTES).decode("utf-8", "replace")
    counts = {name: len(pattern.findall(beyond_ascii))
              for name, pattern in _SCRIPT_PATTERNS.items()}
    counts["latin"] += len(encoded) - len(encoded.translate(None, _ASCII_LETTER_BYTES))
    script = max(counts, key=counts.get)
    if counts[script] < 20:
        return ""
    if script == "arabic":
        persian = len(_PERSIAN_LETTERS.findall(text))
        return "fa" if persian >= len(_ARABIC_LETTERS.findall(text)) else "ar"
    if script in ("han", "kana"):
        return "ja" if counts["kana"] > counts["han"] * 0.05 else "zh"
    if script == "hangul":
        return "ko"
    if script == "cyrillic":
        return "ru"
    return _latin_language(text)


def _latin_language(text: str) -> str:
    words = text.lower().split()[:3000]  # a stop word rarely carries punctuation
    if not words:
        return ""
    counts = Counter(words)
    scores = {lang: sum(counts[w] for w in stop) for lang, stop in _STOPWORD_SETS.items()}
    best = max(scores, key=scores.get)
    return best if scores[best] >= max(3, len(words) // 50) else ""
