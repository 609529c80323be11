"""Which page a text offset is on, from a document's page start offsets."""

from __future__ import annotations

from archive_app.core.text.pages import page_label, page_of

STARTS = [0, 10, 25]


def test_an_offset_exactly_at_a_page_start_is_on_that_page():
    assert [page_of(STARTS, offset) for offset in STARTS] == [1, 2, 3]


def test_an_offset_just_before_a_page_start_is_on_the_page_before():
    assert page_of(STARTS, 9) == 1
    assert page_of(STARTS, 24) == 2


def test_before_the_first_page_counts_as_page_one():
    assert page_of([5, 10], 0) == 1
    assert page_of(STARTS, -3) == 1


def test_after_the_last_page_start_is_the_last_page():
    assert page_of(STARTS, 10_000) == 3


def test_no_pages_means_no_page():
    assert page_of([], 0) is None
    assert page_label([], 0) is None


def test_the_label():
    assert page_label(STARTS, 12) == "page 2 of 3"
    assert page_label([0], 0) == "page 1 of 1"


def test_hits_snippets_and_annotations_know_their_page(app_paths, tmp_path, capsys):
    """Issue 14, part 5: a hit's snippet, an annotation (CLI and the Library) and a member
    PDF inside a zip all say the page their words are on."""
    import zipfile

    from archive_app.cli import main
    from archive_app.core.library import Library
    from tests.core.ingest.conftest import make_pdf

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    pages = ["First page about the harbour.", "Second page: the zeppelin moored here.",
             "Third page: the quay."]
    make_pdf(corpus / "report.pdf", pages)
    with zipfile.ZipFile(corpus / "box.zip", "w") as archive:
        archive.write(corpus / "report.pdf", "inner/report-copy.pdf")
    library = Library(app_paths)
    try:
        library.sync([corpus])
        hits = {hit.key: hit for hit in library.search("zeppelin", copies="separate").hits}
        assert set(hits) == {"corpus/report.pdf", "corpus/box.zip//inner/report-copy.pdf"}
        assert all(hit.page == 2 for hit in hits.values())
        annotation = library.annotate_quote("corpus/box.zip//inner/report-copy.pdf",
                                            "zeppelin moored", ["airships"])
        assert library.page_of(annotation.doc, annotation.start) == 2
    finally:
        library.close()
    assert main(["--home", str(app_paths.home), "annotations"]) == 0
    assert "[" in capsys.readouterr().out.split("p. 2")[0]
    assert main(["--home", str(app_paths.home), "search", "zeppelin"]) == 0
    assert "2 copies, also at:" in capsys.readouterr().out  # one result for the two
    assert main(["--home", str(app_paths.home), "search", "zeppelin", "--copies",
                 "separate"]) == 0
    out = capsys.readouterr().out
    assert out.count("(p. 2)") == 2 and "inside box.zip \u203a inner/report-copy.pdf" in out
