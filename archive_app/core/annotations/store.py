"""The user's own work in HOME/annotations.sqlite3: precious, versioned, backed up.

Everything here exists nowhere else, so the rules are strict: WAL journal, foreign keys,
a busy timeout, one transaction per user action, the schema version in
`PRAGMA user_version`, stepwise forward migrations each in a transaction, a backup copy
before any migration, and a refusal to open a database newer than this code.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from archive_app.core.errors import ArchiveError
from archive_app.core.indexing.catalog import open_read_only
from archive_app.core.ingest.documents import normalise_field
from archive_app.core.metadata import METADATA_FIELDS

KEEP_BACKUPS = 5


class StoreError(ArchiveError):
    """The annotation database cannot be used as it is (newer version, damaged, read-only)."""


def _migrate_to_1(connection: sqlite3.Connection) -> None:
    connection.execute("""
        CREATE TABLE metadata_edits (
            doc TEXT NOT NULL,              -- document key
            field TEXT NOT NULL,            -- title, author, source, date, url, lang
            value TEXT NOT NULL,
            modified TEXT NOT NULL,         -- ISO timestamp, UTC
            PRIMARY KEY (doc, field)
        )""")


def _execute_script(connection: sqlite3.Connection, script: str) -> None:
    """Run statements one by one: `executescript` would COMMIT the migration's transaction."""
    for statement in script.split(";"):
        if statement.strip():
            connection.execute(statement)


def _migrate_to_2(connection: sqlite3.Connection) -> None:
    _execute_script(connection, """
        CREATE TABLE annotations (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,          -- stable identity for exports
            doc TEXT NOT NULL,                  -- document key
            doc_sha256 TEXT NOT NULL,           -- content hash the anchor refers to
            start INTEGER NOT NULL,             -- position selector
            end INTEGER NOT NULL,
            exact TEXT NOT NULL,                -- quote selector
            prefix TEXT NOT NULL DEFAULT '',
            suffix TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            color TEXT,                         -- NULL: the colour of its first tag
            state TEXT NOT NULL DEFAULT 'anchored'
                CHECK (state IN ('anchored', 'reanchored', 'orphaned')),
            similarity REAL NOT NULL DEFAULT 1.0,
            created TEXT NOT NULL,
            modified TEXT NOT NULL
        );
        CREATE INDEX annotations_doc ON annotations(doc);
        CREATE TABLE tags (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            color TEXT NOT NULL
        );
        CREATE TABLE annotation_tags (
            annotation_id INTEGER NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,
            tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
            position INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (annotation_id, tag_id)
        );
        CREATE INDEX annotation_tags_tag ON annotation_tags(tag_id);
        """)


def _migrate_to_3(connection: sqlite3.Connection) -> None:
    """Who made an annotation (an imported one keeps its author; ours are '')."""
    connection.execute("ALTER TABLE annotations ADD COLUMN creator TEXT NOT NULL DEFAULT ''")


def _migrate_to_4(connection: sqlite3.Connection) -> None:
    """A region of a page (a stamp, a photograph, a signature: no text to quote): the
    0-based page and the rectangle "left,top,width,height" in the page's own units (PDF
    points, an image's pixels). A passage has page NULL and region ''."""
    connection.execute("ALTER TABLE annotations ADD COLUMN page INTEGER")
    connection.execute("ALTER TABLE annotations ADD COLUMN region TEXT NOT NULL DEFAULT ''")


def _migrate_to_5(connection: sqlite3.Connection) -> None:
    """Saved searches (saved_searches.py): a name (unique, case ignored), the query as
    typed, its facet filters as a JSON list of clauses, the sort, when it was saved and
    when it was last run (ISO timestamps, UTC, to the microsecond: "new since the last
    run" compares them with the catalog's reading times)."""
    _execute_script(connection, """
        CREATE TABLE saved_searches (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            query TEXT NOT NULL DEFAULT '',
            filters TEXT NOT NULL DEFAULT '[]',
            sort TEXT NOT NULL DEFAULT 'relevance',
            created TEXT NOT NULL,
            last_run TEXT NOT NULL
        )
        """)


def _migrate_to_6(connection: sqlite3.Connection) -> None:
    """Watch-lists (entities/watchlists.py): named lists of entities, each with its
    aliases as a JSON list, in the order the user gave them."""
    _execute_script(connection, """
        CREATE TABLE watchlists (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            color TEXT NOT NULL,
            modified TEXT NOT NULL
        );
        CREATE TABLE watch_entities (
            list_id INTEGER NOT NULL REFERENCES watchlists(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            aliases TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (list_id, position)
        )""")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_migrate_to_1, _migrate_to_2,
                                                           _migrate_to_3, _migrate_to_4,
                                                           _migrate_to_5, _migrate_to_6]
"""MIGRATIONS[n] brings a database from version n to n + 1."""

SCHEMA_VERSION = len(MIGRATIONS)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def now_precise() -> str:
    """Now to the microsecond: a saved search's last run, compared with reading times."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


class UserStore:
    """One connection to the annotation database (use it from one thread at a time)."""

    def __init__(self, db_path: Path, backups_dir: Path):
        self.db_path = db_path
        self.backups_dir = backups_dir
        self.read_only = False
        try:
            self.connection = sqlite3.connect(db_path, timeout=10, isolation_level=None,
                                              check_same_thread=False)
            self.connection.execute("PRAGMA busy_timeout = 10000")
            self.connection.execute("PRAGMA foreign_keys = ON")
            self._migrate()
            self.connection.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as error:
            self._open_read_only(error)
        except sqlite3.DatabaseError as error:
            raise StoreError(f"cannot open {db_path}: {error}") from error

    def _open_read_only(self, cause: Exception) -> None:
        """The home cannot be written (read-only mount, permissions): read, never write."""
        if not self.db_path.exists():
            raise StoreError(f"cannot create {self.db_path}: {cause}") from cause
        self.connection = open_read_only(self.db_path)
        self.connection.isolation_level = None
        self.read_only = True
        if self.version != SCHEMA_VERSION:
            raise StoreError(f"{self.db_path} needs an upgrade but cannot be written: {cause}")

    def close(self) -> None:
        self.connection.close()

    @property
    def version(self) -> int:
        return self.connection.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        version = self.version
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.db_path} was written by a newer Archive App (schema "
                             f"{version}, this version knows {SCHEMA_VERSION}); it is left "
                             "untouched")
        if version == SCHEMA_VERSION:
            return
        if version > 0:
            self.backup(reason=f"before-migration-{version}-to-{SCHEMA_VERSION}")
        for step in range(version, SCHEMA_VERSION):
            with self.transaction():
                MIGRATIONS[step](self.connection)
                self.connection.execute(f"PRAGMA user_version = {step + 1}")

    def transaction(self):
        """`with store.transaction():` one user action, all or nothing."""
        if self.read_only:
            raise StoreError(f"{self.db_path.parent} is read-only: changes cannot be saved "
                             "(searching and reading still work)")
        return _Transaction(self.connection)

    def backup(self, reason: str = "daily") -> Path:
        """Copy the database with SQLite's online backup; keep the newest few copies."""
        self.backups_dir.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.backups_dir / f"annotations-{stamp}-{reason}.sqlite3"
        with sqlite3.connect(target) as copy:
            self.connection.backup(copy)
        copy.close()
        backups = sorted(self.backups_dir.glob("annotations-*.sqlite3"))
        for old in backups[:-KEEP_BACKUPS]:
            old.unlink(missing_ok=True)
        return target

    def daily_backup(self) -> Path | None:
        """A backup at most once a day, taken when the app opens the store."""
        today = time.strftime("%Y%m%d")
        if self.read_only or any(self.backups_dir.glob(f"annotations-{today}-*.sqlite3")):
            return None
        if not self.db_path.exists() or self.db_path.stat().st_size == 0:
            return None
        try:
            return self.backup()
        except (OSError, sqlite3.Error):
            return None  # a full disk must not stop the app from opening

    # -- metadata edits ------------------------------------------------------------------
    def metadata_edits(self, key: str) -> dict[str, str]:
        rows = self.connection.execute(
            "SELECT field, value FROM metadata_edits WHERE doc = ?", (key,))
        return dict(rows.fetchall())

    def all_metadata_edits(self) -> dict[str, dict[str, str]]:
        edits: dict[str, dict[str, str]] = {}
        for doc, name, value in self.connection.execute(
                "SELECT doc, field, value FROM metadata_edits"):
            edits.setdefault(doc, {})[name] = value
        return edits

    def set_metadata_edits(self, key: str, fields: dict[str, str]) -> None:
        """Record the user's values for these fields; an empty value removes that edit."""
        unknown = set(fields) - set(METADATA_FIELDS)
        if unknown:
            raise ValueError(f"not metadata fields: {sorted(unknown)}")
        with self.transaction():
            for name, value in fields.items():
                value = normalise_field(value)
                if value:
                    self.connection.execute(
                        "INSERT INTO metadata_edits(doc, field, value, modified) "
                        "VALUES (?, ?, ?, ?) ON CONFLICT(doc, field) DO UPDATE SET "
                        "value = excluded.value, modified = excluded.modified",
                        (key, name, value, now()))
                else:
                    self.connection.execute(
                        "DELETE FROM metadata_edits WHERE doc = ? AND field = ?", (key, name))

    def rename_document(self, old_key: str, new_key: str) -> None:
        """A moved file keeps the user's work: re-key everything stored under its old key."""
        with self.transaction():
            self.connection.execute("UPDATE OR REPLACE metadata_edits SET doc = ? "
                                    "WHERE doc = ?", (new_key, old_key))
            self.connection.execute("UPDATE annotations SET doc = ? WHERE doc = ?",
                                    (new_key, old_key))


    def move_annotations(self, old_key: str, new_key: str) -> None:
        """A deleted file's annotations go to a copy of its text that stays (its own
        metadata edits do not: they were about that file)."""
        with self.transaction():
            self.connection.execute("UPDATE annotations SET doc = ? WHERE doc = ?",
                                    (new_key, old_key))


class _Transaction:
    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection

    def __enter__(self):
        try:
            self.connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise StoreError(f"your change could not be saved: {error}") from error
        return self.connection

    def __exit__(self, kind, value, traceback):
        if kind is None:
            try:
                self.connection.execute("COMMIT")
            except sqlite3.OperationalError as error:  # disk full, I/O error
                self.connection.execute("ROLLBACK")
                raise StoreError(f"your change could not be saved: {error}") from error
        else:
            self.connection.execute("ROLLBACK")
            if isinstance(value, sqlite3.OperationalError):
                raise StoreError(f"your change could not be saved: {value}") from value
        return False
