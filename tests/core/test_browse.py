"""Browsing without a query (core/browse.py, Library.browse) on a real index of real
files: nested folders, a zip with folders inside, a mailbox with an attachment, a PDF,
a skipped file, the user's edits and annotations."""

from __future__ import annotations

import pytest

from archive_app.core.browse import COLUMNS, parent_address
from archive_app.core.errors import ArchiveError, QueryError
from archive_app.core.library import Library
from tests.conftest import write_files
from tests.core.browse_fixtures import make_browse_corpus

ZIP = "harbour/leaks/bundle.zip"
MBOX = "harbour/mail/desk.mbox"
FIRST_MESSAGE = f"{MBOX}//tide-1@example.org"


@pytest.fixture
def browsing(app_paths, tmp_path):
    library = Library(app_paths)
    library.corpus = make_browse_corpus(tmp_path)
    library.sync([library.corpus])
    yield library
    library.close()


def folders(listing) -> dict[str, tuple[str, int, int]]:
    return {f.address: (f.kind, f.documents, f.skipped) for f in listing.folders}


def titles(listing) -> list[str]:
    return [row.title for row in listing.rows()]


def test_the_archive_lists_its_folders_with_every_document_and_skip_under_them(browsing):
    top = browsing.browse("")
    assert top.parent is None and top.total == 0
    assert folders(top) == {"harbour": ("root", browsing.doc_count(), 1)}
    assert top.documents_under == browsing.doc_count() == 14


def test_nested_folders_count_what_lies_under_them_and_list_their_own_documents(browsing):
    root = browsing.browse("harbour")
    assert root.kind == "root" and root.parent == ""
    assert folders(root) == {"harbour/leaks": ("folder", 4, 0),
                             "harbour/mail": ("folder", 5, 0),
                             "harbour/notes": ("folder", 5, 1)}
    notes = browsing.browse("harbour/notes")
    assert notes.parent == "harbour"
    assert folders(notes) == {"harbour/notes/2013": ("folder", 2, 0),
                              "harbour/notes/2014": ("folder", 2, 1)}
    [pdf] = notes.rows()
    assert (pdf.key, pdf.title, pdf.author, pdf.date, pdf.format, pdf.pages) == (
        "harbour/notes/report.pdf", "Harbour Report 2013", "Jane Roe", "2013-09-01", "pdf", 3)
    assert pdf.size == (browsing.corpus / "notes" / "report.pdf").stat().st_size
    assert pdf.path == str(browsing.corpus / "notes" / "report.pdf")


def test_a_folder_shows_its_skipped_files_with_their_reasons(browsing):
    listing = browsing.browse("harbour/notes/2014")
    assert [(s.path, s.code) for s in listing.skipped] == [
        (str(browsing.corpus / "notes/2014/empty.txt"), "empty")]
    assert "empty" in listing.skipped[0].reason
    assert titles(listing) == ["Delta Nachrichten", "Gamma channel log"]
    assert listing.skipped_under == 1 and listing.documents_under == 2


def test_a_zip_is_a_folder_with_the_folders_inside_it(browsing):
    leaks = browsing.browse("harbour/leaks")
    assert folders(leaks) == {ZIP: ("archive", 3, 0)}
    [container] = leaks.rows()
    assert container.key == ZIP and container.has_members and container.format == "zip"
    bundle = browsing.browse(ZIP)
    assert bundle.kind == "archive" and bundle.parent == "harbour/leaks"
    assert folders(bundle) == {f"{ZIP}//finance": ("folder", 2, 0)}
    assert [row.key for row in bundle.rows()] == [f"{ZIP}//readme.txt"]
    finance = browsing.browse(f"{ZIP}//finance")
    assert finance.parent == ZIP and finance.name == "finance"
    assert folders(finance) == {f"{ZIP}//finance/2013": ("folder", 1, 0)}
    [q3] = finance.rows()
    assert q3.title == "Quarter three figures" and q3.size is None  # a member: not kept
    assert q3.path == str(browsing.corpus / "leaks" / "bundle.zip")
    assert "bundle.zip" in q3.place and "finance/q3.txt" in q3.place
    assert titles(browsing.browse(f"{ZIP}//finance/2013")) == ["Quarter four"]


def test_a_mailbox_lists_its_messages_and_a_message_with_attachments_is_a_folder(browsing):
    mail = browsing.browse("harbour/mail")
    assert folders(mail) == {MBOX: ("mailbox", 4, 0)}
    box = browsing.browse(MBOX)
    assert box.kind == "mailbox"
    assert titles(box) == ["Gauge readings attached", "Lock repairs", "Re: Gauge readings"]
    [message] = box.folders
    assert (message.address, message.kind, message.name, message.documents) == (
        FIRST_MESSAGE, "message", "Gauge readings attached", 1)
    assert [row.has_members for row in box.rows()] == [True, False, False]
    opened = browsing.browse(FIRST_MESSAGE)
    assert opened.kind == "message" and opened.parent == MBOX
    [attachment] = opened.rows()
    assert attachment.title == "Attached readings" and attachment.format == "txt"
    assert browsing.document(attachment.key).text.startswith("Attached readings")


def test_sorting_by_each_column_with_empty_values_last(browsing):
    box = browsing.browse(MBOX, sort="date")
    assert [row.date for row in box.rows()] == ["2015-02-02", "2015-02-03", "2015-02-04"]
    assert [row.date for row in box.sorted_by("date", descending=True).rows()] == [
        "2015-02-04", "2015-02-03", "2015-02-02"]
    gathered = browsing.browse("harbour/notes/2013", sort="author", descending=True)
    assert [row.author for row in gathered.rows()] == ["Bob Pilot", "Ann Keeper"]
    year = browsing.browse("harbour/notes/2014", sort="date")
    assert [row.title for row in year.rows()] == ["Delta Nachrichten", "Gamma channel log"]
    assert [row.title for row in year.sorted_by("date", True).rows()] == [
        "Delta Nachrichten", "Gamma channel log"]  # undated last either way
    by_size = browsing.browse("harbour/notes/2014", sort="size")
    assert [row.size for row in by_size.rows()] == sorted(row.size for row in by_size.rows())
    for column in COLUMNS:  # every column sorts (the CLI and the view offer them all)
        assert len(browsing.browse(ZIP + "//finance", sort=column).rows()) == 1
    with pytest.raises(ArchiveError, match="cannot sort by 'colour'"):
        browsing.browse("harbour", sort="colour")


def test_the_users_edits_and_annotations_show_and_sort(browsing):
    gamma = "harbour/notes/2014/gamma.txt"
    browsing.edit_metadata(gamma, {"title": "Aaa renamed log", "date": "2014-06-30"})
    browsing.annotate_quote(gamma, "buoy", ["moves"])
    browsing.annotate_quote(gamma, "moved twice", ["moves"])
    listing = browsing.browse("harbour/notes/2014")
    first = listing.rows()[0]
    assert (first.key, first.title, first.date, first.annotations) == (
        gamma, "Aaa renamed log", "2014-06-30", 2)
    by_notes = listing.sorted_by("annotations", descending=True)
    assert [row.annotations for row in by_notes.rows()] == [2, 0]


def test_facet_filters_narrow_the_documents_and_the_counts(browsing):
    notes = browsing.browse("harbour", filters=["format:md"])
    assert folders(notes) == {"harbour/leaks": ("folder", 1, 0),
                              "harbour/notes": ("folder", 3, 1)}  # mail has no md
    assert browsing.browse("harbour/notes/2014", filters=["lang:de"]).keys() == [
        "harbour/notes/2014/nachrichten.md"]
    assert titles(browsing.browse("harbour/notes/2013",
                                  filters=['author:"Ann Keeper"'])) == ["Alpha soundings"]
    browsing.annotate_quote("harbour/notes/2013/beta.md", "tide gauge", ["people/keepers"])
    tagged = browsing.browse("harbour", filters=["tag:keepers"])
    # alpha.md and the zip's q4.md hold beta.md's very text (the same body under other
    # front matter): exact copies, so the tag belongs to all three (issue 20, part 1)
    assert tagged.documents_under == 3
    assert sorted(folders(tagged)) == ["harbour/leaks", "harbour/notes"]
    assert browsing.browse("harbour/notes/2014", filters=["tag:keepers"]).documents_under == 0
    both = browsing.browse("harbour/notes/2013", filters=["format:md", "date:2013-11"])
    assert titles(both) == ["Beta dredging"]
    assert browsing.browse("", filters=["format:pdf"]).documents_under == 1
    with pytest.raises(QueryError):
        browsing.browse("harbour", filters=['source:"unclosed'])


def test_rows_come_in_slices_of_the_sorted_listing(browsing):
    box = browsing.browse(MBOX, sort="title")
    every = box.rows()
    assert box.rows(1, 3) == every[1:3] and box.rows(3) == []
    assert box.total == 3 and box.keys() == [row.key for row in every]
    assert box.values("format") == [("eml", 3)]
    assert dict(browsing.browse("harbour/notes/2014").values("lang")) == {"de": 1}


def test_unknown_addresses_and_documents_without_members_are_refused(browsing):
    for address in ("elsewhere", "harbour/nowhere", f"{ZIP}//nowhere"):
        with pytest.raises(ArchiveError, match="no folder"):
            browsing.browse(address)
    with pytest.raises(ArchiveError, match="without members"):
        browsing.browse("harbour/notes/report.pdf")


def test_a_folder_on_disk_has_its_address(browsing):
    assert browsing.browse_address(browsing.corpus / "notes" / "2014") == "harbour/notes/2014"
    assert browsing.browse_address(browsing.corpus) == "harbour"
    assert browsing.browse_address(browsing.corpus.parent) is None


def test_parent_addresses_climb_through_containers_folders_and_messages():
    assert parent_address("harbour") == ""
    assert parent_address("harbour/notes/2013/alpha.md") == "harbour/notes/2013"
    assert parent_address(f"{ZIP}//finance/2013/q4.md") == f"{ZIP}//finance/2013"
    assert parent_address(f"{ZIP}//finance") == ZIP
    assert parent_address(f"{ZIP}//inner.zip//a/b.txt") == f"{ZIP}//inner.zip//a"
    assert parent_address(f"{ZIP}//inner.zip") == ZIP
    # a message's key part is one name, even with a '/': no folders inside a mailbox
    assert parent_address(f"{MBOX}//a/b@example.org") == MBOX
    assert parent_address(f"{FIRST_MESSAGE}//attachment-1/readings.txt") == FIRST_MESSAGE


def test_a_folder_of_more_documents_than_one_catalog_query_takes(app_paths, tmp_path):
    """Every document of a folder of 2,000
    (read by the indexing children, as a large folder is) is listed once, sorted."""
    folder = write_files(tmp_path / "many", {f"flat/doc{n:04d}.txt": f"Item {n:04d}\n\nx {n}\n"
                                            for n in range(2000)})
    library = Library(app_paths)
    try:
        library.sync([folder])
        listing = library.browse("many/flat", sort="title", descending=True)
        assert listing.total == 2000
        assert listing.rows(0, 2)[0].title == "Item 1999"
        assert len(set(listing.keys())) == 2000
        assert [row.title for row in listing.rows(1000, 1002)] == ["Item 0999", "Item 0998"]
        assert listing.sorted_by("size").rows(0, 1)[0].size == min(
            row.size for row in listing.rows())
    finally:
        library.close()


def test_a_catalog_made_before_the_listing_table_is_filled_from_its_texts(app_paths, tmp_path):
    """The browse columns live in the catalog's `listing` table (reading them from
    `texts` walks every stored text); a catalog without it gets it filled once."""
    import sqlite3

    library = Library(app_paths)
    library.sync([make_browse_corpus(tmp_path)])
    expected = library.browse("harbour/notes/2013").rows()
    library.close()
    with sqlite3.connect(app_paths.catalog_db) as connection:
        connection.execute("DROP TABLE listing")
    connection.close()
    library = Library(app_paths)
    try:
        assert library.browse("harbour/notes/2013").rows() == expected
        assert [row.title for row in expected] == ["Alpha soundings", "Beta dredging"]
        assert library.browse(FIRST_MESSAGE).rows()[0].place.endswith("readings.txt")
    finally:
        library.close()


def test_a_deleted_file_leaves_its_folder(browsing):
    (browsing.corpus / "notes" / "2013" / "beta.md").unlink()
    browsing.sync()
    assert titles(browsing.browse("harbour/notes/2013")) == ["Alpha soundings"]
    assert folders(browsing.browse("harbour/notes"))["harbour/notes/2013"] == ("folder", 1, 0)


def test_a_read_only_catalog_without_the_listing_table_is_read_from_its_texts(
        app_paths, tmp_path):
    """A read-only home cannot get the listing table: its columns come from `texts`."""
    import sqlite3

    from archive_app.core.browse import list_folder
    from archive_app.core.indexing.catalog import Catalog, open_read_only

    library = Library(app_paths)
    library.sync([make_browse_corpus(tmp_path)])
    expected = library.browse(MBOX).rows()
    library.close()
    with sqlite3.connect(app_paths.catalog_db) as connection:
        connection.execute("DROP TABLE listing")
    connection.close()
    catalog = Catalog.__new__(Catalog)  # as Catalog() opens a home it cannot write
    catalog.db_path, catalog.roots_file = app_paths.catalog_db, app_paths.roots_file
    catalog.connection, catalog.read_only = open_read_only(app_paths.catalog_db), True
    try:
        assert not catalog.has_listing()
        listing = list_folder(catalog, MBOX, sort="title")
        assert listing.rows() == expected
        assert [row.date for row in listing.rows()] == ["2015-02-02", "2015-02-04",
                                                        "2015-02-03"]
    finally:
        catalog.close()
