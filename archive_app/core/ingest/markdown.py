"""Markdown importer: YAML front matter as metadata, the body kept as written."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import yaml

from archive_app.core.documents import Extracted
from archive_app.core.ingest import limits

log = logging.getLogger(__name__)

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_HEADING = re.compile(r"\A\s*#[ \t]+(.+?)[ \t#]*$", re.M)
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
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1))
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


def _decoded(path: Path) -> str:
    text = limits.decode_text(limits.read_bytes(path))
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def extract(path: Path) -> Extracted:
    """Body text and front-matter metadata; a leading '# Heading' is the title if none is set."""
    meta, body = split_front_matter(_decoded(path))
    if "title" not in meta:
        heading = _HEADING.match(body)
        if heading:
            meta["title"] = heading.group(1)
    return Extracted(text=body, metadata=meta)
