"""Pattern entities, found without a statistical model: e-mail addresses, phone
numbers, links, IBANs (their check digits verified) and dates written in the text.

Each kind is a facet and a search field (README: `email:`, `phone:`, `link:`, `iban:`,
`mentioned:`). The expressions are linear (no nested repetition) and every match is
bounded in length, so a hostile text costs time in proportion to its size; a document
keeps at most MAX_PER_KIND distinct values of each kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from archive_app.core.text.dates import normalise_date

MAX_PER_KIND = 50
KINDS = ("email", "phone", "link", "iban", "mentioned")
"""The field (and facet) names, in the order a side panel lists them."""
LABELS = {"email": "E-mail addresses", "phone": "Phone numbers", "link": "Links",
          "iban": "IBANs", "mentioned": "Dates in the text"}

# Each expression starts with a literal or a plain character class and checks what
# comes before its match in code: a leading look-behind or \b makes Python's engine try
# every position (10 MB of words took 0.5 s per expression so, 30-60 ms this way).
_EMAIL = re.compile(r"[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}(?![\w-])")
_LINKS = (re.compile(r"https?://[^\s<>\"'()\[\]{}]{2,2000}"),
          re.compile(r"www\.[^\s<>\"'()\[\]{}]{2,2000}"))
_PHONE = re.compile(r"[+\d][\d ().\-/]{6,24}\d(?![\w])")
_IBAN = re.compile(r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![\w])")
_MONTHS = ("january|february|march|april|may|june|july|august|september|october|"
           "november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?!\d)")
_YEAR = re.compile(r"\d{4}(?!\d)")
_LETTER = re.compile(r"[A-Za-z]")
_BEFORE_YEAR = (re.compile(rf"(?<!\w)(\d{{1,2}}) ({_MONTHS})\.? $", re.IGNORECASE),
                re.compile(rf"(?<!\w)({_MONTHS})\.? (\d{{1,2}}),? $", re.IGNORECASE))
"""A written date ends with its year: each four-digit number is looked behind (24
characters) for "12 March " or "March 12, "."""
_MONTH_NUMBER = {name: number for number, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
     ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
     ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
     ("december", "dec")], 1) for name in names}


@dataclass(frozen=True)
class PatternMention:
    start: int
    end: int
    kind: str
    value: str
    """The value as indexed and shown: an address lower-cased, a phone number's digits
    (with its leading +), an IBAN without spaces, a date as YYYY-MM-DD."""


def _after_word_boundary(text: str, start: int, also: str = "") -> bool:
    """Nothing word-like (or in `also`) just before `start`."""
    return start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "_" + also)


def mentions(text: str) -> Iterator[PatternMention]:
    """Every pattern entity in `text`, kind by kind."""
    if "@" in text:
        for match in _EMAIL.finditer(text):
            if _after_word_boundary(text, match.start(), ".+-"):
                yield PatternMention(match.start(), match.end(), "email",
                                     match.group().lower())
    for pattern in _LINKS:
        for match in pattern.finditer(text):
            if _after_word_boundary(text, match.start(), "/"):
                link = match.group().rstrip(".,;:!?")
                yield PatternMention(match.start(), match.start() + len(link), "link", link)
    for match in _PHONE.finditer(text):
        value = _phone(match.group()) if _after_word_boundary(text, match.start(), "+") else ""
        if value:
            yield PatternMention(match.start(), match.end(), "phone", value)
    for match in _IBAN.finditer(text):
        value = match.group().replace(" ", "")
        if _after_word_boundary(text, match.start()) and iban_is_valid(value):
            yield PatternMention(match.start(), match.end(), "iban", value)
    for match in _ISO_DATE.finditer(text):
        value = _date(match.groups()) if _after_word_boundary(text, match.start()) else ""
        if value:
            yield PatternMention(match.start(), match.end(), "mentioned", value)
    for match in _YEAR.finditer(text):
        if not _after_word_boundary(text, match.start()):
            continue
        before = text[max(0, match.start() - 24):match.start()]
        if _LETTER.search(before) is None:  # a month's name has letters: most years skip
            continue
        for number, pattern in enumerate(_BEFORE_YEAR):
            found = pattern.search(before)
            if found is None:
                continue
            day, month = found.groups() if number == 0 else reversed(found.groups())
            value = _date((match.group(), str(_MONTH_NUMBER[month.lower()]), day))
            if value:
                start = match.start() - len(before) + found.start()
                yield PatternMention(start, match.end(), "mentioned", value)
            break


def values_by_kind(text: str) -> dict[str, list[str]]:
    """Each kind's distinct values in order of first mention, at most MAX_PER_KIND."""
    found: dict[str, dict[str, None]] = {kind: {} for kind in KINDS}
    for mention in mentions(text):
        values = found[mention.kind]
        if len(values) < MAX_PER_KIND:
            values[mention.value.replace(",", "")] = None
    return {kind: list(values) for kind, values in found.items() if values}


def _phone(text: str) -> str:
    """Digits of a phone number, or '' for what is more likely a date, a year range or
    an amount: 8 to 15 digits, and an international one starts with + or 00."""
    text = text.strip(" ().-/")
    digits = re.sub(r"\D", "", text)
    if not 8 <= len(digits) <= 15:
        return ""
    if re.fullmatch(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}", text.strip()) or \
            re.fullmatch(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}", text.strip()):
        return ""  # a date
    groups = re.findall(r"\d+", text)
    if all(re.fullmatch(r"1[5-9]\d\d|20\d\d", group) for group in groups):
        return ""  # years: a span ("1962-2013"), or a year and its update ("1989 (2013)")
    if text.startswith("+"):
        return "+" + digits
    if text.startswith("00"):
        return "+" + digits[2:]
    return digits if re.search(r"[ .\-/()]", text) else ""


def iban_is_valid(iban: str) -> bool:
    """ISO 13616's check: move the first four characters to the end, letters to numbers
    (A = 10), and the number modulo 97 is 1."""
    if not 15 <= len(iban) <= 34:
        return False
    moved = iban[4:] + iban[:4]
    number = "".join(str(int(char, 36)) for char in moved)
    return int(number) % 97 == 1


def _date(parts) -> str:
    """(year, month, day) as written, as YYYY-MM-DD; '' for a day no calendar has."""
    year, month, day = (int(part) for part in parts)
    written = f"{year:04d}-{month:02d}-{day:02d}"
    return written if normalise_date(written) == written else ""
