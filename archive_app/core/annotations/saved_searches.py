"""Saved searches: a query, its facet filters and its sort, kept under a name.

They are the user's own work, so they live in the precious store (annotations.sqlite3,
migration 5), not in the derived index. Each remembers when it was last run; the number
of documents "new since then" is counted by the Library from the catalog's reading
times (catalog.py `indexed`: when each document's text or file metadata last changed).

A list of them can be exported to a JSON file and imported by someone else. Nothing in
such a file is trusted: the top is checked for its shape, each item gets a message
naming its number and what is wrong (the others still import), sizes are capped, and
every field is cleaned as at the door (documents.normalise_field; names also lose bidi
controls). Every query and filter must parse before it is stored.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from archive_app.core.annotations.store import UserStore, now_precise
from archive_app.core.atomic_files import write_atomically
from archive_app.core.errors import ArchiveError, QueryError
from archive_app.core.ingest.documents import normalise_field
from archive_app.core.search import query as query_language
from archive_app.core.search.refine import combine
from archive_app.core.search.searcher import SORTS

MAX_NAME_CHARS = 100
MAX_FILTERS = 20
MAX_FILTER_CHARS = 500
MAX_QUERY_CHARS = query_language.MAX_QUERY_LENGTH
MAX_SAVED = 1000
"""Saved searches a home keeps: `saved list` counts each one's new documents."""
MAX_IMPORT_BYTES = 16 * 1024 ** 2
MAX_IMPORT_ITEMS = MAX_SAVED
FILE_FORMAT = "archive-app/saved-searches"
FILE_VERSION = 1
SHOWN_CHARS = 60

_NAME_JUNK = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufdd0-\ufdef"
                        "\ufffe\uffff]")
"""Bidi marks, overrides and isolates, BOM, non-characters: a name is one short label, and
any of these can make it pass for another one (normalise_field keeps them, for text)."""


class SavedSearchError(ArchiveError):
    """A saved search that cannot be stored or found (empty, too long, unknown name...)."""


@dataclass(frozen=True)
class SavedSearch:
    """One saved search as the store keeps it; `new` and `problem` are filled in by
    `Library.saved_searches` (not stored)."""

    name: str
    query: str = ""
    filters: tuple[str, ...] = ()
    """Facet filter clauses, as the window's chips and `--filter` give them."""
    sort: str = "relevance"
    created: str = ""
    last_run: str = ""
    """ISO time, UTC, to the microsecond; a new saved search counts as run when saved."""
    id: int = 0
    new: int | None = None
    """Documents matching it that are new or changed since `last_run`; None: not counted."""
    problem: str = ""
    """Why it cannot be run now (its query no longer parses), '' when it can."""

    @property
    def text(self) -> str:
        """The query the search engine runs: the user's part ANDed with the filters."""
        return combine(self.query, list(self.filters))[0]

    def as_dict(self) -> dict:
        """What `saved list --json` prints and the export file holds (less `new`)."""
        return {"name": self.name, "query": self.query, "filters": list(self.filters),
                "sort": self.sort, "created": self.created, "last_run": self.last_run,
                "new": self.new}


def last_run_time(search: SavedSearch) -> float:
    """The search's last run as Unix time (0 when unreadable: everything counts as new)."""
    try:
        moment = datetime.fromisoformat(search.last_run)
    except ValueError:
        return 0.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


# -- cleaning and checking ---------------------------------------------------------------
def clean_name(name: object) -> str:
    """A name as stored: one line, no control or bidi characters; SavedSearchError if
    empty or longer than MAX_NAME_CHARS."""
    cleaned = " ".join(_NAME_JUNK.sub("", normalise_field(name)).split())
    if not cleaned:
        raise SavedSearchError("give the saved search a name")
    if len(cleaned) > MAX_NAME_CHARS:
        raise SavedSearchError(f"a saved search's name may be at most {MAX_NAME_CHARS} "
                               f"characters; '{preview(cleaned)}' has {len(cleaned):,}")
    return cleaned


def clean_search(name: object, query: object, filters: object = (),
                 sort: object = "relevance") -> SavedSearch:
    """A SavedSearch with every field cleaned and checked (no times yet).

    SavedSearchError for a bad name, sort or filter list, nothing to search for, or a
    part too long; QueryError (with the parser's message) for a query or filter that
    cannot be read, so the faces report it as they report a bad search."""
    cleaned_name = clean_name(name)
    if not isinstance(query, str):
        raise SavedSearchError("the query must be a text")
    cleaned_query = normalise_field(query)
    if len(cleaned_query) > MAX_QUERY_CHARS:
        raise SavedSearchError(f"the query is too long ({len(cleaned_query):,} characters; "
                               f"the limit is {MAX_QUERY_CHARS:,})")
    if isinstance(filters, str) or not isinstance(filters, list | tuple):
        raise SavedSearchError("the filters must be a list of clauses such as format:pdf")
    if len(filters) > MAX_FILTERS:
        raise SavedSearchError(f"at most {MAX_FILTERS} filters; there are {len(filters):,}")
    clauses: list[str] = []
    for clause in filters:
        if not isinstance(clause, str):
            raise SavedSearchError("each filter must be a text such as format:pdf")
        cleaned = normalise_field(clause)
        if len(cleaned) > MAX_FILTER_CHARS:
            raise SavedSearchError(f"a filter may be at most {MAX_FILTER_CHARS} characters; "
                                   f"'{preview(cleaned)}' has {len(cleaned):,}")
        if cleaned and cleaned not in clauses:
            query_language.parse_query(cleaned)  # QueryError names what is wrong
            clauses.append(cleaned)
    if sort not in SORTS:
        raise SavedSearchError(f"'{preview(str(sort))}' is not a sort: use "
                               f"{', '.join(SORTS)}")
    search = SavedSearch(cleaned_name, cleaned_query, tuple(clauses), str(sort))
    if not search.text:
        raise SavedSearchError("there is nothing to save: give a query or a filter")
    query_language.parse_query(search.text)
    return search


def preview(text: str, length: int = SHOWN_CHARS) -> str:
    """The start of a text for a message, cleaned: a hostile 4 KB name is not echoed in
    full, nor a terminal escape at all."""
    text = " ".join(_NAME_JUNK.sub("", normalise_field(text)).split())
    return text if len(text) <= length else text[:length] + "…"


# -- the store's table -------------------------------------------------------------------
class SavedSearches:
    """The saved_searches table of one UserStore; one transaction per action."""

    def __init__(self, store: UserStore):
        self.store = store

    @property
    def _connection(self) -> sqlite3.Connection:
        return self.store.connection

    def all(self) -> list[SavedSearch]:
        """Every saved search, by name (case ignored)."""
        rows = self._connection.execute(
            f"SELECT {_COLUMNS} FROM saved_searches ORDER BY name COLLATE NOCASE, id")
        return [_record(row) for row in rows]

    def get(self, name: str) -> SavedSearch | None:
        row = self._connection.execute(
            f"SELECT {_COLUMNS} FROM saved_searches WHERE name = ?",
            (" ".join(_NAME_JUNK.sub("", normalise_field(name)).split()),)).fetchone()
        return _record(row) if row else None

    def count(self) -> int:
        return self._connection.execute("SELECT count(*) FROM saved_searches").fetchone()[0]

    def put(self, search: SavedSearch, replace_existing: bool = False) -> tuple[
            SavedSearch, SavedSearch | None]:
        """Store a checked search (`clean_search`); returns it as stored and the one of
        that name it replaced (None). Times: the search's own when it has them (undo,
        import), else now. SavedSearchError when the name is taken and not to be
        replaced, or the home holds MAX_SAVED already."""
        stamp = now_precise()
        search = replace(search, created=search.created or stamp,
                         last_run=search.last_run or stamp)
        with self.store.transaction() as connection:
            old = connection.execute(f"SELECT {_COLUMNS} FROM saved_searches WHERE name = ?",
                                     (search.name,)).fetchone()
            previous = _record(old) if old else None
            if previous is not None and not replace_existing:
                raise SavedSearchError(f"there is already a saved search named "
                                       f"'{previous.name}'")
            if previous is None and self.count() >= MAX_SAVED:
                raise SavedSearchError(f"this archive keeps at most {MAX_SAVED:,} saved "
                                       "searches; delete some first")
            if previous is not None:
                connection.execute("DELETE FROM saved_searches WHERE id = ?", (previous.id,))
            values = (search.name, search.query, json.dumps(list(search.filters),
                                                            ensure_ascii=False),
                      search.sort, search.created, search.last_run)
            if search.id and not connection.execute(
                    "SELECT 1 FROM saved_searches WHERE id = ?", (search.id,)).fetchone():
                cursor = connection.execute(  # put back as it was (undo of a delete)
                    "INSERT INTO saved_searches(id, name, query, filters, sort, created, "
                    "last_run) VALUES (?, ?, ?, ?, ?, ?, ?)", (search.id, *values))
            else:
                cursor = connection.execute(
                    "INSERT INTO saved_searches(name, query, filters, sort, created, "
                    "last_run) VALUES (?, ?, ?, ?, ?, ?)", values)
        return replace(search, id=cursor.lastrowid, new=None, problem=""), previous

    def delete(self, name: str) -> SavedSearch:
        """Delete a saved search; returns it as it was (undo puts it back)."""
        with self.store.transaction() as connection:
            found = self.get(name)
            if found is None:
                raise SavedSearchError(f"there is no saved search named '{preview(name)}'")
            connection.execute("DELETE FROM saved_searches WHERE id = ?", (found.id,))
        return found

    def mark_run(self, name: str, moment: str) -> SavedSearch:
        """Record that the search was run at `moment` (ISO, UTC)."""
        with self.store.transaction() as connection:
            found = self.get(name)
            if found is None:
                raise SavedSearchError(f"there is no saved search named '{preview(name)}'")
            connection.execute("UPDATE saved_searches SET last_run = ? WHERE id = ?",
                               (moment, found.id))
        return replace(found, last_run=moment)


_COLUMNS = "id, name, query, filters, sort, created, last_run"


def _record(row: tuple) -> SavedSearch:
    identity, name, query, filters, sort, created, last_run = row
    try:
        clauses = json.loads(filters)
    except ValueError:
        clauses = []
    if not isinstance(clauses, list):
        clauses = []
    return SavedSearch(name, query, tuple(c for c in clauses if isinstance(c, str)), sort,
                       created, last_run, identity)


# -- export and import -------------------------------------------------------------------
def export_data(searches: list[SavedSearch]) -> dict:
    """The export file's content: what a team needs to run the same searches (the times
    of this home's runs are left out: they mean nothing in another archive)."""
    return {"format": FILE_FORMAT, "version": FILE_VERSION,
            "saved_searches": [{"name": s.name, "query": s.query, "filters": list(s.filters),
                                "sort": s.sort, "created": s.created} for s in searches]}


def write_export(searches: list[SavedSearch], path: Path, overwrite: bool = False) -> Path:
    """Write the export file atomically (a temporary file beside it, then a rename);
    an existing file is replaced only with `overwrite`."""
    if path.is_dir():
        raise SavedSearchError(f"{path} is a folder; give a file name to export to")
    if path.exists() and not overwrite:
        raise SavedSearchError(f"{path} already exists; choose another name or allow "
                               "overwriting (--force)")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise SavedSearchError(f"the folder {folder} does not exist")
    data = json.dumps(export_data(searches), ensure_ascii=False, indent=2) + "\n"
    try:
        write_atomically(path, data)
    except OSError as error:
        raise SavedSearchError(f"cannot write {path}: {error.strerror or error}") from error
    return path


@dataclass
class ImportReport:
    """What an import did, each skipped or refused item named."""

    imported: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Items whose name this archive (or an earlier item of the file) already has: the
    saved search already here is kept as it is."""
    invalid: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [f"imported {len(self.imported)} saved searches; {len(self.skipped)} "
                 f"skipped (name already here); {len(self.invalid)} invalid"]
        lines += [f"  skipped: {reason}" for reason in self.skipped]
        lines += [f"  invalid: {reason}" for reason in self.invalid]
        return lines


def read_import_file(path: Path) -> object:
    """The parsed file, read without blocking (a FIFO is refused, not waited on) and no
    further than MAX_IMPORT_BYTES; SavedSearchError with a plain reason otherwise."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise SavedSearchError(f"cannot read {path}: {error.strerror or error}") from error
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise SavedSearchError(f"cannot read {path}: not a regular file")
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = handle.read(MAX_IMPORT_BYTES + 1)
    except OSError as error:
        raise SavedSearchError(f"cannot read {path}: {error.strerror or error}") from error
    finally:
        os.close(descriptor)
    if len(data) > MAX_IMPORT_BYTES:
        raise SavedSearchError(f"cannot read {path}: larger than {MAX_IMPORT_BYTES >> 20} MB")
    try:
        return json.loads(data.decode("utf-8-sig"))
    except RecursionError as error:
        raise SavedSearchError(f"cannot read {path}: the JSON is nested too deeply") from error
    except (UnicodeDecodeError, ValueError) as error:
        raise SavedSearchError(f"cannot read {path}: not JSON ({error})") from error


def parse_import(data: object) -> tuple[list[SavedSearch], list[str]]:
    """The file's items as checked SavedSearches (times: `created` kept when it is a
    readable ISO time, the last run left to the import), and a message for each item
    that cannot be imported. SavedSearchError when the file as a whole is not a list
    of saved searches (our export object, or a bare list of items)."""
    if isinstance(data, dict):
        if data.get("format") != FILE_FORMAT:
            raise SavedSearchError(f"this is not a saved-search file (its \"format\" is not "
                                   f"\"{FILE_FORMAT}\")")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise SavedSearchError("the file's \"version\" is not a number")
        if version > FILE_VERSION:
            raise SavedSearchError(f"the file was written by a newer Archive App (version "
                                   f"{version}; this one reads {FILE_VERSION})")
        items = data.get("saved_searches")
        if not isinstance(items, list):
            raise SavedSearchError("the file has no \"saved_searches\" list")
    elif isinstance(data, list):
        items = data
    else:
        raise SavedSearchError("the file holds neither a saved-search export nor a list of "
                               "saved searches")
    if len(items) > MAX_IMPORT_ITEMS:
        raise SavedSearchError(f"the file has {len(items):,} saved searches; at most "
                               f"{MAX_IMPORT_ITEMS:,} are imported at once")
    searches: list[SavedSearch] = []
    problems: list[str] = []
    for number, item in enumerate(items, 1):
        try:
            searches.append(_parse_item(item))
        except (SavedSearchError, QueryError) as error:
            message = error.message if isinstance(error, QueryError) else str(error)
            problems.append(f"item {number}{_named(item)}: {message}")
    return searches, problems


def _parse_item(item: object) -> SavedSearch:
    if not isinstance(item, dict):
        raise SavedSearchError("not an object with a name and a query")
    if "name" not in item:
        raise SavedSearchError("it has no \"name\"")
    if not isinstance(item["name"], str):
        raise SavedSearchError("its \"name\" is not a text")
    search = clean_search(item["name"], item.get("query", ""), item.get("filters", []),
                          item.get("sort", "relevance"))
    return replace(search, created=_iso_time(item.get("created")))


def _named(item: object) -> str:
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        name = " ".join(_NAME_JUNK.sub("", normalise_field(item["name"])).split())
        return f" ('{preview(name, 40)}')" if name else ""
    return ""


def _iso_time(value: object) -> str:
    """An ISO time from the file, as UTC ISO; '' when it is not one (the import's own
    time is used then)."""
    if not isinstance(value, str) or len(value) > 40:
        return ""
    try:
        moment = datetime.fromisoformat(unicodedata.normalize("NFC", value.strip()))
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
