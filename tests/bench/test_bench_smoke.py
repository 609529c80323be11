"""The benchmark harness runs end to end on a small corpus (no timing is asserted).

Its text comes from the Debian packages of this machine (bench/sources.py): nothing
outside the repository is needed.
"""

from __future__ import annotations

import json

from bench.__main__ import main
from bench.queries import CATEGORIES


def test_bench_smoke(tmp_path):
    report = main(["--docs", "1000", "--out", str(tmp_path / "out"),
                   "--results", str(tmp_path / "results")])
    saved = json.loads((tmp_path / "results" / "bench-1000.json").read_text())
    assert saved["docs"] == 1000
    assert saved["corpus_sources"] in ("debian:reference", "debian:system")
    manifest = json.loads((tmp_path / "out" / "corpus-1000" / "manifest.json").read_text())
    assert manifest["source_chars"] > 300_000 and len(manifest["families"]) >= 3
    assert (tmp_path / "results" / "bench-1000.md").read_text().startswith("# Benchmark")
    for engine in ("ours", "naive_whoosh", "sqlite_fts5"):
        assert report["index"][engine]["docs"] == 1000
        assert report["index"][engine]["docs_per_s"] > 0
        assert report["search"][engine]["overall"]["n"] > 0
        assert report["memory_after_queries"][engine]["rss_mb"] > 0
        assert 0 < report["memory_after_queries"][engine]["private_mb"] \
            <= report["memory_after_queries"][engine]["rss_mb"]
    assert report["index"]["ours"]["peak_rss_mb"] > 0
    assert report["resync"]["unchanged_files"] == 1000
    assert report["resync"]["one_changed_updated"] == 1
    assert report["open_ms"]["ours"] > 0
    assert len(report["queries"]) == 10 * 20
    for category in CATEGORIES:
        assert report["search"]["ours"][category]["n"] == 20
        assert report["search"]["ours"][category]["p95_ms"] >= 0
    assert sum(q["total"] for q in report["queries"]) > 0
    assert report["search_ours"]["hits_with_highlights"] > 0
    again = main(["--docs", "1000", "--out", str(tmp_path / "out"),
                  "--results", str(tmp_path / "results"), "--search-only"])
    assert again["index"] == report["index"]  # kept from the full run
    assert again["searched_again"]["command"].endswith("--search-only")
    # the first run's re-scan step changed one file, so a total may move by one
    assert len(again["queries"]) == len(report["queries"])
    assert all(abs(a["total"] - b["total"]) <= 1
               for a, b in zip(again["queries"], report["queries"], strict=True))
    assert "re-run on" in (tmp_path / "results" / "bench-1000.md").read_text()
