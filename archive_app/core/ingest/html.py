"""HTML importer: the main text without menus, scripts or footers, plus page metadata.

Uses the stdlib html.parser, which is iterative, with an explicit element stack, so
100,000 nested <div>s cost memory, never recursion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from archive_app.core.documents import Extracted
from archive_app.core.ingest import limits


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
_LINE_EDGES = re.compile(r"[ \t]*\n[ \t]*")
_SEARCH_DEPTH = 256
"""How far down the stack an end tag looks for its start tag (bounds bad-markup cost)."""

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


@dataclass
class _State:
    """What holds inside an open element: are we skipping it, in the main part, in <pre>."""

    tag: str
    skipping: bool = False
    in_main: bool = False
    in_pre: bool = False


class _TextParser(HTMLParser):
    """Collects body text (all, and main-only) and metadata in one pass."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_State] = [_State("#root")]
        self.all_parts: list[str] = []
        self.main_parts: list[str] = []
        self.title_parts: list[str] = []
        self.in_title = False
        self.meta: dict[str, str] = {}

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
        if tag in NEVER_BOILERPLATE:
            return False
        if "hidden" in attrs or attrs.get("aria-hidden") == "true":
            return True
        marks = " ".join(attrs.get(name, "") for name in ("class", "id", "role")).lower()
        return bool(_BOILERPLATE.search(marks))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
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

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in VOID_TAGS:
            return
        self._close(tag)
        if tag in BLOCK_TAGS:
            self._emit("\n\n")

    def _close(self, tag: str) -> None:
        """Pop the nearest open `tag` and everything left unclosed inside it."""
        lowest = max(len(self.stack) - _SEARCH_DEPTH, 1)
        for index in range(len(self.stack) - 1, lowest - 1, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
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


def _clean(parts: list[str]) -> str:
    return _LINE_EDGES.sub("\n", "".join(parts)).strip()


def html_to_text(markup: str) -> tuple[str, dict[str, str]]:
    """Readable text of an HTML page and the metadata it declares (title, author, date...).

    The text of <article>/<main> is preferred when the page has one; reusable by the
    e-mail and EPUB importers.
    """
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
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
