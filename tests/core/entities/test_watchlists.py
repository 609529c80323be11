"""Watch-lists: a person's names in Latin (with and without accents), Persian and
Arabic are one entity, found in every document, searchable, a facet, refreshed without
reading files again; pattern entities; the co-occurrence table."""

from __future__ import annotations

import csv
import io
import json
import shutil
from itertools import combinations

import pytest

from archive_app.core.entities.watchlists import Entity, WatchListError
from archive_app.core.library import Library
from archive_app.core.paths import AppPaths
from tests.conftest import write_files

TEXTS = {
    "latin.txt": "Prime Minister Nouri al-Málikí met the UN envoy in Baghdad on 12 March 2014.",
    "upper.txt": "MALIKI refused; Ashraf residents wrote to ann.lee@example.org the same day.",
    "persian.txt": "نوری مالکی در بغداد با نمایندهٔ سازمان ملل دیدار کرد.",
    "arabic.txt": "التقى نوري المالكي مع الممثل في بغداد، وقال مَالِكِي إن الاجتماع مثمر.",
    "district.txt": "The Malikiyya district was quiet; nobody named him there.",
    "bank.txt": "Pay to GB82 WEST 1234 5698 7654 32, call +44 20 7946 0958, see "
                "https://example.org/report and www.example.net/a.",
    "envoy.txt": "The envoy György Busztin visited Camp Ashraf; Maliki was informed.",
}
PEOPLE_CSV = ("Nouri al-Maliki,Maliki,مالکی,المالكي\n"
              "György Busztin,Busztin\n"
              "# a comment line\n"
              "Camp Ashraf,Ashraf,اشرف\n")


@pytest.fixture
def library(tmp_path):
    corpus = write_files(tmp_path / "c", TEXTS)
    library = Library(AppPaths(tmp_path / "home"))
    library.sync([corpus])
    (tmp_path / "people.csv").write_text(PEOPLE_CSV, encoding="utf-8")
    yield library
    library.close()


def keys(library, query):
    return sorted(hit.key for hit in library.search(query, limit=100).hits)


def test_every_script_and_spelling_is_one_entity(library, tmp_path):
    saved, problems = library.import_watchlist(tmp_path / "people.csv", "People")
    assert problems == [] and [e.name for e in saved.entities] == [
        "Nouri al-Maliki", "György Busztin", "Camp Ashraf"]
    assert keys(library, 'entity:"Nouri al-Maliki"') == [
        "c/arabic.txt", "c/envoy.txt", "c/latin.txt", "c/persian.txt", "c/upper.txt"]
    assert "c/district.txt" not in keys(library, 'entity:"nouri al-maliki"')  # Malikiyya
    assert keys(library, 'entity:"GYÖRGY BUSZTIN"') == ["c/envoy.txt"]
    facet = dict(library.search("entity:\"nouri al-maliki\" OR envoy").facets["entity"])
    assert facet["Nouri al-Maliki"] == 5  # shown as written, not as indexed


def test_mentions_cover_the_written_forms(library, tmp_path):
    library.import_watchlist(tmp_path / "people.csv", "People")
    for key, written in (("c/latin.txt", "Nouri al-Málikí"), ("c/persian.txt", "مالکی"),
                         ("c/arabic.txt", "مَالِكِي")):
        text = library.document(key).text
        marked = {text[m.start:m.end] for m in library.entity_mentions(key)
                  if m.entity == "Nouri al-Maliki"}
        assert written in marked, (key, marked)
        assert all(m.color.startswith("#") for m in library.entity_mentions(key))


def test_editing_a_list_updates_the_index_from_stored_text_alone(library, tmp_path):
    library.import_watchlist(tmp_path / "people.csv", "People")
    shutil.move(tmp_path / "c", tmp_path / "gone")  # no file can be read again
    saved = library.watchlist("People")
    edited = [e for e in saved.entities if e.name != "Camp Ashraf"] + [
        Entity("Baghdad", ("بغداد",))]
    library.save_watchlist("People", edited)
    assert keys(library, "entity:baghdad") == [
        "c/arabic.txt", "c/latin.txt", "c/persian.txt"]
    assert keys(library, 'entity:"camp ashraf"') == []
    assert keys(library, 'entity:"nouri al-maliki"')  # unchanged entities stay
    library.delete_watchlist("People")
    assert keys(library, "entity:baghdad") == []
    assert library.search("baghdad").facets["entity"] == []


def test_pattern_entities_are_fields_and_facets(library):
    assert keys(library, "email:ann.lee@example.org") == ["c/upper.txt"]
    assert keys(library, "iban:GB82WEST12345698765432") == ["c/bank.txt"]
    assert keys(library, 'phone:"+442079460958"') == ["c/bank.txt"]
    assert keys(library, 'link:"https://example.org/report"') == ["c/bank.txt"]
    assert keys(library, "mentioned:2014-03-12") == ["c/latin.txt"]
    found = library.document_entities("c/bank.txt")
    assert found["iban"] == ["gb82west12345698765432"] or found["iban"] == [
        "GB82WEST12345698765432"]
    assert "email" in library.search("ashraf").facets


def test_phone_numbers_are_not_years_or_dates():
    from archive_app.core.entities.patterns import values_by_kind

    text = ("Constitution adopted 15 October 2005 (2015); amended 1989 (2013); during "
            "1962-2013. Telephone: [1] (202) 965-4990; FAX 0760-030-3000; +98 21 2254 2178.")
    assert values_by_kind(text)["phone"] == ["2029654990", "07600303000", "+982122542178"]


def test_an_iban_with_a_wrong_check_digit_is_not_one(tmp_path):
    corpus = write_files(tmp_path / "c", {"a.txt": "Account GB82 WEST 1234 5698 7654 33."})
    library = Library(AppPaths(tmp_path / "home"))
    try:
        library.sync([corpus])
        assert library.search("iban:GB82WEST12345698765433").total == 0
        assert library.search("account").total == 1
    finally:
        library.close()


def test_cooccurrence_counts_documents_in_common(library, tmp_path):
    library.import_watchlist(tmp_path / "people.csv", "People")
    table = library.cooccurrence("baghdad OR ashraf OR envoy OR maliki")
    names = {"Nouri al-Maliki", "György Busztin", "Camp Ashraf"}
    assert {name for name, _ in table.entities} == names
    by_doc = {key: set(library.document_entities(key).get("entity", []))
              for key in keys(library, "baghdad OR ashraf OR envoy OR maliki")}
    for first, second in combinations(sorted(names), 2):
        expected = sum(1 for found in by_doc.values() if {first, second} <= found)
        assert table.count(first, second) == expected, (first, second)
    assert table.count("Nouri al-Maliki", "Camp Ashraf") == 2  # upper.txt, envoy.txt
    rows = list(csv.reader(io.StringIO(table.to_csv())))
    assert rows[0][1:] == [name for name, _ in table.entities]
    assert json.loads(json.dumps(table.as_dict()))["pairs"]


def test_a_hostile_list_file_is_cleaned_and_bounded(library, tmp_path):
    hostile = tmp_path / "hostile.csv"
    hostile.write_text("=HYPERLINK(\"x\"),\x1b[31mred\x07\n,,\n" + "a" * 300 + "\n"
                       "\u202eevil,ok\n", encoding="utf-8")
    saved, problems = library.import_watchlist(hostile, "Hostile")
    assert all("\x1b" not in e.name and "\x07" not in e.name for e in saved.entities)
    assert any("longer than" in problem for problem in problems)
    out = tmp_path / "out.csv"
    library.export_watchlist("Hostile", out)
    cells = [cell for row in csv.reader(io.StringIO(out.read_text("utf-8"))) for cell in row]
    assert cells and not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    again, _ = library.import_watchlist(out, "Hostile again")
    assert [e.name for e in again.entities] == [e.name for e in saved.entities]
    with pytest.raises(WatchListError):
        library.export_watchlist("Hostile", out)  # no silent overwrite
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(WatchListError):
        library.import_watchlist(tmp_path / "binary.csv", "Binary")
    with pytest.raises(WatchListError):
        library.import_watchlist(tmp_path / "missing.csv", "Missing")


def test_export_and_import_round_trip(library, tmp_path):
    library.import_watchlist(tmp_path / "people.csv", "People")
    library.export_watchlist("People", tmp_path / "again.csv")
    library.delete_watchlist("People")
    again, problems = library.import_watchlist(tmp_path / "again.csv", "People")
    assert problems == [] and [e.forms for e in again.entities] == [
        ("Nouri al-Maliki", "Maliki", "مالکی", "المالكي"), ("György Busztin", "Busztin"),
        ("Camp Ashraf", "Ashraf", "اشرف")]


def test_a_version_5_store_gains_watchlists_and_keeps_saved_searches(tmp_path):
    import sqlite3

    from archive_app.core.annotations import store as store_module
    from archive_app.core.annotations.store import UserStore

    paths = AppPaths(tmp_path / "home").ensure()
    db = sqlite3.connect(paths.annotations_db)
    for step in store_module.MIGRATIONS[:5]:
        step(db)
    db.execute("INSERT INTO saved_searches(name, query, created, last_run) "
               "VALUES ('Mine', 'camp', 't', 't')")
    db.execute("PRAGMA user_version = 5")
    db.commit()
    db.close()
    store = UserStore(paths.annotations_db, paths.backups_dir)
    try:
        assert store.version == store_module.SCHEMA_VERSION == 6
        assert store.connection.execute("SELECT name FROM saved_searches").fetchall() == [
            ("Mine",)]
        assert store.connection.execute("SELECT COUNT(*) FROM watchlists").fetchone() == (0,)
    finally:
        store.close()
