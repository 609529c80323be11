"""What indexing reports and what the reader gets: plain records, free of Whoosh.

Kept apart from index.py so the faces (CLI, window, export) can use them without the
index module's Whoosh internals, and so index.py holds only what must touch Whoosh.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace

from archive_app.core.entities.matching import EntityMatcher
from archive_app.core.entities.patterns import values_by_kind
from archive_app.core.errors import Cancelled
from archive_app.core.indexing.names import shown
from archive_app.core.ingest.documents import EMPTY_TEXT_SHA, Document
from archive_app.core.ingest.options import ReadOptions
from archive_app.core.metadata import Metadata


@dataclass
class SkippedFile:
    """A file left out, as the faces print it: a non-UTF-8 name is shown with U+FFFD."""

    path: str
    code: str
    reason: str

    def __post_init__(self) -> None:
        self.path, self.reason = shown(self.path), shown(self.reason)


@dataclass
class IndexSummary:
    """What one `index` run did; printed by the CLI and shown by the GUI."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    still_skipped: int = 0
    """Files skipped on an earlier run and unchanged since; `check` lists their reasons."""
    moved: list[tuple[str, str]] = field(default_factory=list)
    changed_keys: list[str] = field(default_factory=list)
    removed_keys: list[str] = field(default_factory=list)
    missing_roots: list[str] = field(default_factory=list)
    """Corpus folders that are gone or empty (an unplugged drive): their documents stay."""
    seconds: float = 0.0
    cancelled: bool = False
    """The user stopped the run; what was read before is committed and searchable."""
    not_read: int = 0
    """Files of this run left unread (a cancel): the next run reads them."""
    members: int = 0
    """Documents read from members of the files this run read (zip members, messages of
    a mailbox, attachments); not counted in `added` or `updated`, which count files."""
    rescanned: list[str] = field(default_factory=list)
    """Folders a targeted sync (`sync_paths`) read in full: asked to (the watcher lost
    events, a folder came back), or because their .archiveignore or catalog.csv changed."""

    @property
    def indexed(self) -> int:
        """Documents this run committed to the index (new and re-read)."""
        return self.added + self.updated


class IndexingCancelled(Cancelled):
    """Indexing was cancelled after committing everything read so far; `summary` says
    exactly what was kept and how many files are left for the next run."""

    def __init__(self, summary: IndexSummary):
        super().__init__(f"cancelled: {summary.indexed} documents indexed, "
                         f"{summary.not_read} files not indexed yet")
        self.summary = summary


@dataclass
class DocumentView(Metadata):
    """A document as the reader shows it: metadata plus the normalised text. Its `type`
    is the user's choice of document type (Edit metadata); '' is guessed."""

    key: str
    path: str
    text: str
    page_starts: list[int]
    parent: str = ""
    """The key of the container or message it was read from; '' for a file on disk."""
    place: str = ""
    """Where it lies: "leak.zip › finance/q3.xlsx"; '' for a file on disk."""
    details: dict[str, str] = field(default_factory=dict)
    """Mail headers and OCR marks (documents.Extracted.details)."""

    @property
    def ocr(self) -> bool:
        return self.details.get("ocr") == "yes"


CONTENT_KEY_CHARS = 20
"""How much of a text's sha256 the index keeps as its `content` group (80 bits: no two
different texts of a million share it but once in 10^12): copies share it, and the
engine shows them as one result (engine/searching.py). The catalog keeps the whole
hash, which lists the copies themselves."""


def content_group(sha256: str) -> str:
    return sha256[:CONTENT_KEY_CHARS]


def index_fields(document: Document, user_fields: dict[str, str] | None = None,
                 matcher: EntityMatcher | None = None) -> dict[str, str]:
    """The Whoosh field values of a document.

    `user_fields` come from the user's store: "tags" (comma-separated), "notes", and any
    metadata field the user edited, which wins over what the file said. `matcher` holds
    the watch-lists: the entities they find are the `entity` field; pattern entities
    (entities/patterns.py) are found in every document.
    """
    user_fields = user_fields or {}
    for name in ("title", "author", "source", "date", "url", "lang"):
        if user_fields.get(name):
            document = replace(document, **{name: user_fields[name]})
    tags, notes = user_fields.get("tags", ""), user_fields.get("notes", "")
    fields = {
        "key": document.key,
        "path": shown(document.path),  # shown with U+FFFD; the catalog keeps the bytes
        "url": document.url,
        "sha256": document.sha256,
        "title": document.title,
        "author": document.author,
        "source": document.source,
        "body": document.text,
        "date": document.date,
        "date_newest": document.date or "0000",
        "date_oldest": document.date or "9999",
        "format": document.format,
    }
    if document.source:
        fields["source_facet"] = document.source
    if document.sha256 and document.sha256 != EMPTY_TEXT_SHA and document.text.strip():
        fields["content"] = content_group(document.sha256)
    if document.year:
        fields["year"] = document.year
    if document.lang:
        fields["lang"] = document.lang.lower()
    if tags:
        fields["tags"] = tags
    if notes:
        fields["notes"] = notes
    if document.file_key:  # a member: deleted with its file (a file by its own key;
        fields["file_key"] = document.file_key  # one unique term a file cost 3 %)
    if document.parent:
        fields["parent"] = document.parent
    if document.place:
        fields["place"] = document.place
    if document.details:
        fields["details"] = json.dumps(document.details, ensure_ascii=False)
        fields.update(_detail_fields(document.details))
    fields.update(entity_fields(document.text, matcher))
    return fields


def entity_fields(text: str, matcher: EntityMatcher | None) -> dict[str, str]:
    """The `entity` field (the watch-lists' entities named in the text) and one field
    per pattern kind, each comma-separated (no value holds a comma)."""
    fields = {kind: ",".join(values) for kind, values in values_by_kind(text).items()}
    if matcher is not None:
        named = matcher.entities_in(text)
        if named:
            fields["entity"] = ",".join(named)
    return fields


def _detail_fields(details: dict[str, str]) -> dict[str, str]:
    """The searchable mail headers (`from:`, `to:`, `cc:`), the sender facet, the
    thread's message ids, and the OCR mark (`ocr:yes`)."""
    fields = {}
    for header in ("from", "to", "cc"):
        if details.get(header):
            fields[f"mail_{header}"] = details[header]
    sender = sender_address(details.get("from", ""))
    if sender:
        fields["sender_facet"] = sender
    if details.get("message_id"):
        fields["message_id"] = message_id_term(details["message_id"])
    thread = [message_id_term(item) for item in
              (details.get("references", "") + " " + details.get("in_reply_to", "")).split()]
    if thread:
        fields["thread"] = " ".join(dict.fromkeys(filter(None, thread)))
    if details.get("ocr") == "yes":
        fields["ocr"] = "yes"
    return fields


_ADDRESS = re.compile(r"<([^<>\s]+@[^<>\s]+)>|([^\s<>,;]+@[^\s<>,;]+)")


def sender_address(header: str) -> str:
    """The first e-mail address of a From header, lower-cased (the sender facet)."""
    match = _ADDRESS.search(header)
    if match:
        return (match.group(1) or match.group(2)).lower()
    return header.strip().lower()[:200]


def message_id_term(value: str) -> str:
    """A Message-ID as one index term: without its angle brackets, lower-cased."""
    return value.strip().strip("<>").strip().lower()


@dataclass(frozen=True)
class FileJob:
    """One file to (re-)read during a sync, as handed to a child process."""

    key: str
    path: str
    signature: str
    catalog_metadata: dict[str, str] | None = None
    """The root's catalog.csv row for this file, if any."""
    options: ReadOptions | None = None
    """The folder's reading options (OCR on or off, its languages, the OCR cache)."""
