"""Exact copies: files with the same text are one result ("3 copies" with their paths),
counted once; annotations belong to the text, so every copy shows them and is found by
their tags; a setting shows the copies separately."""

from __future__ import annotations

import json
import zipfile

import pytest

from archive_app.core.indexing.model import index_fields
from archive_app.core.ingest.documents import Document, content_hash
from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from archive_app.core.search.searcher import Searcher
from tests.conftest import write_files

ARTICLE = ("Camp Ashraf was attacked on 1 September 2013. Residents reported many "
           "casualties near the main gate, and the United Nations asked for an inquiry.\n")
OTHER = "Another report on Camp Ashraf and its gate, written by somebody else.\n"


def sidecar(date: str, source: str) -> str:
    return json.dumps({"date": date, "source": source})


@pytest.fixture
def corpus(tmp_path):
    folder = write_files(tmp_path / "c", {
        "outlet-a/article.txt": ARTICLE,
        "outlet-a/article.txt.meta.json": sidecar("2013-09-02", "Outlet A"),
        "outlet-b/reprint.txt": ARTICLE,
        "outlet-b/reprint.txt.meta.json": sidecar("2013-09-05", "Outlet B"),
        "other.txt": OTHER,
    })
    with zipfile.ZipFile(folder / "leak.zip", "w") as archive:  # a member is a copy too
        archive.writestr("mail/forwarded.txt", ARTICLE)
    return folder


@pytest.fixture
def library(tmp_path, corpus):
    library = Library(AppPaths(tmp_path / "home"))
    library.sync([corpus])
    yield library
    library.close()


def keys(results) -> list[str]:
    return sorted(hit.key for hit in results.hits)


def the_copy(results):
    return next(hit for hit in results.hits if hit.key != "c/other.txt")


def test_copies_are_one_result_that_names_every_path(library, corpus):
    results = library.search("ashraf")
    assert results.total == 2 and len(results.hits) == 2
    shown = the_copy(results)
    assert shown.copy_count == 3
    paths = sorted([shown.path, *(path for _, path in shown.copies)])
    assert paths == sorted([str(corpus / "outlet-a/article.txt"),
                            str(corpus / "outlet-b/reprint.txt"), str(corpus / "leak.zip")])
    assert sorted(key for key, _ in library.copies(shown.key)) == sorted(
        {"c/outlet-a/article.txt", "c/outlet-b/reprint.txt", "c/leak.zip//mail/forwarded.txt"}
        - {shown.key})
    unique = next(hit for hit in results.hits if hit.key == "c/other.txt")
    assert unique.copy_count == 1 and unique.copies == []


def test_the_setting_shows_each_copy_as_a_result(library):
    results = library.search("ashraf", copies="separate")
    assert results.total == 4
    assert keys(results) == ["c/leak.zip//mail/forwarded.txt", "c/other.txt",
                             "c/outlet-a/article.txt", "c/outlet-b/reprint.txt"]
    assert all(hit.copy_count == 3 for hit in results.hits if hit.key != "c/other.txt")


def test_facets_and_timeline_count_the_text_once(library):
    collapsed = library.search("inquiry")
    assert collapsed.total == 1
    assert sum(count for _, count in collapsed.facets["format"]) == 1
    assert sum(bucket.count for bucket in collapsed.timeline.buckets) \
        + collapsed.timeline.undated == 1
    separate = library.search("inquiry", copies="separate")
    assert separate.total == 3
    assert sum(count for _, count in separate.facets["format"]) == 3


def test_a_date_sort_shows_the_copy_its_order_puts_first(library):
    newest = library.search("inquiry", sort="newest")
    oldest = library.search("inquiry", sort="oldest")
    assert [hit.key for hit in newest.hits] == ["c/outlet-b/reprint.txt"]
    assert [hit.key for hit in oldest.hits] in (["c/outlet-a/article.txt"],
                                                ["c/leak.zip//mail/forwarded.txt"])
    # the undated member sorts last when oldest first: the dated first copy is shown
    assert oldest.hits[0].date == "2013-09-02"


def test_the_reference_path_cuts_the_same_copies(library):
    reference = Searcher(library._index, set_evaluation=False)
    for query in ("ashraf", "inquiry OR somebody", "gate"):
        for sort in ("relevance", "newest", "oldest"):
            ours = library.searcher().search(query, limit=10, sort=sort)
            theirs = reference.search(query, limit=10, sort=sort)
            assert [h.key for h in ours.hits] == [h.key for h in theirs.hits], (query, sort)
            assert ours.total == theirs.total
            assert ours.facets == theirs.facets


def test_a_tag_on_one_copy_shows_on_every_copy(library):
    start = ARTICLE.index("casualties")
    library.annotate("c/outlet-a/article.txt", start, start + len("casualties"), ["victims"],
                     note="count them")
    for key in ("c/outlet-b/reprint.txt", "c/leak.zip//mail/forwarded.txt"):
        shown = library.annotations_for(key)
        assert [(a.start, a.tags, a.note) for a in shown] == [
            (start, ["victims"], "count them")]
        assert library.hit_spans("tag:victims", key) == [(start, start + len("casualties"))]
    assert library.search("tag:victims").total == 1
    assert keys(library.search("tag:victims", copies="separate")) == [
        "c/leak.zip//mail/forwarded.txt", "c/outlet-a/article.txt", "c/outlet-b/reprint.txt"]
    assert keys(library.search("note:count", copies="separate")) == [
        "c/leak.zip//mail/forwarded.txt", "c/outlet-a/article.txt", "c/outlet-b/reprint.txt"]
    assert library.annotations_for("c/other.txt") == []
    # removing it from any copy removes it from all
    library.delete_annotation(library.annotations_for("c/outlet-b/reprint.txt")[0].id)
    assert library.search("tag:victims", copies="separate").total == 0


def test_a_new_copy_takes_the_tags_and_an_edited_copy_drops_them(library, corpus):
    start = ARTICLE.index("gate")
    library.annotate("c/outlet-a/article.txt", start, start + 4, ["entrance"])
    (corpus / "third.txt").write_text(ARTICLE, encoding="utf-8")
    library.sync([corpus])
    assert "c/third.txt" in keys(library.search("tag:entrance", copies="separate"))
    assert library.annotations_for("c/third.txt")[0].tags == ["entrance"]
    (corpus / "outlet-b/reprint.txt").write_text(ARTICLE + "A correction.\n", encoding="utf-8")
    library.sync([corpus])
    found = keys(library.search("tag:entrance", copies="separate"))
    assert "c/outlet-b/reprint.txt" not in found and "c/third.txt" in found
    assert library.annotations_for("c/outlet-b/reprint.txt") == []
    assert library.search("correction").hits[0].copy_count == 1


def test_when_copies_are_deleted_the_last_one_stands_alone(library, corpus):
    (corpus / "outlet-b/reprint.txt").unlink()
    (corpus / "leak.zip").unlink()
    library.sync([corpus])
    shown = library.search("inquiry")
    assert shown.total == 1 and shown.hits[0].key == "c/outlet-a/article.txt"
    assert shown.hits[0].copies == []


def test_documents_without_text_are_not_copies_of_each_other():
    empty = Document(key="c/scan.png", path="/c/scan.png", format="png", text="",
                     sha256=content_hash(""))
    assert "content" not in index_fields(empty)
    full = Document(key="c/a.txt", path="/c/a.txt", format="txt", text=ARTICLE,
                    sha256=content_hash(ARTICLE))
    assert index_fields(full)["content"] == content_hash(ARTICLE)[:20]


def test_deleting_the_annotated_copy_leaves_its_annotation_with_another_copy(library, corpus):
    start = ARTICLE.index("inquiry")
    library.annotate("c/outlet-a/article.txt", start, start + 7, ["un"], note="asked")
    (corpus / "outlet-a/article.txt").unlink()
    library.sync([corpus])
    kept = library.annotations_for("c/outlet-b/reprint.txt")
    assert [(a.tags, a.state) for a in kept] == [(["un"], "anchored")]
    assert kept[0].doc in ("c/outlet-b/reprint.txt", "c/leak.zip//mail/forwarded.txt")
    assert library.needs_attention() == []
    assert library.search("tag:un", copies="separate").total == 2
    for name in ("outlet-b/reprint.txt", "leak.zip"):  # the last copies go: orphaned
        (corpus / name).unlink()
    library.sync([corpus])
    assert [a.state for a in library.all_annotations()] == ["orphaned"]


def test_editing_the_annotated_copy_takes_its_tags_off_the_other_copies(library, corpus):
    start = ARTICLE.index("gate")
    library.annotate("c/outlet-a/article.txt", start, start + 4, ["entrance"])
    assert len(library.search("tag:entrance", copies="separate").hits) == 3
    (corpus / "outlet-a/article.txt").write_text("A new first line.\n" + ARTICLE,
                                                  encoding="utf-8")
    library.sync([corpus])  # the annotation follows its file's new text
    assert [hit.key for hit in library.search("tag:entrance", copies="separate").hits] == [
        "c/outlet-a/article.txt"]
    assert library.annotations_for("c/outlet-b/reprint.txt") == []


def test_a_damaged_fingerprint_store_is_made_again(tmp_path, corpus):
    home = tmp_path / "home2"
    home.mkdir()
    (home / "connections.sqlite3").write_bytes(b"not a database at all" * 100)
    library = Library(AppPaths(home))
    try:
        library.sync([corpus])
        assert library.reused_passages("c/other.txt") == []
        assert library._connections.store.count() == 3  # the article, the other, the zip listing
    finally:
        library.close()


def test_an_emptied_fingerprint_store_is_filled_on_the_first_question(library):
    store = library._connections.store
    with store.db:
        for table in ("texts", "bands", "anchors"):
            store.db.execute(f"DELETE FROM {table}")
    reopened = Library(library.paths)  # e.g. a store of an older format, emptied
    try:
        assert reopened._connections.store.count() == 0  # opening did no work
        assert reopened.reused_passages("c/other.txt") == []
        assert reopened._connections.store.count() == 3
    finally:
        reopened.close()
