"""The fingerprints of every distinct text of the archive, in a derived SQLite file.

`index/connections.sqlite` lies in the derived index: deleting it costs only the time
to fingerprint the texts again (the next sync does it from the catalog's stored text,
without reading a file). One row per distinct text (its sha256): exact copies share it.

- texts: id, sha256, words, signature (NUM_PERM uint32), anchors and their positions;
- bands: (LSH band key, text): which texts a band makes candidates;
- anchors: (anchor hash, text, word position), a table without rowid whose primary key
  is the lookup: which texts hold this anchor, and where.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from archive_app.core.connections.fingerprints import Fingerprint, has_shingles

SCHEMA = """
CREATE TABLE IF NOT EXISTS texts (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    words INTEGER NOT NULL,
    signature BLOB NOT NULL,
    anchors BLOB NOT NULL,
    positions BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS bands (
    band INTEGER NOT NULL,
    text INTEGER NOT NULL,
    PRIMARY KEY (band, text)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS anchors (
    hash INTEGER NOT NULL,
    text INTEGER NOT NULL,
    pos INTEGER NOT NULL,
    PRIMARY KEY (hash, text, pos)
) WITHOUT ROWID;
"""
BATCH_TEXTS = 2_000
_PIVOTS_SQL = ("SELECT hash, MIN(text) AS pivot FROM anchors GROUP BY hash "
               "HAVING COUNT(DISTINCT text) BETWEEN 2 AND ?")
_PAIRS_SQL = (f"WITH pivots AS ({_PIVOTS_SQL}) "
              "SELECT p.pivot, a.text, COUNT(*) AS shared FROM pivots p JOIN anchors a "
              "ON a.hash = p.hash AND a.text <> p.pivot GROUP BY p.pivot, a.text "
              "HAVING COUNT(*) >= ? ORDER BY shared DESC, p.pivot, a.text LIMIT ?")
_PAIR_ANCHORS_SQL = (f"WITH pivots AS ({_PIVOTS_SQL}) "
                     "SELECT p.pivot, first.pos, a.text, a.pos FROM pivots p "
                     "JOIN anchors first ON first.hash = p.hash AND first.text = p.pivot "
                     "JOIN anchors a ON a.hash = p.hash AND a.text <> p.pivot")
FORMAT = "2"
"""Bumped when fingerprints change (shingles, permutations, bands): a store of another
format is emptied and filled again."""


class ConnectionsStore:
    """One connection, used under a lock (searches run on several threads)."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        try:
            self._open()
        except sqlite3.DatabaseError as error:
            if isinstance(error, sqlite3.OperationalError):  # cannot open: not damage
                raise
            with contextlib.suppress(sqlite3.Error, AttributeError):
                self.db.close()
            for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                stale.unlink(missing_ok=True)  # derived: a damaged file is made again
            self._open()

    def _open(self) -> None:
        path = self.path
        self.db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA cache_size=-32768")  # 32 MB: the anchors' B-tree pages
        with self.db:
            self.db.executescript(SCHEMA)
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if str(version) != FORMAT:
                for table in ("texts", "bands", "anchors"):
                    self.db.execute(f"DELETE FROM {table}")
                self.db.execute(f"PRAGMA user_version = {int(FORMAT)}")

    def close(self) -> None:
        """Close the connection; a lock an interrupt left held (Ctrl+C between taking
        it and the block that releases it) does not keep the process from exiting."""
        locked = self._lock.acquire(timeout=5)
        try:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
        finally:
            if locked:
                self._lock.release()

    # -- writing -------------------------------------------------------------------------
    def known(self) -> set[str]:
        with self._lock:
            return {sha for (sha,) in self.db.execute("SELECT sha256 FROM texts")}

    def add(self, fingerprints: Iterable[tuple[str, Fingerprint]]) -> int:
        """Store the fingerprints of new texts, in one transaction; returns how many.

        Band and anchor rows are gathered over BATCH_TEXTS texts and inserted sorted by
        key: B-tree inserts in key order touch each page once, where one text's rows
        (random hashes) would touch a page each (measured: half the cost)."""
        added = 0
        bands: list[tuple[int, int]] = []
        anchors: list[tuple[int, int, int]] = []
        with self._lock, self.db:
            for sha, found in fingerprints:
                if self.db.execute("SELECT 1 FROM texts WHERE sha256 = ?", (sha,)).fetchone():
                    continue
                cursor = self.db.execute(
                    "INSERT INTO texts(sha256, words, signature, anchors, positions) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (sha, found.words, found.signature.tobytes(), found.anchors.tobytes(),
                     found.positions.tobytes()))
                text = cursor.lastrowid
                if has_shingles(found):  # no bands: not similar to every short text
                    bands += [(band, text) for band in found.bands()]
                anchors += zip(found.anchors.tolist(), [text] * len(found.anchors),
                               found.positions.tolist(), strict=True)
                added += 1
                if added % BATCH_TEXTS == 0:
                    self._insert_rows(bands, anchors)
                    bands, anchors = [], []
            self._insert_rows(bands, anchors)
        return added

    def _insert_rows(self, bands: list[tuple[int, int]],
                     anchors: list[tuple[int, int, int]]) -> None:
        bands.sort()
        anchors.sort()
        self.db.executemany("INSERT OR IGNORE INTO bands(band, text) VALUES (?, ?)", bands)
        self.db.executemany("INSERT OR IGNORE INTO anchors(hash, text, pos) VALUES (?, ?, ?)",
                            anchors)

    def remove(self, hashes: Iterable[str]) -> int:
        """Forget texts no document holds any more (their bands and anchors too)."""
        removed = 0
        with self._lock, self.db:
            for sha in hashes:
                row = self.db.execute("SELECT id, signature, anchors, positions FROM texts "
                                      "WHERE sha256 = ?", (sha,)).fetchone()
                if row is None:
                    continue
                text, signature, anchors, positions = row
                found = Fingerprint(0, np.frombuffer(signature, np.uint32),
                                    np.frombuffer(anchors, np.int64),
                                    np.frombuffer(positions, np.int32))
                self.db.executemany("DELETE FROM bands WHERE band = ? AND text = ?",
                                    [(band, text) for band in found.bands()])
                self.db.executemany(
                    "DELETE FROM anchors WHERE hash = ? AND text = ? AND pos = ?",
                    zip(found.anchors.tolist(), [text] * len(found.anchors),
                        found.positions.tolist(), strict=True))
                self.db.execute("DELETE FROM texts WHERE id = ?", (text,))
                removed += 1
        return removed

    # -- reading -------------------------------------------------------------------------
    def fingerprint(self, sha: str) -> tuple[int, Fingerprint] | None:
        with self._lock:
            row = self.db.execute("SELECT id, words, signature, anchors, positions FROM texts "
                                  "WHERE sha256 = ?", (sha,)).fetchone()
        if row is None:
            return None
        text, words, signature, anchors, positions = row
        return text, Fingerprint(words, np.frombuffer(signature, np.uint32),
                                 np.frombuffer(anchors, np.int64),
                                 np.frombuffer(positions, np.int32))

    def candidates(self, text: int, bands: list[int]) -> dict[int, tuple[str, np.ndarray]]:
        """Texts sharing an LSH band with `text`: id -> (sha256, signature)."""
        with self._lock:
            ids = {other for band in bands for (other,) in self.db.execute(
                "SELECT text FROM bands WHERE band = ?", (band,)) if other != text}
            found = {}
            for other in ids:
                sha, signature = self.db.execute(
                    "SELECT sha256, signature FROM texts WHERE id = ?", (other,)).fetchone()
                found[other] = (sha, np.frombuffer(signature, np.uint32))
        return found

    def anchor_postings(self, hashes: list[int], most: int) -> dict[int, list[tuple[int, int]]]:
        """Anchor hash -> (text, position) of each text holding it, for anchors held by
        at most `most` texts (more is boilerplate: a licence, a mail footer)."""
        found: dict[int, list[tuple[int, int]]] = {}
        with self._lock:
            for value in dict.fromkeys(hashes):
                rows = self.db.execute("SELECT text, pos FROM anchors WHERE hash = ? LIMIT ?",
                                       (value, most + 1)).fetchall()
                if 1 < len(rows) <= most:
                    found[value] = rows
        return found

    def pair_counts(self, most_texts: int, least: int, most_pairs: int
                    ) -> tuple[list[tuple[int, int]], bool]:
        """The text pairs the archive-wide report compares: for every anchor at most
        `most_texts` texts hold, its first text paired with each other one (a star), and
        of those pairs the ones sharing at least `least` anchors, most shared first, at
        most `most_pairs`: ((first, other) pairs, whether that was all of them). Counted
        by SQLite, whose temporary B-trees, not this process, hold the millions of
        (pair, anchor) rows of a large archive."""
        with self._reader() as db:
            rows = db.execute(_PAIRS_SQL, (most_texts, least, most_pairs + 1)).fetchall()
        return [(first, other) for first, other, _ in rows[:most_pairs]], \
            len(rows) <= most_pairs

    def pair_anchors(self, most_texts: int):
        """(first text, its position, other text, its position) of every anchor held
        by 2 to `most_texts` texts, streamed (a large archive has millions)."""
        with self._reader() as db:
            yield from db.execute(_PAIR_ANCHORS_SQL, (most_texts,))

    @contextlib.contextmanager
    def _reader(self):
        """A connection of its own for a long read, so searches need not wait for it."""
        db = sqlite3.connect(f"{Path(self.path).absolute().as_uri()}?mode=ro", uri=True,
                             timeout=30)
        try:
            yield db
        finally:
            db.close()

    def sha_of(self, text: int) -> str | None:
        with self._lock:
            row = self.db.execute("SELECT sha256 FROM texts WHERE id = ?", (text,)).fetchone()
        return row[0] if row else None

    def hashes_of(self, texts: set[int]) -> dict[int, str]:
        """Text id -> its sha256, for these ids."""
        found: dict[int, str] = {}
        listed = sorted(texts)
        with self._lock:
            for start in range(0, len(listed), 500):
                chunk = listed[start:start + 500]
                found.update(self.db.execute(
                    f"SELECT id, sha256 FROM texts WHERE id IN ({', '.join('?' * len(chunk))})",
                    chunk).fetchall())
        return found

    def count(self) -> int:
        with self._lock:
            return self.db.execute("SELECT COUNT(*) FROM texts").fetchone()[0]
