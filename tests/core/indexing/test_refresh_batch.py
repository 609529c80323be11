"""A refresh of many documents (a watch-list that names most of the archive) reads the
catalog and the user's store a few hundred keys a query, not per key, and leaves the
index exactly as a refresh of each document one at a time did: the same fields, members
kept, no document twice."""

from __future__ import annotations

import zipfile

import pytest

import archive_app.core.indexing.index as index_module
from archive_app.core.entities.watchlists import Entity
from archive_app.core.indexing.index import USER_FIELDS_PER_KEY_BELOW, iter_keys
from archive_app.core.library import Library
from tests.conftest import write_files

DOCS = 150  # more than a catalog query's chunk would be in a test, and past the threshold
assert DOCS > 2 * USER_FIELDS_PER_KEY_BELOW


@pytest.fixture
def library(app_paths, tmp_path):
    files = {f"notes/n{number:03d}.txt": f"Note {number}\n\nThe envoy met Ashraf residents on "
             f"day {number}; call ann{number}@example.org." for number in range(DOCS)}
    corpus = write_files(tmp_path / "corpus", files)
    with zipfile.ZipFile(corpus / "bundle.zip", "w") as bundle:
        bundle.writestr("readme.txt", "Bundle readme\n\nThe envoy left a note for Ashraf.")
        bundle.writestr("finance/q3.txt", "Quarter three\n\nIncome rose in Ashraf.")
    library = Library(app_paths)
    library.sync([corpus])
    yield library
    library.close()


def contents(library: Library) -> dict:
    """Everything a search sees of the index, by document key (not docnum): each
    field's terms with their documents and positions, and every stored field."""
    searcher = library._index.engine.reference_searcher()
    reader = searcher.reader()
    key_of = {docnum: fields["key"] for docnum, fields in reader.iter_docs()}
    postings = {}
    for fieldname, text in reader.all_terms():
        matcher = reader.postings(fieldname, text)
        found = []
        while matcher.is_active():
            value = (matcher.value_as("positions") if matcher.supports("positions")
                     else None)
            found.append((key_of[matcher.id()], round(matcher.weight(), 3), value))
            matcher.next()
        if found:  # a term of deleted documents only is not seen
            postings[(fieldname, text)] = sorted(found)
    stored = sorted(sorted(fields.items()) for _, fields in reader.iter_docs())
    return {"postings": postings, "stored": stored, "count": reader.doc_count()}


def statements(connection, action) -> list[str]:
    """The SQL statements `action` runs on this (real) SQLite connection."""
    seen: list[str] = []
    connection.set_trace_callback(seen.append)
    try:
        action()
    finally:
        connection.set_trace_callback(None)
    return seen


def test_a_batch_refresh_reads_the_catalog_a_chunk_at_a_time(library):
    keys = sorted(iter_keys(library._index))
    assert len(keys) == DOCS + 3  # the notes, the zip and its two members
    catalog = library._index.catalog.connection
    seen = statements(catalog, lambda: library._index.refresh_documents(keys))
    # one catalog query per 500 keys (four per key before: 612 here)
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 1
    store = statements(library._store.connection,
                       lambda: library._index.refresh_documents(keys))
    assert len(store) <= 4  # which keys have user fields: none here (two per key before)


@pytest.mark.parametrize("step", [5_000, 7], ids=["one step", "steps of 7"])
def test_a_list_that_names_every_document_gives_the_index_a_rebuild_gives(
        library, step, monkeypatch):
    """The index after a batch refresh from stored text is the one a rebuild from the
    files makes: the same terms, positions, weights and stored fields (user fields and
    entities included), nothing lost, nothing twice; in one commit or in steps."""
    monkeypatch.setattr(index_module, "REFRESH_STEP_DOCS", step)
    notes = sorted(key for key in iter_keys(library._index) if "/notes/" in key)
    library.annotate_document(notes[3], ["people/witnesses"], "seen at the gate")
    library.edit_metadata(notes[5], {"title": "Corrected title", "author": "Cara Clerk"})
    entities = [Entity("Ashraf", ("ASHRAF",)), Entity("envoy", ())]
    with library._store_lock:  # the list in the store, the index not yet refreshed
        library._watchlists.save("People", entities)
        library._entity_specs = None
    keys = sorted(iter_keys(library._index))
    library._index.refresh_documents(keys + keys[:7])  # some named twice
    refreshed = contents(library)
    assert refreshed["count"] == DOCS + 3
    assert {hit.key for hit in library.search("entity:ashraf", limit=500).hits} == set(
        keys) - {"corpus/bundle.zip"}  # a container's own text is empty
    assert [hit.key for hit in library.search("tag:witnesses").hits] == [notes[3]]
    assert [hit.key for hit in library.search('title:"corrected title"').hits] == [notes[5]]
    library.sync(rebuild=True)
    assert refreshed == contents(library)


def test_refreshing_a_container_keeps_its_members(library):
    """A refresh rewrites the documents it names only: a zip's entry, not the entries
    of the members read from it (which a sync's delete_keys would take with it)."""
    members = sorted(key for key in iter_keys(library._index) if "//" in key)
    assert len(members) == 2
    container = members[0].split("//")[0]
    before = library._index.doc_count()
    library._index.refresh_documents([container])
    assert library._index.doc_count() == before
    assert {hit.key for hit in library.search("income", limit=10).hits} == {
        key for key in members if key.endswith("q3.txt")}


def test_a_saved_list_refreshes_each_named_document_once(library):
    saved = library.save_watchlist("People", [Entity("Ashraf", ())])
    assert [entity.name for entity in saved.entities] == ["Ashraf"]
    assert library.search("entity:ashraf", limit=1).total == DOCS + 2  # the zip has none
    assert library._index.doc_count() == DOCS + 3
    library.delete_watchlist("People")
    assert library.search("entity:ashraf", limit=1).total == 0
    assert library._index.doc_count() == DOCS + 3
