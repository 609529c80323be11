"""HTML importer: the main text without menus, scripts or footers, plus page metadata.

The markup is parsed by libxml2's HTML parser (lxml), which is written in C, recovers
from broken markup and is linear in its input: the stdlib html.parser is quadratic on
repeated `<a` / `<!--` / unclosed attributes (180 KB took 61 s) and raised
AssertionError on `<![ if !IE ]>`. No tree is built: the parser calls `_TextParser`'s
start/end/data for each event (lxml's "parser target" interface), so memory follows the
text, and the element stack is our own, so 100,000 nested <div>s cost memory, never
recursion. The parser never touches the network, resolves no entities and loads no
DTD; huge_tree stays off (libxml2's own size limits hold).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import limits
from archive_app.core.ingest.documents import Extracted


def _tags(names: str) -> frozenset[str]:
    return frozenset(names.split())


SKIP_TAGS = _tags(
    "script style noscript template svg math nav header footer aside form iframe "
    "object embed canvas select button head title"
)
MAIN_TAGS = frozenset({"article", "main"})
IN_ARTICLE_TAGS = frozenset({"header"})
BLOCK_TAGS = _tags(
    "address article blockquote dd details dialog div dl dt fieldset figcaption figure "
    "h1 h2 h3 h4 h5 h6 hr li main ol p pre section summary table tbody thead tfoot tr ul "
    "caption body html"
)
CELL_TAGS = frozenset({"td", "th"})
VOID_TAGS = _tags("area base br col embed hr img input link meta param source track wbr")
NEVER_BOILERPLATE = frozenset({"html", "body", "main", "article"})
_BOILERPLATE = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|sidebar|footer|breadcrumbs?|cookies?"
    r"|share|sharing|comments?)(?:$|[\s_-])"
)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_LINE_EDGES = re.compile(r"(?:(?<![ \t])[ \t]+)?\n[ \t]*")
"""Starts where a run of blanks starts, so a long run (in <pre>) is scanned once."""
_SEARCH_DEPTH = 256
"""How far down the stack an end tag looks for its start tag (bounds bad-markup cost)."""
_UNFED = re.compile("[\x00-\x08\x0e-\x1f]")
_SURROGATES = re.compile("[\ud800-\udfff]")
"""Controls (dropped by normalise_text anyway) and lone surrogates cannot be fed to
libxml2, which reads UTF-8."""

_META_FIELDS = {
    "og:title": "title",
    "twitter:title": "title",
    "dc.title": "title",
    "author": "author",
    "article:author": "author",
    "dc.creator": "author",
    "article:published_time": "date",
    "date": "date",
    "dc.date": "date",
    "dcterms.date": "date",
    "citation_publication_date": "date",
    "og:site_name": "source",
    "og:url": "url",
}


_NO_ATTRIBUTES: dict[str, str] = {}
_METADATA_TAGS = frozenset({"html", "meta", "link", "time"})
_FEED_CHARS = 1024 * 1024
"""The markup goes to the parser a megabyte at a time, stopping once the text is over
the text cap (the loader cuts it there anyway)."""


@dataclass(slots=True)
class _State:
    """What holds inside an open element: are we skipping it, in the main part, in <pre>."""

    tag: str
    skipping: bool = False
    in_main: bool = False
    in_pre: bool = False


class _TextParser:
    """Collects body text (all, and main-only) and metadata in one pass over lxml's
    parse events (tag names arrive lower-case, character references resolved)."""

    def __init__(self) -> None:
        self.stack: list[_State] = [_State("#root")]
        self.all_parts: list[str] = []
        self.main_parts: list[str] = []
        self.title_parts: list[str] = []
        self.in_title = False
        self.meta: dict[str, str] = {}
        self._counted = 0
        self._length = 0

    def text_length(self) -> int:
        """Characters of text collected so far (counted incrementally: linear overall)."""
        self._length += sum(map(len, self.all_parts[self._counted:]))
        self._counted = len(self.all_parts)
        return self._length

    def _emit(self, text: str) -> None:
        state = self.stack[-1]
        if state.skipping:
            return
        self.all_parts.append(text)
        if state.in_main:
            self.main_parts.append(text)

    def _is_boilerplate(self, tag: str, attrs: dict[str, str], in_main: bool) -> bool:
        if tag in IN_ARTICLE_TAGS and in_main:
            return False  # an article's own <header> holds its headline and byline
        if tag in SKIP_TAGS:
            return True
        if not attrs or tag in NEVER_BOILERPLATE:
            return False
        if "hidden" in attrs or attrs.get("aria-hidden") == "true":
            return True
        marks = " ".join(attrs.get(name, "") for name in ("class", "id", "role")).lower()
        return bool(_BOILERPLATE.search(marks))

    def start(self, tag: str, attrs) -> None:
        if not isinstance(tag, str):
            return
        values = ({str(name).lower(): value or "" for name, value in attrs.items()}
                  if attrs else _NO_ATTRIBUTES)
        if tag in _METADATA_TAGS:
            self._metadata(tag, values)
        if tag == "br":
            self._emit("\n")
            return
        if tag in BLOCK_TAGS:
            self._emit("\n\n")
        elif tag in CELL_TAGS:
            self._emit("\t")
        if tag in VOID_TAGS:
            return
        if tag == "body":
            self._close("head")
        parent = self.stack[-1]
        self.stack.append(
            _State(
                tag,
                skipping=parent.skipping or self._is_boilerplate(tag, values, parent.in_main),
                in_main=parent.in_main or tag in MAIN_TAGS,
                in_pre=parent.in_pre or tag in {"pre", "textarea"},
            )
        )
        if tag == "title":
            self.in_title = True

    def end(self, tag: str) -> None:
        if not isinstance(tag, str):
            return
        if tag == "title":
            self.in_title = False
        if tag in VOID_TAGS:
            return
        self._close(tag)
        if tag in BLOCK_TAGS:
            self._emit("\n\n")

    def _close(self, tag: str) -> None:
        """Pop the nearest open `tag` and everything left unclosed inside it."""
        if self.stack[-1].tag == tag:  # well-formed markup: the innermost element
            self.stack.pop()
            return
        lowest = max(len(self.stack) - _SEARCH_DEPTH, 1)
        for index in range(len(self.stack) - 1, lowest - 1, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)
            return
        state = self.stack[-1]
        self._emit(data if state.in_pre else _SPACES.sub(" ", data))

    def _metadata(self, tag: str, attrs: dict[str, str]) -> None:
        """Record metadata from <html lang>, <meta>, <link rel=canonical> and <time>."""
        if tag == "html" and attrs.get("lang"):
            self.meta.setdefault("lang", attrs["lang"])
        elif tag == "meta":
            name = (attrs.get("name") or attrs.get("property") or "").strip().lower()
            field = _META_FIELDS.get(name)
            if field and attrs.get("content", "").strip():
                self.meta.setdefault(field, attrs["content"])
        elif tag == "link" and "canonical" in attrs.get("rel", "").lower().split():
            if attrs.get("href"):
                self.meta["canonical"] = attrs["href"]
        elif tag == "time" and attrs.get("datetime") and self.stack[-1].in_main:
            self.meta.setdefault("time", attrs["datetime"])

    def close(self) -> _TextParser:
        return self


def _parse(markup: str) -> _TextParser:
    """Feed the markup to libxml2's HTML parser with `_TextParser` as its target."""
    from lxml import etree

    target = _TextParser()
    markup = _SURROGATES.sub("\ufffd", _UNFED.sub("", markup))
    if not markup.strip():
        return target
    parser = etree.HTMLParser(target=target, no_network=True, huge_tree=False,
                              remove_comments=True, remove_pis=True, recover=True,
                              compact=True, default_doctype=False)
    try:
        for start in range(0, len(markup), _FEED_CHARS):
            parser.feed(markup[start:start + _FEED_CHARS])
            if target.text_length() > limits.MAX_TEXT_CHARS:
                break
        return parser.close()
    except etree.LxmlError as error:
        raise RejectedFile("corrupt", f"HTML could not be parsed: {str(error)[:160]}") from error


def _clean(parts: list[str]) -> str:
    return _LINE_EDGES.sub("\n", "".join(parts)).strip()


def html_to_text(markup: str) -> tuple[str, dict[str, str]]:
    """Readable text of an HTML page and the metadata it declares (title, author, date...).

    The text of <article>/<main> is preferred when the page has one; reusable by the
    e-mail and EPUB importers.
    """
    parser = _parse(markup)
    main = _clean(parser.main_parts)
    text = main if main else _clean(parser.all_parts)
    meta = dict(parser.meta)
    title = " ".join("".join(parser.title_parts).split())
    if title:
        meta.setdefault("title", title)
    if "canonical" in meta:
        meta["url"] = meta.pop("canonical")
    if "time" in meta:
        meta.setdefault("date", meta["time"])
        del meta["time"]
    return text, meta


def decode_html(data: bytes) -> str:
    """HTML bytes to str: BOM, then <meta charset>, then UTF-8, then a guess."""
    match = _CHARSET.search(data[:4096])
    declared = match.group(1).decode("ascii", "ignore") if match else None
    return limits.decode_text(data, declared)


def extract(path: Path) -> Extracted:
    """Main text and metadata of an .html/.htm file."""
    text, meta = html_to_text(decode_html(limits.read_bytes(path)))
    return Extracted(text=text, metadata=meta)
