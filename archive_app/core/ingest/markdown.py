"""Markdown importer: YAML front matter as metadata, the body kept as written.

Both steps are linear whatever the file holds: the front matter is looked for only in
the first 64 KB and parsed by libyaml (CSafeLoader; the pure-Python loader needs about
10 s per MB), and the title heading is found with string operations, not a regex that
backtracks (the old one took 8.5 s on 50 KB of spaces inside a heading).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import yaml

from archive_app.core.ingest import limits
from archive_app.core.ingest.documents import Extracted

log = logging.getLogger(__name__)

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
MAX_FRONT_MATTER_CHARS = 64 * 1024
"""A longer front matter is not metadata anyone wrote by hand: it stays in the text."""
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ALIASES = {
    "title": "title",
    "author": "author",
    "authors": "author",
    "source": "source",
    "publisher": "source",
    "date": "date",
    "url": "url",
    "link": "url",
    "lang": "lang",
    "language": "lang",
}


def _scalar(value: object) -> str:
    """A YAML scalar (str, number, date) as text; nested structures are not metadata."""
    if value is None or isinstance(value, dict | list | bool):
        return ""
    return str(value)


def _field(value: object) -> str:
    if isinstance(value, list):
        return "; ".join(text for text in map(_scalar, value) if text.strip())
    return _scalar(value)


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """(metadata, body). Unparseable YAML leaves the text whole, so nothing is lost."""
    match = _FRONT_MATTER.match(text[:MAX_FRONT_MATTER_CHARS])
    if not match:
        return {}, text
    try:
        data = yaml.load(match.group(1), Loader=_LOADER)  # noqa: S506 - a safe loader
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        log.warning("ignoring unreadable front matter: %s", error)
        return {}, text
    if not isinstance(data, dict):
        return {}, text
    meta: dict[str, str] = {}
    for key, value in data.items():
        name = _ALIASES.get(str(key).strip().lower())
        if name and name not in meta and _field(value).strip():
            meta[name] = _field(value)
    return meta, text[match.end():]


def leading_heading(body: str) -> str | None:
    """The text of a leading `# Heading` (after blank lines), trailing spaces and #s
    dropped; what `\\A\\s*#[ \\t]+(.+?)[ \\t#]*$` matched, found without backtracking."""
    stripped = body.lstrip()
    if not stripped.startswith("#"):
        return None
    end = stripped.find("\n")
    line = stripped[1:end if end >= 0 else len(stripped)]
    rest = line.lstrip(" \t")
    if len(rest) == len(line):
        return None  # '#' must be followed by a space or tab
    if not rest:
        return line[-1] if len(line) >= 2 else None
    return rest[0] + rest[1:].rstrip(" \t#")


def _decoded(path: Path) -> str:
    text = limits.decode_text(limits.read_bytes(path))
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def extract(path: Path) -> Extracted:
    """Body text and front-matter metadata; a leading '# Heading' is the title if none is set."""
    meta, body = split_front_matter(_decoded(path))
    if "title" not in meta:
        heading = leading_heading(body)
        if heading:
            meta["title"] = heading
    return Extracted(text=body, metadata=meta)
