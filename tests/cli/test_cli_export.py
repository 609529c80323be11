"""`export` end to end: real processes, the files they write, and the exit codes."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from tests.cli.test_cli import run
from tests.core.archive_fixtures import KEYS, make_corpus


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    base = tmp_path_factory.mktemp("cli-export")
    home = base / "cli-home"
    run(home, "index", str(make_corpus(base)))
    run(home, "annotate", KEYS["ashraf"], "--quote", "52 residents", "--tag", "witness",
        "--note", "<script>alert(1)</script>")
    run(home, "annotate", KEYS["liberty"], "--quote", "Mortar attacks", "--tag", "attack")
    run(home, "annotate", KEYS["ashraf"], "--quote", "Camp Ashraf killed", "--tag", "attack")
    return home


def test_markdown_of_one_tag(home, tmp_path):
    out = tmp_path / "witness.md"
    result = run(home, "export", "--tag", "witness", "--format", "md", "-o", str(out))
    assert result.stdout.strip() == f"wrote 1 excerpts to {out}"
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Excerpts\n\n## witness\n\n> 52 residents\n")
    assert 'UN News Centre. "Camp Ashraf attack." UN News, 2013-09-01.' in text


def test_all_annotations_when_nothing_is_chosen(home, tmp_path):
    out = tmp_path / "all.csv"
    run(home, "export", "--format", "csv", "-o", str(out), "--bom")
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert sorted(row["quote"] for row in rows) == ["52 residents", "Camp Ashraf killed",
                                                    "Mortar attacks"]


def test_tags_within_documents_matching_a_query(home, tmp_path):
    out = tmp_path / "liberty.json"
    run(home, "export", "--tag", "attack", "--query", '"Camp Liberty"', "--format", "json",
        "-o", str(out))
    items = json.loads(out.read_text(encoding="utf-8"))["first"]["items"]
    assert [i["target"]["selector"][1]["exact"] for i in items] == ["Mortar attacks"]


def test_query_alone_exports_hit_sentences(home, tmp_path):
    out = tmp_path / "hits.html"
    result = run(home, "export", "--query", "residents", "--format", "html", "-o", str(out))
    assert result.stdout.startswith("wrote ")
    text = out.read_text(encoding="utf-8")
    assert "killed 52 residents.</p></blockquote>" in text
    assert '<h2 dir="auto">Camp Ashraf attack</h2>' in text


def test_qdpx_and_sources(home, tmp_path):
    run(home, "export", "--format", "qdpx", "-o", str(tmp_path / "p.qdpx"))
    names = zipfile.ZipFile(tmp_path / "p.qdpx").namelist()
    assert "project.qde" in names and len(names) == 3
    run(home, "export", "--format", "bibtex", "-o", str(tmp_path / "s.bib"))
    assert (tmp_path / "s.bib").read_text(encoding="utf-8").count("\n@") == 1


def test_existing_file_needs_force(home, tmp_path):
    out = tmp_path / "x.md"
    out.write_text("keep", encoding="utf-8")
    result = run(home, "export", "--format", "md", "-o", str(out), check_exit=1)
    assert "already exists" in result.stderr and out.read_text(encoding="utf-8") == "keep"
    run(home, "export", "--format", "md", "-o", str(out), "--force")
    assert out.read_text(encoding="utf-8").startswith("# Excerpts")


def test_nothing_to_export_writes_nothing(home, tmp_path):
    out = tmp_path / "none.md"
    result = run(home, "export", "--tag", "nosuchtag", "--format", "md", "-o", str(out),
                 check_exit=1)
    assert "nothing to export" in result.stderr and not out.exists()


def test_bad_format_and_bad_query_are_usage_errors(home, tmp_path):
    result = run(home, "export", "--format", "pdf", "-o", str(tmp_path / "x"), check_exit=2)
    assert "invalid choice" in result.stderr
    result = run(home, "export", "--query", "title:(", "--format", "md",
                 "-o", str(tmp_path / "y.md"), check_exit=2)
    assert "bad query" in result.stderr and not (tmp_path / "y.md").exists()


def test_style_raw_and_user_options(home, tmp_path):
    out = tmp_path / "apa.md"
    run(home, "export", "--tag", "witness", "--format", "md", "--style", "apa", "-o", str(out))
    assert ("— UN News Centre. (2013, September 1). Camp Ashraf attack. UN News."
            in out.read_text(encoding="utf-8"))
    raw = tmp_path / "raw.csv"
    run(home, "export", "--format", "csv", "--raw", "-o", str(raw))  # cells as they are
    assert raw.read_text(encoding="utf-8").startswith("document,title,")
    project = tmp_path / "p.qdpx"
    run(home, "export", "--format", "qdpx", "--user", "Layla", "-o", str(project))
    qde = zipfile.ZipFile(project).read("project.qde").decode("utf-8")
    assert 'name="Layla"' in qde and "creatingUser=" in qde
    refused = run(home, "export", "--format", "md", "--style", "mla", "-o",
                  str(tmp_path / "x.md"), check_exit=None)
    assert refused.returncode != 0 and "invalid choice" in refused.stderr
