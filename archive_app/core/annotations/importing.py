"""Import W3C Web Annotations (our JSON export, the model's other forms, Hypothesis's
export file, API search response or list) back into the store.

Each annotation is placed by its selectors, not trusted blindly: the document is found by
its source (a file URI or an archive key) when this archive has it, otherwise by searching
for the quoted words; the quote and its context then anchor it (anchoring.reanchor), so an
import into another home, or after the text changed, lands on the right passage or is
reported as not found. With no quote, a text position (or an RFC 5147 `char=` fragment) is
placed only inside the document its source names; a target with no selector is a note on
the whole document (an empty passage at 0); a FragmentSelector `xywh=` (refining an
RFC 3778 `page=N` one for a PDF) is a region of that page (regions.py), placed only on
the document its source names, when it has that page; a highlight (nothing to record) is tagged
`highlight`. Every refusal says why. `created`, `modified` and the creator are kept as
given. An annotation whose id was imported before is not duplicated.

The file comes from someone else, so nothing in it is trusted: each item's shape is
checked (`parse_item`: a bad item gets a message naming its number and what is wrong, and
the others still import), nesting and sizes are capped, texts and tags are cleaned like
every field at the door (documents.normalise_text / normalise_field), and all the
annotations are created first and the index refreshed once (Library.import_annotations).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

from archive_app.core.annotations.anchoring import (
    FUZZY_BUDGET,
    ORPHANED,
    Anchor,
    Budget,
    make_anchor,
    reanchor,
)
from archive_app.core.annotations.records import AnnotationError, clean_tag, tidy_tag
from archive_app.core.annotations.regions import Region, clip_region
from archive_app.core.errors import ArchiveError, QueryError
from archive_app.core.export.web_annotation import ANNOTATION_URN
from archive_app.core.ingest.documents import normalise_field, normalise_text
from archive_app.core.library import Library
from archive_app.core.pages.renderer import PageProblem

SEARCH_CANDIDATES = 20
SEARCH_WORDS = 32
"""A quote's document is searched by its first words only: a 4,000-word phrase query
costs seconds and finds nothing the first 32 words would not."""
MAX_QUOTE_CHARS = 100_000
MAX_NOTE_CHARS = 1_000_000
MAX_FILE_BYTES = 256 * 1024 ** 2
MAX_WRAPPERS = 8
"""Collection -> page -> items: a few levels of wrapping, never a recursion."""
MAX_POSITION = 2 ** 53
IMPORT_FUZZY_BUDGET = 30 * FUZZY_BUDGET
"""Fuzzy matching shared by all the items of one import (some ten seconds): a file of
thousands of near-miss quotes cannot make each one cost the full per-anchor budget."""
SHOWN_CHARS = 80
SHOWN_KINDS = 4
MAX_KEY_PARTS = 32
"""A file URI from elsewhere is matched to a key by at most its last 32 path parts."""
HIGHLIGHT_TAG = "highlight"
"""The tag a highlight (a quote with no tag and no note) is imported with: every
annotation of this app has a tag or a note, and a tag can be found and filtered."""
TEXT_FRAGMENT = re.compile(r"char=(\d{1,16})(?:,(\d{1,16}))?")
PAGE_FRAGMENT = re.compile(r"page=(\d{1,6})")
"""RFC 3778's fragment of a PDF: a page, 1-based."""
_NUMBER = r"(\d{1,7}(?:\.\d{1,6})?)"
RECTANGLE_FRAGMENT = re.compile(r"xywh=(?:(pixel|percent):)?" + ",".join([_NUMBER] * 4))
"""W3C Media Fragments' rectangle: pixels (the default) or percent of the page."""
"""RFC 5147's fragment of a plain text: characters start to end."""
DOCUMENT_ANCHOR = Anchor(0, 0, "", "", "")
"""A note on a whole document is stored as an empty passage at the start (the store has
no other kind of annotation); exports write it back as a target with no selector."""


class BadItem(ValueError):
    """One annotation of the file that cannot be read; its message says what is wrong."""


@dataclass
class ImportReport:
    created: int = 0
    duplicates: int = 0
    not_found: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    """Tags of imported annotations that could not be kept (too deep, a comma...)."""

    def lines(self) -> list[str]:
        """The report a line each (the CLI escapes each before printing it)."""
        lines = [f"imported {self.created} annotations; {self.duplicates} already present; "
                 f"{len(self.not_found)} not placed; {len(self.invalid)} invalid"]
        lines += [f"  invalid: {reason}" for reason in self.invalid]
        lines += [f"  not placed: {reason}" for reason in self.not_found]
        lines += [f"  tag left out: {reason}" for reason in self.left_out]
        return lines

    def describe(self) -> str:
        return "\n".join(self.lines())


@dataclass
class Item:
    """An annotation of the file, checked: the only shape the rest of the import sees.

    It is placed by its quote when it has one, else by its text position, else (no
    selector at all) on its whole document; `unplaceable` says why none of these can be
    tried, `created`/`modified`/`creator` are kept as the file gave them ('' if none)."""

    number: int
    identity: str
    exact: str
    prefix: str
    suffix: str
    start: int
    source: str
    tags: list[str]
    note: str
    end: int | None = None
    whole_document: bool = False
    unplaceable: str = ""
    kept: dict[str, str] = field(default_factory=dict)
    page: int = 0
    """A region's page, 0-based."""
    rectangle: tuple[float, float, float, float] | None = None
    """A region's x, y, width, height: page units, or percent when `percent`."""
    percent: bool = False

    @property
    def label(self) -> str:
        return f"item {self.number}" + (f" ({self.identity})" if self.identity else "")


def read_annotations(data: object) -> list[object]:
    """The items of a collection, a page, a list, a Hypothesis export file or API search
    response, or a single annotation (unchecked)."""
    for _ in range(MAX_WRAPPERS):
        if isinstance(data, list):
            return list(data)
        if not isinstance(data, dict):
            return [data]
        if data.get("type") == "AnnotationCollection":
            page = data.get("first") or {}
            data = page.get("items", []) if isinstance(page, dict) else page
        elif data.get("type") == "AnnotationPage" or "items" in data:
            data = data.get("items", [])
        elif "rows" in data:  # the Hypothesis API's search result
            data = data["rows"]
        elif isinstance(data.get("annotations"), list):  # the Hypothesis client's export
            data = data["annotations"]
        else:
            return [data]
    return [data]


def _kind(value: object) -> str:
    """What a JSON value is, in words (never its content: it may be huge or deep)."""
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _shown(value: str) -> str:
    """A name from the file as a message quotes it: cut short (the CLI escapes it)."""
    return repr(value if len(value) <= SHOWN_CHARS else value[:SHOWN_CHARS] + "…")


def _text(value: object, what: str, limit: int = MAX_QUOTE_CHARS) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadItem(f"{what} is {_kind(value)}, not text")
    if len(value) > limit:
        raise BadItem(f"{what} is longer than {limit:,} characters")
    return value


def _position(value: object, what: str) -> int:
    """A whole, finite, non-negative offset; JSON gives floats (1e400 is inf) and text."""
    if value is None:
        return 0
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_POSITION:
        shown = repr(value)[:40] if isinstance(value, int | float | str) else _kind(value)
        raise BadItem(f"{what} is not a whole number of characters: {shown}")
    return value


def _objects(value: object, what: str) -> list[dict]:
    """A value that may be one object or a list of objects (W3C allows both)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise BadItem(f"{what} {number} is {_kind(item)}, not an object")
    return items


@dataclass
class _Target:
    """What a target's selectors say, once `refinedBy` chains are followed."""

    source: str = ""
    quote: dict = field(default_factory=dict)
    position: tuple[int, int] | None = None
    whole_document: bool = False
    unlocated: str = ""
    """The fragment or structure a text position is relative to, when we cannot find it."""
    structural: list[str] = field(default_factory=list)
    """Selectors into a page's structure (XPath, CSS, Range…): this archive keeps text only."""
    page: int = 0
    rectangle: tuple[float, float, float, float] | None = None
    percent: bool = False


def _fragment_range(selector: dict) -> tuple[int, int] | None:
    """An RFC 5147 `char=start,end` fragment (plain text's own fragment form), else None."""
    found = TEXT_FRAGMENT.fullmatch(_text(selector.get("value"), "a fragment's value"))
    if found is None:
        return None
    start = int(found[1])
    end = int(found[2]) if found[2] is not None else start
    if not start <= end < MAX_POSITION:
        raise BadItem(f"the fragment char={start},{end} is not a range of characters")
    return start, end


def _page_or_region(selector: dict, target: _Target, inside: str) -> str:
    """Record an RFC 3778 page or a Media Fragments rectangle, and say what a selector
    refining it lies inside; '' for another fragment. A rectangle counts at the top or
    inside a page, not inside anything else."""
    value = _text(selector.get("value"), "a fragment's value")
    if (page := PAGE_FRAGMENT.fullmatch(value)) is not None:
        if not inside:
            target.page = max(0, int(page[1]) - 1)
        return f"page {page[1]}"
    if (found := RECTANGLE_FRAGMENT.fullmatch(value)) is None:
        return ""
    if target.rectangle is None and (not inside or inside == f"page {target.page + 1}"):
        rectangle = tuple(float(part) for part in found.groups()[1:])
        if rectangle[2] <= 0 or rectangle[3] <= 0:
            raise BadItem(f"the rectangle {_shown(value)} has no area")
        target.rectangle, target.percent = rectangle, found[1] == "percent"
    return f"the rectangle {value}"


def _follow(selectors: object, target: _Target, depth: int = 0, base: int = 0,
            inside: str = "") -> None:
    """Collect the quote and position of `selectors`, following `refinedBy`.

    A position refining an RFC 5147 character fragment counts from the fragment's start;
    one refining any other fragment (`para5`, an XPath) counts from a place we cannot
    find, so it is recorded as `unlocated` instead; a quote is a quote wherever it sits.
    """
    if depth > MAX_WRAPPERS:
        raise BadItem(f"selectors are refined more than {MAX_WRAPPERS} levels deep")
    for selector in _objects(selectors, "selector"):
        kind = selector.get("type")
        refined, offset, within = selector.get("refinedBy"), base, inside
        if kind == "TextQuoteSelector":
            target.quote = target.quote or selector
        elif kind == "TextPositionSelector":
            start = _position(selector.get("start"), "the position's start")
            end = _position(selector.get("end"), "the position's end")
            if inside:
                target.unlocated = target.unlocated or inside
            elif target.position is None:
                target.position = (base + start, base + end)
        elif kind == "FragmentSelector" and (span := _fragment_range(selector)) is not None:
            if refined is None and not inside and target.position is None:
                target.position = (base + span[0], base + span[1])
            offset = base + span[0]
        elif kind == "FragmentSelector" and (found := _page_or_region(selector, target,
                                                                        inside)):
            within = inside or found
        else:
            name = kind[:SHOWN_CHARS] if isinstance(kind, str) else "an untyped selector"
            value = selector.get("value")
            shown = _shown(value) if isinstance(value, str) else "with no text value"
            within = inside or (f"the fragment {shown}" if kind == "FragmentSelector"
                                else f"the {name}")
            if refined is None:
                target.structural.append(name)
        if refined is not None:
            _follow(refined, target, depth + 1, offset, within)


def _target(item: dict) -> _Target:
    targets = item.get("target")
    if isinstance(targets, list):
        if not targets:
            raise BadItem("target is an empty list")
        targets = targets[0]
    if isinstance(targets, str):
        return _Target(source=targets, whole_document=True)
    if not isinstance(targets, dict):
        raise BadItem(f"target is {_kind(targets)}, not an object or a URI")
    found = _Target(whole_document=not targets.get("selector"))
    _follow(targets.get("selector"), found)
    source = targets.get("source") or (targets.get("id") if found.whole_document else None) \
        or item.get("uri") or ""
    if not isinstance(source, str):
        raise BadItem(f"target source is {_kind(source)}, not a URI")
    if found.whole_document and not source:
        raise BadItem("the target names no document and selects no passage")
    found.source = source
    return found


def _body_values(body: object, number: int) -> tuple[bool, str]:
    """(is it a tag, its text): a TextualBody's value, or the IRI of a body that is a
    web resource (`"body": "http://…"`, or an object with only an id or source)."""
    if isinstance(body, str):
        return False, _text(body, f"body {number} (a URI)")
    if not isinstance(body, dict):
        raise BadItem(f"body {number} is {_kind(body)}, not an object or a URI")
    is_tag = body.get("purpose") == "tagging"
    if "value" in body or is_tag:
        return is_tag, _text(body.get("value"), "a tag" if is_tag else "a body's value",
                             MAX_QUOTE_CHARS if is_tag else MAX_NOTE_CHARS)
    return False, _text(body.get("id") or body.get("source"), f"body {number}'s URI")


def _bodies(item: dict) -> tuple[list[str], str]:
    tags, notes = [], [_text(item.get("bodyValue"), "bodyValue", MAX_NOTE_CHARS)]
    bodies = item.get("body")
    for number, body in enumerate(bodies if isinstance(bodies, list) else [bodies], 1):
        if body is not None:
            is_tag, value = _body_values(body, number)
            (tags if is_tag else notes).append(value)
    hypothesis_tags = item.get("tags", [])
    if not isinstance(hypothesis_tags, list):
        raise BadItem(f"tags is {_kind(hypothesis_tags)}, not a list of text")
    tags += [_text(tag, "a tag in tags") for tag in hypothesis_tags]
    notes.append(_text(item.get("text"), "text", MAX_NOTE_CHARS))
    note = normalise_text("\n\n".join(n for n in notes if n.strip()))
    cleaned = [normalise_field(tag) for tag in tags]  # as every field; then clean_tag's rules
    return [tag for tag in cleaned if tidy_tag(tag)], note


def _stamp(value: object) -> str:
    """An ISO 8601 time as the store writes it (UTC, seconds), or '' when unreadable:
    a bad date costs the annotation its date (it takes the import time), not its place."""
    if not isinstance(value, str) or len(value) > 64:
        return ""
    try:
        moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat(timespec="seconds")
    except (ValueError, OverflowError):
        return ""


def _creator(item: dict) -> str:
    """Who made it: W3C `creator` (an IRI, or an agent's name, nickname or id; the first of
    several), else Hypothesis's display name or account; '' when none is readable."""
    value = item.get("creator")
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("nickname") or value.get("id")
    if value is None:
        info = item.get("user_info")
        value = (info.get("display_name") if isinstance(info, dict) else None) \
            or item.get("user")
    return normalise_field(value)[:SHOWN_CHARS * 4] if isinstance(value, str) else ""


def _kept(item: dict) -> dict[str, str]:
    """The times and author the store keeps as given (Hypothesis says `updated`)."""
    kept = {"created": _stamp(item.get("created")),
            "modified": _stamp(item.get("modified") or item.get("updated")),
            "creator": _creator(item)}
    return {name: value for name, value in kept.items() if value}


def _unplaceable(target: _Target) -> str:
    """Why an item with no quote cannot be placed by position or as a document note."""
    if target.unlocated:
        return (f"its text position is inside {target.unlocated}, which this archive "
                "cannot locate in a plain text")
    if target.structural:
        names = list(dict.fromkeys(target.structural))
        kinds = ", ".join(names[:SHOWN_KINDS]) + (", …" if len(names) > SHOWN_KINDS else "")
        one = len(names) == 1
        return (f"its only selector{'' if one else 's'} ({kinds}) "
                f"point{'s' if one else ''} into a page's structure, which this archive does "
                "not keep; there is no quote or text position to place it by")
    return "its quote is empty and it has no text position to place it by"


def parse_item(number: int, item: object) -> Item:
    """Check one annotation's shape and clean its fields; raises BadItem saying what is wrong."""
    if not isinstance(item, dict):
        raise BadItem(f"not an object but {_kind(item)}")
    identity = item.get("id", "")
    if not isinstance(identity, str | int) or isinstance(identity, bool):
        raise BadItem(f"id is {_kind(identity)}, not text")
    identity = str(identity).removeprefix("urn:uuid:")
    if identity.startswith(ANNOTATION_URN):  # a Hypothesis id, as our export writes it
        identity = unquote(identity[len(ANNOTATION_URN):])
    identity = normalise_field(identity)[:200]
    target = _target(item)
    quote = target.quote
    exact = normalise_text(_text(quote.get("exact"), "the quote (exact)"))
    tags, note = _bodies(item)
    if not (tags or note):
        if target.whole_document:
            raise BadItem("a note on a whole document with nothing to record "
                          "(no tag and no note)")
        tags = [HIGHLIGHT_TAG]  # a highlight (motivation highlighting, or no body)
    start, end = target.position or (0, None)
    unplaceable = "" if exact or target.whole_document or end is not None \
        or target.rectangle is not None else _unplaceable(target)
    # the quote is cleaned as the documents' texts were; the context only guides the
    # match (what is stored comes from the document's own text), so it is kept as given
    return Item(number, identity, exact, _text(quote.get("prefix"), "the prefix"),
                _text(quote.get("suffix"), "the suffix"), start, target.source, tags, note,
                end=end, whole_document=target.whole_document and not exact,
                unplaceable=unplaceable, kept=_kept(item), page=target.page,
                rectangle=None if exact else target.rectangle, percent=target.percent)


def _document_for_source(library: Library, source: str) -> str | None:
    """The document a source names: an archive URN, or a file URI of this archive, or of
    another machine's copy of the same folder (its last folders and name are our key)."""
    if source.startswith("urn:archive-app:"):
        key = unquote(source[len("urn:archive-app:"):])
        return key if library.knows(key) else None
    if not source.startswith("file:"):
        return None
    path = Path(unquote(urlparse(source).path))
    found = library.key_for_path(path)
    parts = path.parts[-MAX_KEY_PARTS:]
    for first in range(1, len(parts)):
        if found is not None:
            break
        key = "/".join(parts[first:])
        found = key if library.knows(key) else None
    return found


def _candidates(library: Library, source: str, exact: str) -> list[str]:
    key = _document_for_source(library, source)
    if key:
        return [key]
    words = " ".join(exact.replace('"', " ").split()[:SEARCH_WORDS])
    if not words:
        return []
    try:
        results = library.search(f'"{words}"', limit=SEARCH_CANDIDATES)
    except QueryError:
        return []
    return [hit.key for hit in results.hits]


class _Matching:
    """What the items of one import share: the last document's text (an export lists a
    document's annotations together; reading a 3 MB text 2,000 times costs minutes) and
    one budget for fuzzy matching."""

    def __init__(self, library: Library):
        self.library = library
        self.last: tuple[str, str | None] = ("", None)
        self.budget = Budget(IMPORT_FUZZY_BUDGET)

    def text(self, key: str) -> str | None:
        if self.last[0] != key or not key:
            view = self.library.document(key)
            self.last = (key, view.text if view is not None else None)
        return self.last[1]


def _place_quote(library: Library, item: Item, matching: _Matching) -> tuple[str, Anchor] | str:
    """The document and passage the quote lands on (its position, if any, as a hint)."""
    anchor = Anchor(item.start, item.start + len(item.exact), item.exact, item.prefix,
                    item.suffix)
    for key in _candidates(library, item.source, item.exact):
        text = matching.text(key)
        if text is None:
            continue
        placement = reanchor(anchor, text, matching.budget)
        if placement.state == ORPHANED:
            continue
        return key, make_anchor(text, placement.start, placement.end)
    return f"{item.exact[:60]!r} is not in this archive"


def _place_position(library: Library, item: Item, matching: _Matching
                    ) -> tuple[str, Anchor] | str:
    """A position alone trusts its source: with no quote there is nothing to search for,
    so it is placed only on the document the source names (our file URI or archive URN),
    and only inside its text; the quote stored is that text's own."""
    start, end = item.start, item.end or 0
    key = _document_for_source(library, item.source) if item.source else None
    if key is None:
        return ("it has only a text position, and " +
                (f"its source {_shown(item.source)} is not a document of this archive"
                 if item.source else "names no document"))
    text = matching.text(key) or ""
    if not 0 <= start < end <= len(text):
        return (f"position {start}-{end} is outside the text of {_shown(key)} "
                f"({len(text)} characters)")
    return key, make_anchor(text, start, end)


def _place_document(library: Library, item: Item) -> tuple[str, Anchor] | str:
    """A note on a whole document: an empty passage at 0 (see README, import-annotations)."""
    key = _document_for_source(library, item.source)
    if key is None:
        return (f"a note on the whole document {_shown(item.source)}, which is not a "
                "document of this archive")
    return key, DOCUMENT_ANCHOR


def _place_region(library: Library, item: Item) -> tuple[str, Anchor] | str:
    """A region of a page trusts its source, as a position does: it is placed only on
    the document the source names, on that page, clipped to it. Its page and region go
    with the item's kept fields to the store."""
    key = _document_for_source(library, item.source) if item.source else None
    if key is None:
        return ("it marks a region of a page, and " +
                (f"its source {_shown(item.source)} is not a document of this archive"
                 if item.source else "names no document"))
    pages = library.pages(key)
    if pages is None:
        return f"it marks a region of a page, and {_shown(key)} has no pages"
    try:
        if item.page >= pages.page_count:
            return (f"it marks a region of page {item.page + 1}, and {_shown(key)} has "
                    f"{pages.page_count}")
        width, height = pages.page_size(item.page)
    except PageProblem as problem:
        return f"the page of its region cannot be read: {problem}"
    x, y, w, h = item.rectangle
    if item.percent:
        x, y, w, h = x * width / 100, y * height / 100, w * width / 100, h * height / 100
    try:
        region = clip_region(Region(x, y, w, h), width, height)
    except ValueError as error:
        return str(error)
    item.kept = {**item.kept, "page": item.page, "region": region}
    start = pages.page_range(item.page)[0]
    return key, Anchor(start, start, "", "", "")


def _place(library: Library, item: Item, matching: _Matching) -> tuple[str, Anchor] | str:
    """The document and passage the item lands on, or the reason it lands nowhere."""
    if item.unplaceable:
        return item.unplaceable
    if item.rectangle is not None:
        return _place_region(library, item)
    if item.exact:
        return _place_quote(library, item, matching)
    if item.whole_document:
        return _place_document(library, item)
    return _place_position(library, item, matching)


def import_annotations(library: Library, data: object) -> ImportReport:
    """Create the annotations of a W3C JSON document in this archive; see the module doc."""
    report = ImportReport()
    known = {a.uuid for a in library.all_annotations()}
    matching = _Matching(library)
    placed: list[tuple[Item, str, Anchor]] = []
    for number, raw in enumerate(read_annotations(data), 1):
        try:
            item = parse_item(number, raw)
        except BadItem as error:
            report.invalid.append(f"item {number}: {error}")
            continue
        if item.identity and item.identity in known:
            report.duplicates += 1
            continue
        found = _place(library, item, matching)
        if isinstance(found, str):
            report.not_found.append(f"{item.label}: {found}")
            continue
        if item.identity:
            known.add(item.identity)
        placed.append((item, *found))
    passages = []
    for item, key, anchor in placed:
        tags, refused = _usable_tags(item.tags)
        if refused and not tags and not item.note.strip():
            report.not_found.append(f"{item.label}: {refused[0]}")
            continue
        report.left_out += [f"{item.label}: {reason}" for reason in refused]
        passages.append(((item, key, anchor),
                         (key, anchor, tags, item.note, item.identity or None, item.kept)))
    placed = [where for where, _ in passages]
    results = library.import_annotations([passage for _, passage in passages])
    for (item, _, _), result in zip(placed, results, strict=True):
        if isinstance(result, str):
            report.not_found.append(f"{item.label}: {result}")
        else:
            report.created += 1
    return report


def _usable_tags(tags: list[str]) -> tuple[list[str], list[str]]:
    """The tags the store will take, and the reason for each it would refuse: one tag
    past the limits must not cost the passage its other tags and its note."""
    usable, refused = [], []
    for tag in tags:
        try:
            clean_tag(tag)
        except AnnotationError as error:
            refused.append(str(error))
        else:
            usable.append(tag)
    return usable, refused


def load_json(path: Path) -> object:
    """The parsed file; ArchiveError with a plain reason when it cannot be read."""
    try:
        too_large = path.stat().st_size > MAX_FILE_BYTES
        data = None if too_large else json.loads(path.read_text(encoding="utf-8"))
    except RecursionError as error:
        raise ArchiveError(f"cannot read {path}: the JSON is nested too deeply") from error
    except (OSError, ValueError) as error:
        raise ArchiveError(f"cannot read {path}: {error}") from error
    if too_large:
        raise ArchiveError(f"cannot read {path}: larger than {MAX_FILE_BYTES >> 20} MB")
    return data


def import_file(library: Library, path: Path) -> ImportReport:
    return import_annotations(library, load_json(path))
