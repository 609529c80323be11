"""Derived bookkeeping beside the Whoosh index: corpus roots, file signatures, texts, skips.

It lives in HOME/index/ because everything in it can be rebuilt from the corpus. It lets
an unchanged re-scan compare stat signatures without opening a single document, and it
keeps each document's normalised text (zlib-compressed) so snippets, the reader and
re-anchoring never re-parse a PDF. It also knows when each document last changed
(`indexed`): what a saved search counts as new since it was last run.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from archive_app.core.indexing.names import from_sql, key_text, shown, to_sql

SCHEMA_VERSION = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    key TEXT PRIMARY KEY,           -- root name + '/' + corpus-relative POSIX path
    root TEXT NOT NULL,
    path TEXT NOT NULL,             -- absolute file path (a BLOB of its bytes if not UTF-8)
    signature TEXT NOT NULL,        -- stat signature; equal means unchanged
    sha256 TEXT,                    -- NULL for a skipped file
    skip_code TEXT,                 -- NULL for an indexed file
    skip_reason TEXT,
    file_key TEXT                   -- a member's container file; NULL for a file on disk
);
CREATE INDEX IF NOT EXISTS files_root ON files(root);
CREATE INDEX IF NOT EXISTS files_file_key ON files(file_key);
CREATE INDEX IF NOT EXISTS files_sha ON files(sha256);
CREATE TABLE IF NOT EXISTS texts (
    key TEXT PRIMARY KEY,
    text BLOB NOT NULL,             -- zlib of the UTF-8 normalised text
    page_starts TEXT NOT NULL,      -- JSON list of page start offsets
    metadata TEXT NOT NULL DEFAULT '{}', -- JSON: what the file (+ sidecar, catalog.csv) said
    about TEXT NOT NULL DEFAULT '{}'     -- JSON: format, parent, place, details (members, mail)
);
CREATE TABLE IF NOT EXISTS listing (   -- what a browse row shows, apart from the text:
    key TEXT PRIMARY KEY,              -- reading `texts` for it walks every text's pages
    title TEXT, author TEXT, source TEXT, date TEXT, lang TEXT,
    format TEXT,                       -- a member's (a file's comes from its suffix)
    place TEXT,
    pages INTEGER                      -- page count, 0 without pages
);
CREATE TABLE IF NOT EXISTS indexed (   -- when each document's text or file metadata changed:
    key TEXT PRIMARY KEY,              -- a saved search's "new since its last run"
    fingerprint TEXT NOT NULL,         -- blake2b of the text and the metadata its file gave
    at REAL NOT NULL                   -- Unix time of the reading that found it new or changed
);
CREATE INDEX IF NOT EXISTS indexed_at ON indexed(at);
"""
_STAMP = """INSERT INTO indexed(key, fingerprint, at) VALUES (?, ?, ?)
    ON CONFLICT(key) DO UPDATE SET fingerprint = excluded.fingerprint, at = excluded.at
    WHERE indexed.fingerprint != excluded.fingerprint"""
"""A document read again keeps its time unless what it says changed (a touched file, a
rebuild, an index format upgrade read the same text again: nothing new to see)."""
_FILL_LISTING = """INSERT OR REPLACE INTO listing
    SELECT key, json_extract(metadata, '$.title'), json_extract(metadata, '$.author'),
           json_extract(metadata, '$.source'), json_extract(metadata, '$.date'),
           json_extract(metadata, '$.lang'), json_extract(about, '$.format'),
           json_extract(about, '$.place'), json_array_length(page_starts) FROM texts"""
"""A catalog made before the listing table gets it filled once from its texts."""


def open_read_only(db_path: Path) -> sqlite3.Connection:
    """Open a database on read-only media: no lock, no journal files can be created there."""
    if not db_path.exists():
        raise sqlite3.OperationalError(f"{db_path} does not exist")
    return sqlite3.connect(f"file:{db_path}?mode=ro&immutable=1", uri=True,
                           check_same_thread=False)


@dataclass(frozen=True)
class FileRecord:
    key: str
    root: str
    path: str
    signature: str
    sha256: str | None
    skip_code: str | None
    skip_reason: str | None
    file_key: str | None = None
    """For a member of a container or message: the key of the file on disk it came from."""


StoredRow = tuple[FileRecord, str, list[int], dict, dict]
"""A document as the catalog keeps it: record, text, page starts, metadata, about."""


@dataclass(frozen=True)
class Root:
    name: str
    path: Path
    ocr: str = ""
    """The folder's OCR setting: '' (on; the language from the script Tesseract sees),
    "off", or Tesseract languages such as "fas" or "eng+ara"."""


class Catalog:
    """One SQLite connection to the catalog; used by one thread at a time."""

    def __init__(self, db_path: Path, roots_file: Path):
        self.db_path = db_path
        self.roots_file = roots_file
        self.read_only = False
        try:
            self.connection = sqlite3.connect(db_path, timeout=30, check_same_thread=False)
            self.connection.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError:
            # a read-only home (mounted read-only, no permission): search still works
            self.connection = open_read_only(db_path)
            self.read_only = True
            return
        self.connection.execute("PRAGMA synchronous=NORMAL")
        version = self.connection.execute("PRAGMA user_version").fetchone()[0]
        had_listing = self.has_listing()
        with self.connection:
            if version != SCHEMA_VERSION:  # derived data: start over, the next sync refills
                self.connection.executescript(
                    "DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS texts; "
                    "DROP TABLE IF EXISTS listing;")
            self.connection.executescript(_SCHEMA)
            if version == SCHEMA_VERSION and not had_listing:
                self.connection.execute(_FILL_LISTING)
            self.connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def has_listing(self) -> bool:
        """Whether this catalog has the browse columns table (a read-only catalog made
        before it does not; browse.py then reads the texts table instead)."""
        return self.connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'listing'"
        ).fetchone() is not None

    def close(self) -> None:
        self.connection.close()

    # -- roots -------------------------------------------------------------------------
    # The list of corpus folders is the user's choice, not derived data: it lives in
    # HOME/roots.json, outside the index folder, so deleting a damaged index keeps it.
    def roots(self) -> list[Root]:
        try:
            data = json.loads(self.roots_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as error:
            raise sqlite3.DatabaseError(f"cannot read {self.roots_file}: {error}") from error
        return [Root(item["name"], Path(item["path"]), str(item.get("ocr") or ""))
                for item in data]

    def add_root(self, folder: Path) -> Root:
        """Register a corpus folder, naming it after the folder (made unique if needed)."""
        folder = folder.resolve()
        roots = self.roots()
        for root in roots:
            if root.path == folder:
                return root
        taken = {root.name for root in roots}
        base = key_text(folder.name) or "corpus"  # keys must be valid UTF-8 everywhere
        name, counter = base, 2
        while name in taken:
            name, counter = f"{base}-{counter}", counter + 1
        roots.append(Root(name, folder))
        self._write_roots(roots)
        return roots[-1]

    def set_ocr(self, name: str, setting: str) -> Root:
        """Change a folder's OCR setting (see Root.ocr); the caller re-reads its scans."""
        roots = self.roots()
        changed = [Root(r.name, r.path, setting) if r.name == name else r for r in roots]
        self._write_roots(changed)
        return next(r for r in changed if r.name == name)

    def remove_root(self, name: str) -> list[str]:
        """Forget a corpus folder: its files' records and texts, then its roots.json entry.

        Returns the keys that were indexed (not skipped). The rows go first, in one
        transaction, so a crash leaves at worst a known folder with nothing recorded, which
        the next sync simply reads again.
        """
        indexed = [key for key, record in self.files_of_root(name).items()
                   if record.skip_code is None]
        with self.connection:
            self.connection.execute("DELETE FROM texts WHERE key IN "
                                    "(SELECT key FROM files WHERE root = ?)", (name,))
            self.connection.execute("DELETE FROM listing WHERE key IN "
                                    "(SELECT key FROM files WHERE root = ?)", (name,))
            self.connection.execute("DELETE FROM indexed WHERE key IN "
                                    "(SELECT key FROM files WHERE root = ?)", (name,))
            self.connection.execute("DELETE FROM files WHERE root = ?", (name,))
        self._write_roots([root for root in self.roots() if root.name != name])
        return indexed

    def _write_roots(self, roots: list[Root]) -> None:
        data = [{"name": r.name, "path": str(r.path), **({"ocr": r.ocr} if r.ocr else {})}
                for r in roots]
        temporary = self.roots_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=2), encoding="utf-8")
        os.replace(temporary, self.roots_file)

    # -- files -------------------------------------------------------------------------
    def files_of_root(self, root: str) -> dict[str, FileRecord]:
        """The files on disk recorded for a folder (not the members read from them)."""
        rows = self.connection.execute(
            f"SELECT {_COLUMNS} FROM files WHERE root = ? AND file_key IS NULL",
            (to_sql(root),))
        records = (_file_record(row) for row in rows)
        return {record.key: record for record in records}

    def files_under(self, root: str, keys: list[str]) -> dict[str, FileRecord]:
        """The files on disk recorded at each of `keys` or below it (`key/...`): what a
        targeted sync (index.sync_paths) compares with the disk. Two range reads of the
        primary key per key, so the cost is that of the rows found, not of the folder."""
        found: dict[str, FileRecord] = {}
        for key in keys:
            rows = list(self.connection.execute(
                f"SELECT {_COLUMNS} FROM files WHERE key = ?", (to_sql(key),)))
            rows += self.connection.execute(
                f"SELECT {_COLUMNS} FROM files WHERE key >= ? AND key < ?",
                (to_sql(key + "/"), to_sql(key + "0")))  # '0' follows '/' in every encoding
            for row in rows:
                record = _file_record(row)
                if record.root == root and record.file_key is None:
                    found[record.key] = record
        return found

    def files_starting(self, root: str, prefix: str) -> list[FileRecord]:
        """The files on disk whose key starts with `prefix` (a sidecar's documents:
        `corpus/report.` for `report.meta.json`), by a range read of the primary key."""
        rows = self.connection.execute(
            f"SELECT {_COLUMNS} FROM files WHERE key >= ? AND key < ?",
            (to_sql(prefix), to_sql(prefix + "\U0010ffff")))
        return [record for record in map(_file_record, rows)
                if record.root == root and record.file_key is None]

    def member_keys_of(self, file_keys: list[str]) -> set[str]:
        """The keys of the documents read from the members of these files (their
        `file_key` index), for a sync that looks at a few files only."""
        found: set[str] = set()
        for start in range(0, len(file_keys), 500):
            chunk = [to_sql(key) for key in file_keys[start:start + 500]]
            marks = ", ".join("?" * len(chunk))
            found.update(from_sql(key) for (key,) in self.connection.execute(
                f"SELECT key FROM files WHERE file_key IN ({marks})", chunk))
        return found

    def member_keys(self, root: str) -> set[str]:
        """The keys of every document read from a member of a file of this folder."""
        return {from_sql(key) for (key,) in self.connection.execute(
            "SELECT key FROM files WHERE root = ? AND file_key IS NOT NULL", (to_sql(root),))}

    def mark_unread(self, root: str, wanted) -> int:
        """Make the next sync read again the files of a folder for which `wanted(path)`
        is true (their signature is forgotten; their documents stay until then).
        Returns how many files that is."""
        keys = [(to_sql(record.key),) for record in self.files_of_root(root).values()
                if wanted(record.path)]
        with self.connection:
            self.connection.executemany("UPDATE files SET signature = '-' WHERE key = ?", keys)
        return len(keys)

    def record(self, key: str) -> FileRecord | None:
        row = self.connection.execute(
            f"SELECT {_COLUMNS} FROM files WHERE key = ?", (to_sql(key),)).fetchone()
        return _file_record(row) if row else None

    def store_texts(self, items: Iterable[tuple]) -> None:
        """Save (key, text, page_starts, metadata[, about]) before the index commit using
        them; `about` is a member's or a message's format, parent, place and details."""
        items = list(items)
        stamp = time.time()
        rows, stamps = [], []
        for key, text, pages, metadata, *about in items:
            data = _utf8(text)
            metadata_json = shown(json.dumps(metadata, ensure_ascii=False))
            rows.append((to_sql(key), zlib.compress(data, 1), json.dumps(pages), metadata_json,
                         shown(json.dumps(about[0] if about else {}, ensure_ascii=False))))
            stamps.append((to_sql(key), _fingerprint(data, metadata_json), stamp))
        with self.connection:
            self.connection.executemany(
                "INSERT OR REPLACE INTO texts(key, text, page_starts, metadata, about) "
                "VALUES (?, ?, ?, ?, ?)", rows)
            self.connection.executemany(_STAMP, stamps)
            self.connection.executemany(
                "INSERT OR REPLACE INTO listing VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(to_sql(key), *(shown(str(metadata.get(name) or "")) for name in
                                 ("title", "author", "source", "date", "lang")),
                  (about[0] if about else {}).get("format"),
                  shown((about[0] if about else {}).get("place") or "") or None, len(pages))
                 for key, _text, pages, metadata, *about in items])

    def about(self, key: str) -> dict | None:
        """What store_texts kept of a document beyond its metadata (see `about`)."""
        row = self.connection.execute(
            "SELECT about FROM texts WHERE key = ?", (to_sql(key),)).fetchone()
        return json.loads(row[0]) if row else None

    def stored_documents(self, keys: list[str], chunk: int = 500) -> Iterator[StoredRow]:
        """(record, text, page starts, metadata, about) of each of `keys` that has both
        a files row and a text, in the order of `keys`: what `record`, `text`,
        `file_metadata` and `about` give one key at a time, read with one query per
        `chunk` keys (a watch-list names thousands of documents; four queries each
        was most of the time of its refresh). Yields a chunk at a time, so memory holds
        a few hundred texts, not every text named."""
        for start in range(0, len(keys), chunk):
            part = keys[start:start + chunk]
            marks = ", ".join("?" * len(part))
            rows = self.connection.execute(
                f"SELECT {_JOINED_COLUMNS}, t.text, t.page_starts, t.metadata, t.about "
                f"FROM files AS f JOIN texts AS t ON t.key = f.key WHERE f.key IN ({marks})",
                [to_sql(key) for key in part]).fetchall()
            found = {}
            for row in rows:
                record = _file_record(row[:8])
                text, pages, metadata, about = row[8:]
                found[record.key] = record, zlib.decompress(text).decode("utf-8"), \
                    json.loads(pages), json.loads(metadata), json.loads(about)
            for key in dict.fromkeys(part):
                if key in found:
                    yield found.pop(key)

    def file_metadata(self, key: str) -> dict[str, str] | None:
        """The metadata the file itself gave, before the user's edits."""
        row = self.connection.execute(
            "SELECT metadata FROM texts WHERE key = ?", (to_sql(key),)).fetchone()
        return json.loads(row[0]) if row else None

    def store_files(self, records: Iterable[FileRecord]) -> None:
        """Record signatures after the index commit, so a crash means 're-read', never 'lost'.

        A file's members are recorded with it; those an earlier reading of the same file
        had and this one has not (a member deleted from the zip) go in the same
        transaction, so their rows never outlive the index entries the commit removed."""
        records = list(records)
        files = [to_sql(r.key) for r in records if r.file_key is None]
        kept = {to_sql(r.key) for r in records}
        with self.connection:
            any_members = self.connection.execute(
                "SELECT 1 FROM files WHERE file_key IS NOT NULL LIMIT 1").fetchone()
            stale = [(key,) for file_key in (files if any_members else ())
                     for (key,) in self.connection.execute(
                         "SELECT key FROM files WHERE file_key = ?", (file_key,))
                     if key not in kept]
            self.connection.executemany("DELETE FROM files WHERE key = ?", stale)
            self.connection.executemany("DELETE FROM texts WHERE key = ?", stale)
            self.connection.executemany("DELETE FROM listing WHERE key = ?", stale)
            self.connection.executemany("DELETE FROM indexed WHERE key = ?", stale)
            self.connection.executemany(
                "INSERT OR REPLACE INTO files(key, root, path, signature, sha256, skip_code, "
                "skip_reason, file_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(to_sql(r.key), to_sql(r.root), to_sql(r.path), r.signature, r.sha256,
                  r.skip_code, shown(r.skip_reason) if r.skip_reason else r.skip_reason,
                  to_sql(r.file_key) if r.file_key else None)
                 for r in records])

    def forget(self, keys: Iterable[str]) -> None:
        """Forget files (and every member read from them)."""
        keys = [to_sql(key) for key in keys]
        with self.connection:
            for key in keys:
                members = [row for row in self.connection.execute(
                    "SELECT key FROM files WHERE file_key = ?", (key,))]
                self.connection.executemany("DELETE FROM texts WHERE key = ?", members)
                self.connection.executemany("DELETE FROM listing WHERE key = ?", members)
                self.connection.executemany("DELETE FROM indexed WHERE key = ?", members)
                self.connection.execute("DELETE FROM files WHERE file_key = ?", (key,))
            for table in ("files", "texts", "listing", "indexed"):
                self.connection.executemany(f"DELETE FROM {table} WHERE key = ?",
                                            [(k,) for k in keys])

    def clear(self) -> None:
        """Forget every file and text (a rebuild, a new index). The reading times stay:
        the same text read again keeps its time (`_STAMP`), so a rebuild does not make
        every document new to the saved searches; `prune_indexed` drops the rest after."""
        with self.connection:
            self.connection.execute("DELETE FROM files")
            self.connection.execute("DELETE FROM texts")
            self.connection.execute("DELETE FROM listing")

    def prune_indexed(self) -> None:
        """Drop the reading times of documents no longer here (after a full rebuild)."""
        with self.connection:
            self.connection.execute(
                "DELETE FROM indexed WHERE key NOT IN (SELECT key FROM texts)")

    def indexed_since(self, moment: float) -> dict[str, float]:
        """Key -> reading time of every document that is new or changed after `moment`
        (Unix time), in one range scan of the times; {} for a read-only catalog made
        before the times were kept."""
        try:
            rows = self.connection.execute(
                "SELECT key, at FROM indexed WHERE at > ?", (moment,)).fetchall()
        except sqlite3.OperationalError:  # no such table: an older read-only catalog
            return {}
        return {from_sql(key): at for key, at in rows}

    def put_indexed_rows(self, rows: list[tuple]) -> None:
        """Rows of another catalog's `indexed`, as stored (a repair carries them over)."""
        with self.connection:
            self.connection.executemany(
                "INSERT OR REPLACE INTO indexed(key, fingerprint, at) VALUES (?, ?, ?)", rows)

    def hashes(self, keys: list[str] | None = None) -> dict[str, str]:
        """Every indexed document's current text hash, in one query (or those of `keys`,
        by their primary key: a targeted sync re-anchors only what it changed)."""
        if keys is None:
            return {from_sql(key): sha for key, sha in self.connection.execute(
                "SELECT key, sha256 FROM files WHERE skip_code IS NULL AND sha256 IS NOT NULL")}
        found = {}
        for start in range(0, len(keys), 500):
            chunk = [to_sql(key) for key in keys[start:start + 500]]
            marks = ", ".join("?" * len(chunk))
            found.update((from_sql(key), sha) for key, sha in self.connection.execute(
                f"SELECT key, sha256 FROM files WHERE key IN ({marks}) AND skip_code IS NULL "
                "AND sha256 IS NOT NULL", chunk))
        return found

    def keys_with_hash(self, sha256: str) -> list[tuple[str, str]]:
        """(key, path) of every indexed document whose text has this hash: its exact
        copies (files and members alike), in key order."""
        return [(from_sql(key), shown(from_sql(path))) for key, path in self.connection.execute(
            "SELECT key, path FROM files WHERE sha256 = ? AND skip_code IS NULL "
            "ORDER BY key", (sha256,))]

    def keys_with_hashes(self, hashes: set[str]) -> dict[str, str]:
        """key -> hash of every indexed document whose text has one of `hashes`."""
        found: dict[str, str] = {}
        listed = sorted(hashes)
        for start in range(0, len(listed), 500):
            chunk = listed[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            found.update((from_sql(key), sha) for key, sha in self.connection.execute(
                f"SELECT key, sha256 FROM files WHERE sha256 IN ({marks}) "
                "AND skip_code IS NULL", chunk))
        return found

    def key_for_path(self, path: str) -> str | None:
        """The key of an indexed file at this absolute path, if any."""
        row = self.connection.execute(
            "SELECT key FROM files WHERE path = ? AND skip_code IS NULL",
            (to_sql(path),)).fetchone()
        return from_sql(row[0]) if row else None

    def text(self, key: str) -> tuple[str, list[int]] | None:
        row = self.connection.execute(
            "SELECT text, page_starts FROM texts WHERE key = ?", (to_sql(key),)).fetchone()
        if row is None:
            return None
        return zlib.decompress(row[0]).decode("utf-8"), json.loads(row[1])

    def page_starts(self, key: str) -> list[int]:
        """A document's page boundaries without its text ([] without pages)."""
        row = self.connection.execute(
            "SELECT page_starts FROM texts WHERE key = ?", (to_sql(key),)).fetchone()
        return json.loads(row[0]) if row else []

    def skipped(self) -> list[FileRecord]:
        rows = self.connection.execute(
            f"SELECT {_COLUMNS} FROM files WHERE skip_code IS NOT NULL ORDER BY path")
        return [_file_record(row) for row in rows]


_COLUMNS = "key, root, path, signature, sha256, skip_code, skip_reason, file_key"
_JOINED_COLUMNS = ", ".join(f"f.{name}" for name in _COLUMNS.split(", "))


def _file_record(row: tuple) -> FileRecord:
    """A files row as a record: a non-UTF-8 key, root or path comes back as the exact str
    (with surrogates) it was stored from, so the path opens the very file again."""
    key, root, path, signature, sha256, code, reason, file_key = row
    return FileRecord(from_sql(key), from_sql(root), from_sql(path), signature, sha256,
                      code, reason, from_sql(file_key) if file_key else None)


def _fingerprint(text: bytes, metadata_json: str) -> str:
    """What tells a changed document from one read again unchanged."""
    digest = hashlib.blake2b(text, digest_size=16)
    digest.update(b"\0" + metadata_json.encode("utf-8", "replace"))
    return digest.hexdigest()


def _utf8(text: str) -> bytes:
    """Text as UTF-8; a lone surrogate that slipped past normalisation becomes U+FFFD."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return shown(text).encode("utf-8")
