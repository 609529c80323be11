"""Which annotations a listing shows: one rule (`AnnotationFilter`) for the CLI's
`annotations`, the exports by tag and the window's Annotations view."""

from __future__ import annotations

from archive_app.core.annotations.records import AnnotationFilter
from tests.core.archive_fixtures import KEYS


def annotate(library):
    library.annotate_quote(KEYS["ashraf"], "52 residents", ["people/witnesses"], "counted")
    library.annotate_quote(KEYS["ashraf"], "massacre", ["Peoples"])
    library.annotate_quote(KEYS["liberty"], "Mortar attacks", ["Waffen/Mörser"])
    library.annotate_quote(KEYS["accents"], "Zürich", [], "where they met")


def quotes(annotations) -> list[str]:
    return sorted(a.exact for a in annotations)


def test_the_text_is_found_in_the_quote_the_note_a_tag_or_the_title(library):
    annotate(library)
    assert quotes(library.all_annotations(text="RESIDENTS")) == ["52 residents"]
    assert quotes(library.all_annotations(text="they met")) == ["Zürich"]
    assert quotes(library.all_annotations(text="mörser")) == ["Mortar attacks"]
    # in none of those but the document's title, "Camp Ashraf attack"
    assert quotes(library.all_annotations(text="ashraf attack")) == ["52 residents",
                                                                    "massacre"]
    library.edit_metadata(KEYS["liberty"], {"title": "Relocation report"})
    assert library.document_title(KEYS["liberty"]) == "Relocation report"
    assert quotes(library.all_annotations(text="relocation REPORT")) == ["Mortar attacks"]
    assert library.all_annotations(text="  ") == library.all_annotations()


def test_a_tag_keeps_itself_and_the_tags_below_it_in_any_case(library):
    annotate(library)
    assert quotes(library.all_annotations(tag="people")) == ["52 residents"]  # not Peoples
    assert quotes(library.all_annotations(tag="PEOPLE/Witnesses")) == ["52 residents"]
    assert quotes(library.all_annotations(tag="peoples")) == ["massacre"]
    assert quotes(library.all_annotations(tag="waffen")) == ["Mortar attacks"]
    assert quotes(library.all_annotations(tag="WAFFEN/MÖRSER")) == ["Mortar attacks"]
    assert library.all_annotations(tag="witnesses") == []  # a whole name from the top
    assert quotes(library.all_annotations(tag="people", text="counted")) == ["52 residents"]
    assert library.all_annotations(tag="people", text="massacre") == []


def test_attention_keeps_what_moved_or_was_not_found(library):
    annotate(library)
    (library.corpus / "liberty.txt").unlink()
    library.sync()
    assert quotes(library.all_annotations(attention=True)) == ["Mortar attacks"]
    assert library.all_annotations(attention=True) == library.needs_attention()
    assert quotes(library.all_annotations(state="orphaned")) == ["Mortar attacks"]
    assert library.all_annotations(state="reanchored") == []
    # the document is gone: its key is the title the listing shows, and what the text finds
    assert library.document_title(KEYS["liberty"]) == KEYS["liberty"]
    assert quotes(library.all_annotations(text="corpus/liberty")) == ["Mortar attacks"]


def test_the_library_applies_the_rule_the_annotations_view_applies(library):
    annotate(library)
    everything = library.all_annotations()
    for wanted in (AnnotationFilter(text="attack"), AnnotationFilter(tag="people"),
                   AnnotationFilter(tag="waffen", text="mortar"),
                   AnnotationFilter(text="café society"), AnnotationFilter()):
        by_the_view = [a for a in everything
                       if wanted.accepts(a, library.document_title(a.doc))]
        assert library.all_annotations(tag=wanted.tag, text=wanted.text) == by_the_view
    assert AnnotationFilter().narrows is False
    assert AnnotationFilter(text=" ").narrows is False
    assert AnnotationFilter(attention=True).narrows is True
