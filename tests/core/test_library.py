"""Metadata edits are the user's work: stored in HOME, applied to search, kept on re-index."""

from __future__ import annotations

import json
import os

import pytest

from archive_app.core.export.citation import format_citation
from tests.core.archive_fixtures import KEYS
from tests.core.conftest import keys


def test_edit_applies_to_search_facets_and_citation_at_once(library):
    key = KEYS["accents"]
    library.edit_metadata(key, {"author": "Jane Doe", "source": "Zurich Gazette",
                                "date": "2011-02-03"})
    assert keys(library, 'source:"Zurich Gazette"') == {key}
    assert ("Zurich Gazette", 1) in library.search("cafe").facets["source"]
    assert library.citation(key) == 'Jane Doe. "Café society." Zurich Gazette, 2011-02-03.'
    assert library.search("date:2011").total == 1


def test_clearing_an_edit_restores_what_the_file_said(library):
    key = KEYS["liberty"]
    library.edit_metadata(key, {"source": "Somebody else"})
    library.edit_metadata(key, {"source": ""})
    assert library.document(key).source == "UNAMI"
    assert keys(library, "source:UNAMI") == {key}
    assert keys(library, "source:somebody") == set()


def test_edits_survive_reindexing_a_changed_file(library):
    key = KEYS["accents"]
    library.edit_metadata(key, {"source": "Zurich Gazette"})
    path = library.corpus / "accents.txt"
    path.write_text("Café society\n\nThe society now meets in Basel.", encoding="utf-8")
    os.utime(path, ns=(0, path.stat().st_mtime_ns + 5_000_000_000))
    assert library.sync().updated == 1
    assert keys(library, "basel") == {key}
    assert library.document(key).source == "Zurich Gazette"
    assert keys(library, 'source:"Zurich Gazette"') == {key}


def test_edits_follow_a_moved_file(library):
    library.edit_metadata(KEYS["accents"], {"author": "Jane Doe"})
    (library.corpus / "moved").mkdir()
    (library.corpus / "accents.txt").rename(library.corpus / "moved" / "accents.txt")
    library.sync()
    assert library.document("corpus/moved/accents.txt").author == "Jane Doe"
    assert keys(library, "author:jane") == {"corpus/moved/accents.txt"}


def test_edits_survive_a_rebuild(library):
    library.edit_metadata(KEYS["accents"], {"author": "Jane Doe"})
    library.sync(rebuild=True)
    assert keys(library, "author:jane") == {KEYS["accents"]}


def test_save_as_sidecar_writes_the_effective_metadata(library):
    key = KEYS["accents"]
    library.edit_metadata(key, {"author": "Jane Doe"})
    sidecar = library.save_sidecar(key)
    assert sidecar == library.corpus / "accents.txt.meta.json"
    assert json.loads(sidecar.read_text(encoding="utf-8")) == {
        "title": "Café society", "author": "Jane Doe"}


def test_save_as_sidecar_never_writes_through_a_link_planted_beside_it(library, tmp_path):
    """A hostile folder can hold `accents.txt.meta.json.tmp -> ~/.bashrc`: the sidecar's
    temporary file followed it and overwrote the user's file outside the folder."""
    victim = tmp_path / "outside" / "bashrc"
    victim.parent.mkdir()
    victim.write_text("precious\n", encoding="utf-8")
    os.symlink(victim, library.corpus / "accents.txt.meta.json.tmp")
    library.edit_metadata(KEYS["accents"], {"author": "Jane Doe"})
    sidecar = library.save_sidecar(KEYS["accents"])
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert not sidecar.is_symlink()
    assert json.loads(sidecar.read_text(encoding="utf-8"))["author"] == "Jane Doe"


def test_save_as_sidecar_beside_a_file_whose_name_is_not_utf8(library):
    """The sidecar goes beside the very file: the reader's path shows odd bytes as U+FFFD,
    and writing there crashed (odd folder) or left a stray `caf\ufffd.txt.meta.json` that
    nothing reads (odd file name)."""
    corpus = os.fsencode(library.corpus)
    os.mkdir(os.path.join(corpus, b"sub\xff"))
    for name in (b"caf\xe9.txt", b"sub\xff/inner.txt"):
        with open(os.path.join(corpus, name), "wb") as handle:
            handle.write(b"quokka lives here\n")
    library.sync()
    for key, name in (("corpus/caf\\xe9.txt", b"caf\xe9.txt.meta.json"),
                      ("corpus/sub\\xff/inner.txt", b"sub\xff/inner.txt.meta.json")):
        library.edit_metadata(key, {"author": "Jane Doe"})
        sidecar = library.save_sidecar(key)
        assert os.fsencode(sidecar) == os.path.join(corpus, name)
        with open(os.path.join(corpus, name), encoding="utf-8") as handle:
            assert json.load(handle)["author"] == "Jane Doe"
    assert not [entry for entry in os.listdir(corpus) if b"\xef\xbf\xbd" in entry]
    library.sync()
    assert library.document("corpus/caf\\xe9.txt").author == "Jane Doe"


@pytest.mark.parametrize(("meta", "path", "expected"), [
    ({"author": "A. Writer", "title": "Dam report", "source": "Gazette", "date": "2013-09-01",
      "url": "https://example.org/dam"},
     "", 'A. Writer. "Dam report." Gazette, 2013-09-01. https://example.org/dam.'),
    ({"title": "Dam report"}, "", '"Dam report."'),
    ({"title": "Is it safe?", "source": "Gazette"}, "", '"Is it safe?" Gazette.'),
    ({"title": "Notes", "date": "2013"}, "c/notes.txt", '"Notes." 2013. c/notes.txt.'),
    ({}, "c/x.txt", "c/x.txt."),
    ({"author": "", "title": "", "source": ""}, "", "Untitled document."),
])
def test_citation_leaves_missing_parts_out(meta, path, expected):
    assert format_citation(meta, path) == expected


def test_a_reset_index_says_it_needs_a_sync(app_paths, tmp_path):
    from archive_app.core.indexing.index import INDEX_NAME
    from archive_app.core.library import Library
    from tests.core.archive_fixtures import make_corpus

    library = Library(app_paths)
    library.sync([make_corpus(tmp_path)])
    assert not library.needs_sync
    library.close()
    for toc in app_paths.index_dir.glob(f"_{INDEX_NAME}_*.toc"):
        toc.unlink()  # as after an upgrade of the index format
    library = Library(app_paths)
    try:
        assert library.needs_sync and library.doc_count() == 0
        library.sync()
        assert library.doc_count() == len(KEYS)
    finally:
        library.close()


def test_keys_are_known_by_name_and_by_the_file_they_were_read_from(library):
    assert library.knows(KEYS["ashraf"]) and not library.knows("corpus/nothing.txt")
    assert library.key_for_path(library.corpus / "ashraf.txt") == KEYS["ashraf"]
    assert library.key_for_path(str(library.corpus / "liberty.txt")) == KEYS["liberty"]
    assert library.key_for_path(library.corpus / "nothing.txt") is None
    (library.corpus / "empty.txt").write_text("", encoding="utf-8")
    library.sync()
    assert library.knows("corpus/empty.txt")  # a file it skipped, with its reason
    assert library.key_for_path(library.corpus / "empty.txt") is None  # no document
