"""The user's store: versioned schema, backups, refusal of newer databases, metadata edits."""

from __future__ import annotations

import sqlite3

import pytest

from archive_app.core.annotations import store as store_module
from archive_app.core.annotations.store import SCHEMA_VERSION, StoreError, UserStore


@pytest.fixture
def store(app_paths):
    app_paths.ensure()
    store = UserStore(app_paths.annotations_db, app_paths.backups_dir)
    yield store
    store.close()


def test_new_database_is_at_the_current_version_in_wal_mode(store):
    assert store.version == SCHEMA_VERSION
    assert store.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_metadata_edits_round_trip_and_clear(store):
    store.set_metadata_edits("c/a.txt", {"author": "  Jane   Doe ", "date": "2013-09-01"})
    assert store.metadata_edits("c/a.txt") == {"author": "Jane Doe", "date": "2013-09-01"}
    store.set_metadata_edits("c/a.txt", {"author": ""})
    assert store.metadata_edits("c/a.txt") == {"date": "2013-09-01"}
    with pytest.raises(ValueError):
        store.set_metadata_edits("c/a.txt", {"colour": "red"})


def test_edits_survive_reopening(app_paths, store):
    store.set_metadata_edits("c/a.txt", {"source": "UN News"})
    store.close()
    again = UserStore(app_paths.annotations_db, app_paths.backups_dir)
    try:
        assert again.all_metadata_edits() == {"c/a.txt": {"source": "UN News"}}
    finally:
        again.close()


def test_a_failed_action_changes_nothing(store):
    store.set_metadata_edits("c/a.txt", {"title": "Kept"})
    with pytest.raises(sqlite3.IntegrityError), store.transaction() as connection:
        connection.execute("UPDATE metadata_edits SET value = 'Lost' WHERE doc = 'c/a.txt'")
        connection.execute("INSERT INTO metadata_edits VALUES ('c/a.txt', 'title', 'x', 'y')")
    assert store.metadata_edits("c/a.txt") == {"title": "Kept"}


def test_newer_database_is_refused_and_left_untouched(app_paths, store):
    store.connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    store.close()
    before = app_paths.annotations_db.read_bytes()
    with pytest.raises(StoreError, match="newer Archive App"):
        UserStore(app_paths.annotations_db, app_paths.backups_dir)
    assert app_paths.annotations_db.read_bytes() == before


def test_migration_takes_a_backup_first_and_keeps_the_data(app_paths, store, monkeypatch):
    store.set_metadata_edits("c/a.txt", {"title": "Mine"})
    store.close()

    def add_column(connection):
        connection.execute("ALTER TABLE metadata_edits ADD COLUMN origin TEXT")

    monkeypatch.setattr(store_module, "MIGRATIONS", [*store_module.MIGRATIONS, add_column])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    upgraded = UserStore(app_paths.annotations_db, app_paths.backups_dir)
    try:
        assert upgraded.version == SCHEMA_VERSION + 1
        assert upgraded.metadata_edits("c/a.txt") == {"title": "Mine"}
        backups = list(app_paths.backups_dir.glob("*before-migration*.sqlite3"))
        assert len(backups) == 1
        copy = sqlite3.connect(backups[0])
        assert copy.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert copy.execute("SELECT value FROM metadata_edits").fetchall() == [("Mine",)]
        copy.close()
    finally:
        upgraded.close()


def test_daily_backup_is_taken_at_most_once_a_day(store):
    store.set_metadata_edits("c/a.txt", {"title": "Mine"})
    assert store.daily_backup() is not None
    assert store.daily_backup() is None


def test_moved_document_keeps_its_edits(store):
    store.set_metadata_edits("c/old.txt", {"author": "Jane Doe"})
    store.rename_document("c/old.txt", "c/new/old.txt")
    assert store.metadata_edits("c/new/old.txt") == {"author": "Jane Doe"}
    assert store.metadata_edits("c/old.txt") == {}
