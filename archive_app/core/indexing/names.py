"""File names that are not UTF-8: the exact bytes are kept, the name is shown with U+FFFD.

Archives from other systems (Latin-1 zips, old Windows shares) hold names whose bytes are
not UTF-8. Python hands them over as str with lone surrogates (os.fsdecode's
surrogateescape), which open the file again but cannot be written as UTF-8: not into
SQLite, a Whoosh term, JSON or XML. So each such name has three forms:

- the path itself (surrogates kept in memory; in SQLite as the raw bytes, see `to_sql`),
  which is what opens the file;
- its key part, with the odd bytes written as `\\xe9` (`key_text`): printable, stable
  and distinct for distinct names, so it can be stored and typed anywhere;
- what people see: the odd bytes as U+FFFD (`shown`), in titles, results and exports.
"""

from __future__ import annotations

import os
import re

_SURROGATES = re.compile("[\ud800-\udfff]")


def has_surrogates(text: str) -> bool:
    """Whether a str carries undecodable bytes (lone surrogates) that UTF-8 cannot hold."""
    return _SURROGATES.search(text) is not None


def shown(text: str) -> str:
    """The text as people see it: each undecodable byte as U+FFFD."""
    return _SURROGATES.sub("\ufffd", text) if has_surrogates(text) else text


def _raw_bytes(text: str) -> bytes:
    """The bytes a surrogate-escaped str came from (surrogatepass for any other surrogate)."""
    try:
        return os.fsencode(text)
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def key_text(text: str) -> str:
    """A name as valid UTF-8 that still tells distinct names apart: odd bytes as `\\xe9`."""
    if not has_surrogates(text):
        return text
    return _raw_bytes(text).decode("utf-8", "backslashreplace")


def to_sql(text: str) -> str | bytes:
    """A path or key for SQLite: itself when UTF-8 can hold it, else its exact bytes (a BLOB).

    Valid names stay TEXT (so nothing changes for them); an odd one round-trips through
    `from_sql` to the very str os.scandir gave, which opens the file.
    """
    return _raw_bytes(text) if has_surrogates(text) else text


def from_sql(value: str | bytes) -> str:
    """The str `to_sql` was given back from what SQLite returns."""
    return os.fsdecode(value) if isinstance(value, bytes) else value
