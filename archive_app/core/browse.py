"""Browsing the archive without a query: its folders, and the documents of each.

The tree is the corpus folders on disk, and inside them every document that holds other
documents: a zip, 7z or tar archive (its inner folders too), a mailbox (mbox, pst: its
messages; a pst's own folders), a message with attachments. A folder's address is a
key prefix: `corpus`, `corpus/leaks`, `corpus/leaks/gulf.zip` (the container's own
key), `corpus/leaks/gulf.zip//gulf/qatar` (a folder inside it). Only archives and pst
files have folders inside: a message's key part (its Message-ID) is one name, even
with a `/` in it.

Everything is read from the catalog (`files` and the small columns of `texts`) and the
user's store (metadata edits, annotation counts), never a stored text, so a folder of
100,000 documents opens in a fraction of a second: two range scans of the catalog's
primary key, one for the counts under it and one for its own documents. A listing
holds its documents' columns as tuples, sorts them in memory and makes `BrowseRow`s
only for the slice asked for (`FolderListing.rows`), which is what lets the window's
table fetch rows as it scrolls. Filters are the search's facet filters (`format:pdf`,
`lang:fa`, `tag:x`... refine.facet_filter), answered by the engine as a set of keys.
"""

from __future__ import annotations

import gc
import os
from collections import Counter
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from archive_app.core import ingest
from archive_app.core.errors import ArchiveError
from archive_app.core.indexing.catalog import Catalog, Root
from archive_app.core.indexing.model import SkippedFile
from archive_app.core.indexing.names import from_sql, shown

SEP = ingest.CHILD_KEY_SEPARATOR
COLUMNS = ("title", "author", "source", "date", "format", "pages", "size", "annotations",
           "path")
"""The columns a listing sorts by, in the order the faces show them."""
NUMERIC_COLUMNS = frozenset({"pages", "size", "annotations"})
FILTER_FACETS = ("format", "lang", "source", "author", "tag", "year")
"""What a browse filter narrows by (refine.facet_filter makes the clause)."""
_FOLDERED_SUFFIXES = frozenset({".zip", ".7z", ".tar", ".tgz", ".tbz2", ".txz", ".pst",
                                ".ost"})
"""Containers whose members' key parts are paths: their `/` make folders inside them."""
_KINDS = {"zip": "archive", "7z": "archive", "tar": "archive", "mbox": "mailbox",
          "pst": "mailbox", "eml": "message", "msg": "message"}

# one row of a listing, as a tuple (smaller than 100,000 objects): the fields below
_KEY, _TITLE, _AUTHOR, _SOURCE, _DATE, _FORMAT, _PAGES, _SIZE, _ANNOTATIONS, _PATH, \
    _LANG, _PLACE, _HAS_MEMBERS = range(13)
_COLUMN_INDEX = {"title": _TITLE, "author": _AUTHOR, "source": _SOURCE, "date": _DATE,
                 "format": _FORMAT, "pages": _PAGES, "size": _SIZE,
                 "annotations": _ANNOTATIONS, "path": _PATH}


@dataclass(frozen=True)
class BrowseRow:
    """A document as the browse table shows it (the user's metadata edits applied)."""

    key: str
    title: str
    author: str
    source: str
    date: str
    format: str
    pages: int | None
    """Its page count (PDF, slides, scans); None for a document without pages."""
    size: int | None
    """Bytes of its file on disk; None for a member (its size inside is not kept)."""
    annotations: int
    path: str
    """The file on disk (a member's container file)."""
    lang: str = ""
    place: str = ""
    """Where a member lies ("leak.zip › finance/q3.xlsx"); '' for a file on disk."""
    has_members: bool = False
    """It holds other documents: it is also a folder of the tree (`address` = key)."""

    def as_dict(self) -> dict:
        return {"doc": self.key, "title": self.title, "author": self.author,
                "source": self.source, "date": self.date, "format": self.format,
                "pages": self.pages, "size": self.size, "annotations": self.annotations,
                "path": self.path, "lang": self.lang, "place": self.place,
                "folder": self.has_members}


@dataclass(frozen=True)
class BrowseFolder:
    """A folder of the tree: a corpus folder, a folder in it, a container, a mailbox,
    a message with attachments, or a folder inside an archive."""

    address: str
    name: str
    kind: str
    """"root", "folder", "archive", "mailbox" or "message"."""
    documents: int
    """Documents under it, at any depth (those the filters keep, when filtered)."""
    skipped: int
    """Files under it that were not indexed (each with its reason in its folder)."""
    missing: bool = False
    """A corpus folder not on disk now (its documents are kept)."""

    def as_dict(self) -> dict:
        return {"folder": self.address, "name": self.name, "kind": self.kind,
                "documents": self.documents, "skipped": self.skipped,
                "missing": self.missing}


@dataclass
class FolderListing:
    """One folder's children: its subfolders with counts, its skipped files with their
    reasons, and its documents sorted by a column (`rows` makes a slice of them)."""

    address: str
    name: str
    kind: str
    parent: str | None
    """The address of the folder above ('' is the archive); None for the archive."""
    folders: list[BrowseFolder]
    skipped: list[SkippedFile]
    """Files of this very folder that were not indexed, with their reasons."""
    documents_under: int
    skipped_under: int
    sort: str = "title"
    descending: bool = False
    filters: tuple[str, ...] = ()
    _rows: list[tuple] = field(default_factory=list, repr=False)

    @property
    def total(self) -> int:
        """Documents directly in this folder (after the filters)."""
        return len(self._rows)

    def rows(self, start: int = 0, stop: int | None = None) -> list[BrowseRow]:
        """The documents from `start` to `stop` in the listing's order."""
        return [BrowseRow(*row) for row in self._rows[start:stop]]

    def keys(self) -> list[str]:
        return [row[_KEY] for row in self._rows]

    def sorted_by(self, column: str, descending: bool = False) -> FolderListing:
        """The same listing in another order (no catalog read)."""
        return replace(self, sort=column, descending=descending,
                       _rows=sort_rows(self._rows, column, descending))

    def values(self, facet: str) -> list[tuple[str, int]]:
        """The values of `format`, `lang`, `source`, `author` or `year` among this
        folder's documents, most frequent first: what a filter can choose from."""
        index = {"format": _FORMAT, "lang": _LANG, "source": _SOURCE,
                 "author": _AUTHOR, "year": _DATE}[facet]
        found = Counter(row[index][:4] if facet == "year" else row[index]
                        for row in self._rows)
        found.pop("", None)
        return sorted(found.items(), key=lambda item: (-item[1], item[0].casefold()))


def sort_rows(rows: list[tuple], column: str, descending: bool = False) -> list[tuple]:
    """Rows sorted by a column, ties by key; empty values (no date, no pages, no size)
    last in either direction, as undated documents are in a search."""
    if column not in _COLUMN_INDEX:
        raise ArchiveError(f"cannot sort by '{column}': use one of {', '.join(COLUMNS)}")
    index = _COLUMN_INDEX[column]
    by_key = sorted(rows, key=lambda row: row[_KEY], reverse=descending)
    if column in NUMERIC_COLUMNS:
        known = [row for row in by_key if row[index] is not None
                 and (row[index] or column == "annotations")]
        empty = [row for row in by_key if row[index] is None
                 or not (row[index] or column == "annotations")]
        known.sort(key=lambda row: row[index], reverse=descending)
    else:
        known = [row for row in by_key if row[index]]
        empty = [row for row in by_key if not row[index]]
        known.sort(key=lambda row: row[index].casefold(), reverse=descending)
    return known + empty


# -- addresses --------------------------------------------------------------------------
def _folders_inside(container: str) -> bool:
    """Whether a container's members' key parts are paths (archives, pst folders)."""
    name = container.rsplit(SEP, 1)[-1].rsplit("/", 1)[-1]
    return ingest.suffix_of(name) in _FOLDERED_SUFFIXES


def parent_address(address: str) -> str:
    """The folder a key (a document) or an address lies in; '' for a corpus folder."""
    if SEP not in address:
        return address.rsplit("/", 1)[0] if "/" in address else ""
    head, _, part = address.rpartition(SEP)
    if "/" in part and _folders_inside(head):
        return f"{head}{SEP}{part.rsplit('/', 1)[0]}"
    return head


def _name_of(address: str) -> str:
    if SEP in address:
        head, _, part = address.rpartition(SEP)
        return part.rsplit("/", 1)[-1] if _folders_inside(head) else part
    return address.rsplit("/", 1)[-1]


def _range(prefix: str) -> tuple[str, str]:
    """Key bounds of everything that starts with `prefix` (ends with '/')."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


# -- listing ----------------------------------------------------------------------------
def list_folder(catalog: Catalog, address: str = "", *, sort: str = "title",
                descending: bool = False, wanted: set[str] | None = None,
                edits: dict[str, dict[str, str]] | None = None,
                annotation_counts: dict[str, int] | None = None,
                filters: Iterable[str] = ()) -> FolderListing:
    """A folder's listing from the catalog (the calling thread's connection).

    `wanted`: the keys the filters keep (None: no filter); `edits`: the user's metadata
    edits by key; `annotation_counts`: annotations by key (Library.browse gives them).
    Raises ArchiveError for an address that names no folder of the archive."""
    address = address.strip().strip("/") if SEP not in address else address.rstrip("/")
    roots = catalog.roots()
    if not address:
        return _archive_listing(catalog, roots, wanted, sort, descending, tuple(filters))
    root = next((r for r in roots if r.name == address.split("/", 1)[0]), None)
    if root is None:
        raise ArchiveError(f"there is no folder '{address}' in the archive")
    record = catalog.record(address)
    document = record is not None and record.skip_code is None
    with _no_collection():
        counts, rows, skipped = _descendants(catalog, address,
                                             address + (SEP if document else "/"), wanted,
                                             edits or {}, annotation_counts or {})
    if document and not counts and not rows:
        raise ArchiveError(f"'{address}' is a document without members, not a folder")
    if not document and not (counts or rows or skipped) and "/" in address and (
            SEP in address or not (root.path / address.split("/", 1)[1]).is_dir()):
        raise ArchiveError(f"there is no folder '{address}' in the archive")
    if document:
        kind = _KINDS.get(_format_of(catalog, address), "archive")
    else:
        kind = "folder" if "/" in address else "root"
    folders = [BrowseFolder(sub, (subject or [""])[0] or _name_of(sub), kinds, documents,
                            skips)
               for sub, (documents, skips, kinds, *subject) in counts.items()
               if wanted is None or documents]  # filtered: only folders with matches
    folders.sort(key=lambda folder: folder.name.casefold())
    return FolderListing(
        address=address, name=_name_of(address), kind=kind, parent=parent_address(address),
        folders=folders, skipped=skipped,
        documents_under=len(rows) + sum(f.documents for f in folders),
        skipped_under=len(skipped) + sum(f.skipped for f in folders),
        sort=sort, descending=descending, filters=tuple(filters),
        _rows=sort_rows(rows, sort, descending))


@contextmanager
def _no_collection():
    """The cyclic garbage collector paused while a listing's rows are made: 100,000
    rows are 100,000 new lists and tuples (no cycles among them), which otherwise set
    off full collections over the whole heap (a third of the time of a big folder)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _archive_listing(catalog: Catalog, roots: list[Root], wanted: set[str] | None,
                     sort: str, descending: bool, filters: tuple[str, ...]) -> FolderListing:
    """The top: every corpus folder with its counts (one grouped query, or the keys
    of each folder when filtered)."""
    if sort not in _COLUMN_INDEX:
        raise ArchiveError(f"cannot sort by '{sort}': use one of {', '.join(COLUMNS)}")
    documents: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    if wanted is None:
        for root, indexed, count in catalog.connection.execute(
                "SELECT root, skip_code IS NULL, COUNT(*) FROM files GROUP BY root, 2"):
            (documents if indexed else skipped)[from_sql(root)] += count
    else:
        for root, count in catalog.connection.execute(
                "SELECT root, COUNT(*) FROM files WHERE skip_code IS NOT NULL GROUP BY root"):
            skipped[from_sql(root)] += count
        for key in wanted:
            documents[key.split("/", 1)[0]] += 1
    folders = [BrowseFolder(root.name, root.name, "root", documents[root.name],
                            skipped[root.name], missing=not root.path.is_dir())
               for root in roots]
    return FolderListing("", "Archive", "archive", None, folders, [],
                         sum(documents[r.name] for r in roots),
                         sum(skipped[r.name] for r in roots), sort, descending, filters)


_COLUMNS_SQL = ("SELECT f.key, f.path, f.signature, f.skip_code, f.skip_reason, f.file_key, "
                "{columns} FROM files f LEFT JOIN {table} ON {alias}.key = f.key "
                "WHERE f.key >= ? AND f.key < ?")
_FROM_LISTING = _COLUMNS_SQL.format(
    columns="l.title, l.author, l.source, l.date, l.lang, l.format, l.place, l.pages",
    table="listing l", alias="l")
_FROM_TEXTS = _COLUMNS_SQL.format(  # a read-only catalog made before the listing table
    columns="json_extract(t.metadata, '$.title'), json_extract(t.metadata, '$.author'), "
            "json_extract(t.metadata, '$.source'), json_extract(t.metadata, '$.date'), "
            "json_extract(t.metadata, '$.lang'), json_extract(t.about, '$.format'), "
            "json_extract(t.about, '$.place'), json_array_length(t.page_starts)",
    table="texts t", alias="t")


def _descendants(catalog: Catalog, address: str, prefix: str, wanted: set[str] | None,
                 edits: dict[str, dict[str, str]], annotations: dict[str, int]):
    """(subfolder address -> [documents, skipped, kind], the rows of the documents
    directly here, the skipped files directly here), from one range scan of the
    catalog's keys joined with the listing columns."""
    low, high = _range(prefix)
    counts: dict[str, list] = {}
    direct: list[list] = []
    skipped: list[SkippedFile] = []
    child_of: dict[str, str | None] = {}  # a listing address -> the subfolder it is in
    sql = _FROM_LISTING if catalog.has_listing() else _FROM_TEXTS
    start = len(prefix)
    inner = "//" if prefix.endswith(SEP) and not _folders_inside(address) else "/"
    for key, path, signature, code, reason, file_key, title, author, source, date, lang, \
            fmt, place, pages in catalog.connection.execute(sql, (low, high)):
        # this loop runs once per document under the folder (100,000 in the bench's
        # folder): the common case, a key and path SQLite gave as text, stays cheap
        if type(key) is not str:
            key = from_sql(key)
        if inner not in key[start:]:  # directly here (what parent_address would say)
            if type(path) is not str:
                path = shown(from_sql(path))  # the exact bytes stay in the catalog
            if code is not None:
                skipped.append(SkippedFile(path, code, reason or ""))
            elif wanted is None or key in wanted:
                row = [key, title or "", author or "", source or "", date or "",
                       fmt or _file_format(path), pages or None,
                       None if file_key else _size(signature, path),
                       annotations.get(key, 0), path, lang or "", place or "", False]
                edit = edits.get(key)
                if edit:
                    for name, index in _EDITABLE.items():
                        if edit.get(name):
                            row[index] = edit[name]
                if not row[_TITLE]:
                    row[_TITLE] = _name_of(key)
                direct.append(row)
            continue
        here = parent_address(key)
        sub = child_of.get(here, "")
        if sub == "":
            sub = child_of[here] = _child_toward(address, here)
        if sub is None:
            continue
        entry = counts.get(sub)
        if entry is None:
            entry = counts[sub] = [0, 0, "folder"]
        if code is not None:
            entry[1] += 1
        elif wanted is None or key in wanted:
            entry[0] += 1
    skipped.sort(key=lambda item: item.path)
    for sub, entry in counts.items():
        if catalog.record(sub) is not None:  # a container or a message with members
            entry[2] = _KINDS.get(_format_of(catalog, sub), "archive")
            if entry[2] == "message":  # named by its subject, not its Message-ID
                entry.append((catalog.file_metadata(sub) or {}).get("title", ""))
    rows = []
    for row in direct:
        row[_HAS_MEMBERS] = row[_KEY] in counts
        rows.append(tuple(row))
    return counts, rows, skipped


_EDITABLE = {"title": _TITLE, "author": _AUTHOR, "source": _SOURCE, "date": _DATE,
             "lang": _LANG}


def _child_toward(address: str, inner: str) -> str | None:
    """The subfolder of `address` that holds the folder `inner` (None if none does)."""
    while True:
        above = parent_address(inner)
        if above == address:
            return inner
        if not above or above == inner:
            return None
        inner = above


def _size(signature: str, path: str) -> int | None:
    """A file's size from its signature (`mtime:size:...`), else from disk."""
    try:
        return int(signature.split(":", 2)[1])
    except (IndexError, ValueError):
        pass
    try:
        return os.stat(path).st_size
    except OSError:
        return None


_SUFFIX_FORMATS: dict[str, str] = {}


def _file_format(path: str) -> str:
    """The format of a file on disk by its suffix (a Maildir message is eml); the
    common suffixes from a table, as this runs once per row of a 100,000-row folder."""
    dot = path.rfind(".")
    suffix = path[dot:].lower() if dot > path.rfind("/") else ""
    found = _SUFFIX_FORMATS.get(suffix)
    if found:
        return found
    found = ingest.format_of(Path(path))
    if found and ingest.suffix_of(os.path.basename(path)) == suffix:  # not .tar.gz's .gz
        _SUFFIX_FORMATS[suffix] = found
    return found


def _format_of(catalog: Catalog, key: str) -> str:
    about = catalog.about(key) or {}
    if about.get("format"):
        return about["format"]
    record = catalog.record(key)
    return _file_format(record.path) if record else ""


def address_for_path(roots: list[Root], path: Path) -> str | None:
    """The address of a folder (or container file) on disk inside a corpus folder:
    `corpus/leaks` for /home/me/corpus/leaks; None outside every corpus folder."""
    wanted = Path(path).expanduser().resolve()
    for root in roots:
        if wanted == root.path:
            return root.name
        if wanted.is_relative_to(root.path):
            return f"{root.name}/{wanted.relative_to(root.path).as_posix()}"
    return None
