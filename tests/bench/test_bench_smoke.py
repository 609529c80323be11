"""The benchmark harness runs end to end on a small corpus (no timing is asserted).

Its text comes from the Debian packages of this machine (bench/sources.py): nothing
outside the repository is needed. The old-engine run checks out this repository's own
HEAD into a git worktree (bench/checkout.py), which needs git and no network. The two
runs share one corpus (built once for the module) to stay fast.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bench import checkout
from bench.__main__ import ROOT, main, parse_engines
from bench.queries import CATEGORIES


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bench") / "out"


def test_bench_smoke(out, tmp_path):
    results = tmp_path / "results"
    report = main(["--docs", "1000", "--out", str(out), "--results", str(results)])
    saved = json.loads((results / "bench-1000.json").read_text())
    assert saved["docs"] == 1000
    assert saved["engines"] == ["ours", "naive", "fts5"]  # the default, without --old
    assert saved["corpus_sources"] in ("debian:reference", "debian:system")
    manifest = json.loads((out / "corpus-1000" / "manifest.json").read_text())
    assert manifest["source_chars"] > 300_000 and len(manifest["families"]) >= 3
    assert 0 < manifest["catalog_bytes"] < 64 * 1024 * 1024
    text = (results / "bench-1000.md").read_text()
    assert text.startswith("# Benchmark")
    for engine in ("ours", "naive_whoosh", "sqlite_fts5"):
        assert report["index"][engine]["docs"] == 1000
        assert report["index"][engine]["docs_per_s"] > 0
        assert report["index"][engine]["index_mb"] > 0
        assert report["search"][engine]["overall"]["n"] > 0
        assert report["memory_after_queries"][engine]["rss_mb"] > 0
        assert 0 < report["memory_after_queries"][engine]["private_mb"] \
            <= report["memory_after_queries"][engine]["rss_mb"]
        first = report["first_query"][engine]
        assert first["errors"] == 0
        assert 0 < first["median_first_ms"] <= first["max_open_plus_first_ms"]
        row = first["per_class"]["rare_word"]
        assert row["open_plus_first_ms"] >= row["first_ms"] > 0
    assert set(report["first_query"]["ours"]["per_class"]) == set(CATEGORIES)
    assert "fuzzy" not in report["first_query"]["sqlite_fts5"]["per_class"]
    assert "old" not in report["index"] and "old" not in report
    assert report["index"]["ours"]["peak_rss_mb"] > 0
    assert report["index"]["ours"]["engine_code"] == str(ROOT)
    assert report["resync"]["unchanged_files"] == 1000
    assert report["resync"]["one_changed_updated"] == 1
    assert report["open_ms"]["ours"] > 0
    assert len(report["queries"]) == len(CATEGORIES) * 20 == 240
    for category in CATEGORIES:
        assert report["search"]["ours"][category]["n"] == 20
        assert report["search"]["ours"][category]["p95_ms"] >= 0
        assert f"- {category}: ours/FTS5 " in text or category == "fuzzy"
    assert report["ratios"]["ours_vs_fts5"]["rare_word"]["p50"] > 0
    assert report["ratios"]["ours_vs_fts5"]["fuzzy"]["p50"] is None  # FTS5 has no fuzzy
    assert "first query after opening" in text and "index MB on disk" in text
    assert sum(q["total"] for q in report["queries"]) > 0
    assert report["search_ours"]["hits_with_highlights"] > 0
    again = main(["--docs", "1000", "--out", str(out), "--results", str(results),
                  "--search-only"])
    assert again["index"] == report["index"]  # kept from the full run
    assert again["searched_again"]["command"].endswith("--search-only")
    # the re-scan put the file it changed back, bytes and mtime: the same hit counts
    assert again["resync"]["unchanged_files"] == 1000
    assert [q["total"] for q in again["queries"]] == [q["total"] for q in report["queries"]]
    assert "re-run on" in (results / "bench-1000.md").read_text()


def test_bench_engines_and_old(out, tmp_path):
    """--old HEAD: this repository's committed engine, from a worktree, beside ours."""
    results = tmp_path / "results"
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()
    report = main(["--docs", "1000", "--out", str(out), "--results", str(results),
                   "--engines", "ours,old,fts5", "--old", "HEAD"])
    assert report["engines"] == ["ours", "old", "fts5"]
    assert set(report["index"]) == {"ours", "old", "sqlite_fts5", "ratio_vs_naive"}
    assert report["index"]["ratio_vs_naive"] is None
    assert report["old"]["commit"] == head
    worktree = Path(report["old"]["worktree"])
    assert worktree == Path("/tmp") / f"bench-old-{report['old']['short']}"
    assert report["index"]["old"]["engine_code"] == str(worktree)
    assert report["search_old"]["engine_code"] == str(worktree)
    assert report["resync_old"]["engine_code"] == str(worktree)
    assert report["index"]["old"]["docs"] == 1000 and report["index"]["old"]["index_mb"] > 0
    # the old engine's re-scan runs after ours changed and put back a file: unchanged
    assert report["resync_old"]["unchanged_files"] == 1000
    assert report["resync_old"]["one_changed_updated"] == 1
    for category in CATEGORIES:
        assert report["search"]["old"][category]["n"] == 20
        assert report["ratios"]["old_vs_ours"][category]["p50"] > 0
    assert report["first_query"]["old"]["errors"] == 0
    assert isinstance(report["old_totals_differ"], list)
    text = (results / "bench-1000.md").read_text()
    assert "| old p50 / p95 ms |" in text and "old/ours p50 / p95" in text
    assert "naive" not in text.split("| search")[1].split("\n")[0]  # no naive column
    assert "old/FTS5 p50" in text and "Hit counts: ours and old agree" in text
    # a second run reuses the worktree; --search-only takes its revision from the report
    again = main(["--docs", "1000", "--out", str(out), "--results", str(results),
                  "--search-only", "--engines", "old"])
    assert again["searched_again"]["engines"] == ["old"]
    assert again["search_old"]["engine_code"] == str(worktree)
    assert again["index"] == report["index"]


def test_engine_choice():
    assert parse_engines(None, "") == ["ours", "naive", "fts5"]
    assert parse_engines(None, "HEAD") == ["ours", "old", "naive", "fts5"]
    assert parse_engines("fts5, ours", "") == ["ours", "fts5"]
    for wrong, old in (("ours,lucene", ""), ("old", ""), ("ours", "HEAD"), (",", "")):
        with pytest.raises(ValueError):
            parse_engines(wrong, old)
    with pytest.raises(SystemExit):
        main(["--docs", "10", "--engines", "old"])


def test_old_worktree_is_reused_remade_or_refused(tmp_path, monkeypatch):
    """Reused when it holds the commit untouched; made again when stale (its repository
    gone, as a deleted CI clone leaves it); refused when changed or something else."""
    monkeypatch.setattr(checkout, "PLACE", tmp_path)
    made = checkout.worktree("HEAD")
    try:
        assert made.path == tmp_path / f"bench-old-{made.short}"
        assert (made.path / "archive_app" / "core" / "library.py").is_file()
        assert checkout.worktree("HEAD") == made
        (made.path / ".git").write_text(f"gitdir: {tmp_path / 'gone' / '.git'}\n")
        assert checkout.worktree("HEAD") == made
        assert (made.path / "bench" / "worker.py").is_file()
        (made.path / "README.md").write_text("changed\n")
        with pytest.raises(RuntimeError, match="has changes"):
            checkout.worktree("HEAD")
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                        str(made.path)], check=True, capture_output=True)
    (made.path / "nothing").parent.mkdir()
    (made.path / "nothing").write_text("")
    with pytest.raises(RuntimeError, match="is not a checkout"):
        checkout.worktree("HEAD")
    with pytest.raises(RuntimeError, match="no such commit"):
        checkout.worktree("no-such-revision-here")
