"""Turn the many ways documents write dates into ISO 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'.

Partial dates stay partial: a document dated '2013' is not given an invented day.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime
from email.utils import parsedate_tz

_ISO = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?\s*$")
_PDF = re.compile(r"^\s*D?:?(\d{4})(\d{2})?(\d{2})?")
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_WORDY = re.compile(
    r"^\s*(?:(\d{1,2})\s+)?([A-Za-z]{3,9})\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})\s*$")


def _format(year: int, month: int | None = None, day: int | None = None) -> str:
    if not 1000 <= year <= 2999:
        return ""
    if month is None or not 1 <= month <= 12:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        datetime(year, month, day)
    except ValueError:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def normalise_date(value: object) -> str:
    """Best-effort ISO date from a metadata value; '' when it cannot be read."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _format(value.year, value.month, value.day)
    if hasattr(value, "year") and hasattr(value, "month") and hasattr(value, "day"):
        return _format(value.year, value.month, value.day)
    text = str(value).strip()
    if not text:
        return ""
    match = _ISO.match(text)
    if match:
        year, month, day = match.groups()
        return _format(int(year), int(month) if month else None, int(day) if day else None)
    if text.startswith("D:") or re.fullmatch(r"\d{8,14}.*", text):
        match = _PDF.match(text)
        if match:
            year, month, day = match.groups()
            return _format(int(year), int(month) if month else None, int(day) if day else None)
    parsed = parsedate_tz(text)
    if parsed and parsed[0]:
        return _format(parsed[0], parsed[1], parsed[2])
    match = _WORDY.match(text)
    if match:
        day_before, month_name, day_after, year = match.groups()
        month = _MONTHS.get(month_name[:3].lower())
        if month:
            day = day_before or day_after
            return _format(int(year), month, int(day) if day else None)
    return ""


_INDEXED = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", re.ASCII)


def date_parts(text: str) -> tuple[int, int | None, int | None] | None:
    """(year, month or None, day or None) of an ISO date as the index keeps it
    ('2013', '2013-09', '2013-09-01', ASCII digits); None for anything else ('' is
    undated). A month
    or day out of the calendar ('2013-13', '2013-02-30', as a typed query may hold)
    is None too, and so is the year 0."""
    match = _INDEXED.fullmatch(text)
    if not match:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    if year < 1:
        return None
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and not 1 <= day <= last_day(year, month):
        return None
    return year, month, day


def last_day(year: int, month: int) -> int:
    """The number of days of a month (the Gregorian calendar, as `datetime` counts)."""
    if month == 2:
        return 29 if calendar.isleap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31
