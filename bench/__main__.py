"""`python -m bench --docs 10000`: index, re-scan, search and memory figures in one run.

Builds (or reuses) the corpus under bench/out/corpus-N, then runs each step in its own
process (bench/worker.py) so each peak memory figure is that step's own: our indexing,
the naive Whoosh baseline, SQLite FTS5, re-scans and the 200-query mix on each engine.
Writes bench/results/bench-N.json and bench-N.md (medians, p95, ratios vs the baseline).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench import corpus
from bench.queries import CATEGORIES, make_queries

HERE = Path(__file__).resolve().parent


def run_step(step: str, *args: str) -> dict:
    output = subprocess.run([sys.executable, "-m", "bench.worker", step, *map(str, args)],
                            cwd=HERE.parent, capture_output=True, text=True)
    if output.returncode != 0:
        raise RuntimeError(f"bench step {step} failed:\n{output.stderr[-3000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def percentile(values: list[float], share: float) -> float | None:
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    index = min(len(values) - 1, max(0, round(share * (len(values) - 1))))
    return round(values[index], 2)


def summarise(times: list, mix: list[dict]) -> dict:
    table = {}
    for category in (*CATEGORIES, "overall"):
        chosen = [t for t, q in zip(times, mix, strict=True)
                  if t is not None and category in ("overall", q["category"])]
        table[category] = {"n": len(chosen), "p50_ms": percentile(chosen, 0.5),
                           "p95_ms": percentile(chosen, 0.95)}
    return table


def _ratio(a, b):
    return round(a / b, 2) if a and b else None


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="a 1,000-document smoke run")
    parser.add_argument("--out", type=Path, default=HERE / "out",
                        help="work folder for corpora and indexes (git-ignored)")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--sources", default=corpus.DEFAULT_SOURCES,
                        help="where the text comes from: 'debian' (default: the packages "
                             "installed here, see bench/sources.py) or a JSON Lines file "
                             "of {source, title, body}, gzip allowed")
    parser.add_argument("--search-only", action="store_true",
                        help="re-run the searches, re-scan and memory figures on the "
                             "corpus and indexes of the last run of this size; its "
                             "indexing figures are kept")
    args = parser.parse_args(argv)
    n = 1000 if args.quick else args.docs
    work = args.out
    if args.search_only:
        return _search_again(n, work, args.results, argv)
    corpus_dir = work / f"corpus-{n}"
    started = time.perf_counter()
    manifest = corpus.build(corpus_dir, n, args.sources)
    corpus_seconds = time.perf_counter() - started
    files = corpus_dir / "files"
    docs = list(corpus.read_docs(corpus_dir))
    mix = make_queries(docs)
    queries_file = work / f"queries-{n}.json"
    queries_file.write_text(json.dumps(mix, indent=0))

    homes = {name: work / f"{name}-{n}" for name in ("ours", "naive", "fts")}
    for home in homes.values():
        shutil.rmtree(home, ignore_errors=True)
    report: dict = {"docs": n, "corpus_bytes": manifest["body_bytes_total"],
                    "corpus_sources": manifest.get("sources"),
                    "corpus_seconds": round(corpus_seconds, 1),
                    "machine": {"python": platform.python_version(),
                                "cpus": __import__("os").cpu_count(),
                                "platform": platform.platform()},
                    "command": "python -m bench " + " ".join(argv or sys.argv[1:])}
    report["index"] = {"ours": run_step("index", homes["ours"], files),
                       "naive_whoosh": run_step("naive_index", homes["naive"],
                                                corpus_dir / "docs.jsonl"),
                       "sqlite_fts5": run_step("fts_index", homes["fts"],
                                               corpus_dir / "docs.jsonl")}
    report["index"]["ratio_vs_naive"] = _ratio(report["index"]["ours"]["docs_per_s"],
                                               report["index"]["naive_whoosh"]["docs_per_s"])
    _search(report, homes, queries_file, files, mix)
    return _write(report, args.results, n)


def _search_again(n: int, work: Path, results: Path, argv: list[str] | None) -> dict:
    """The search half of a run, on what the last full run of `n` documents left."""
    report = json.loads((results / f"bench-{n}.json").read_text())
    queries_file = work / f"queries-{n}.json"
    mix = json.loads(queries_file.read_text())
    homes = {name: work / f"{name}-{n}" for name in ("ours", "naive", "fts")}
    report["searched_again"] = {"command": "python -m bench " + " ".join(argv or sys.argv[1:]),
                                "date": time.strftime("%Y-%m-%d")}
    _search(report, homes, queries_file, work / f"corpus-{n}" / "files", mix)
    return _write(report, results, n)


def _search(report: dict, homes: dict, queries_file: Path, files: Path, mix: list) -> None:
    report["search_ours"] = run_step("search", homes["ours"], queries_file)
    report["search_naive"] = run_step("naive_search", homes["naive"], queries_file)
    report["search_fts5"] = run_step("fts_search", homes["fts"], queries_file)
    report["resync"] = run_step("rescan", homes["ours"], files)
    report["search"] = {name: summarise(report[key].pop("times_ms"), mix)
                        for name, key in (("ours", "search_ours"),
                                          ("naive_whoosh", "search_naive"),
                                          ("sqlite_fts5", "search_fts5"))}
    report["memory_after_queries"] = {
        name: {k: report[key].get(k) for k in ("private_mb", "uss_mb", "rss_mb")}
        for name, key in (("ours", "search_ours"), ("naive_whoosh", "search_naive"),
                          ("sqlite_fts5", "search_fts5"))}
    report["open_ms"] = {name: report[key]["open_ms"] for name, key in
                         (("ours", "search_ours"), ("naive_whoosh", "search_naive"),
                          ("sqlite_fts5", "search_fts5"))}
    report["queries"] = [{"category": q["category"], "query": q["query"], "sort": q["sort"],
                          "total": t}
                         for q, t in zip(mix, report["search_ours"]["totals"], strict=True)]


def _write(report: dict, results: Path, n: int) -> dict:
    results.mkdir(parents=True, exist_ok=True)
    (results / f"bench-{n}.json").write_text(json.dumps(report, indent=1))
    (results / f"bench-{n}.md").write_text(markdown(report))
    print(markdown(report))
    return report


def markdown(r: dict) -> str:
    idx = r["index"]
    lines = [f"# Benchmark: {r['docs']} documents ({r['corpus_bytes'] / 1e6:.0f} MB of text)",
             "", f"`{r['command']}` on {r['machine']['cpus']} CPUs, "
             f"Python {r['machine']['python']}", ""]
    if "searched_again" in r:
        again = r["searched_again"]
        lines += [f"Searches, re-scan and memory re-run on {again['date']} with "
                  f"`{again['command']}` on the same corpus and indexes; the indexing "
                  "figures are from the full run.", ""]
    lines += ["| indexing | docs/s | seconds | peak RSS MB, all processes (largest child) "
              "| vs naive |",
              "|---|---|---|---|---|"]
    for name in ("ours", "naive_whoosh", "sqlite_fts5"):
        row = idx[name]
        # sampled over the process tree; ru_maxrss can carry the bench parent's peak
        total = row.get("peak_tree_rss_mb", "not sampled")
        child = row.get("peak_tree_child_rss_mb", "-")
        lines.append(f"| {name} | {row['docs_per_s']} | {row['seconds']} | "
                     f"{total} ({child}) | "
                     f"{_ratio(row['docs_per_s'], idx['naive_whoosh']['docs_per_s'])} |")
    rs = r["resync"]
    lines += ["", f"Unchanged re-scan: {rs['unchanged_rescan_s']} s; one changed file: "
              f"{rs['one_changed_s']} s; library open: {rs['library_open_ms']} ms. "
              f"Index open (first search possible): ours {r['open_ms']['ours']} ms, "
              f"naive {r['open_ms']['naive_whoosh']} ms.", "",
              "| search, top 20 + snippets (+ facets: ours) | ours p50 / p95 ms | "
              "naive Whoosh p50 / p95 | FTS5 p50 / p95 | naive/ours p50 |",
              "|---|---|---|---|---|"]
    for category in (*CATEGORIES, "overall"):
        o, w, f = (r["search"][k][category] for k in ("ours", "naive_whoosh", "sqlite_fts5"))
        lines.append(f"| {category} | {o['p50_ms']} / {o['p95_ms']} | {w['p50_ms']} / "
                     f"{w['p95_ms']} | {f['p50_ms']} / {f['p95_ms']} | "
                     f"{_ratio(w['p50_ms'], o['p50_ms'])} |")
    mem = r["memory_after_queries"]
    lines += ["", "| memory after the query mix | private MB (anonymous) | USS MB (+ mapped "
              "index pages) | RSS MB |", "|---|---|---|---|"]
    for name in ("ours", "naive_whoosh", "sqlite_fts5"):
        lines.append(f"| {name} | {mem[name].get('private_mb', 'not sampled')} | "
                     f"{mem[name]['uss_mb']} | {mem[name]['rss_mb']} |")
    lines += ["", "Naive Whoosh and FTS5 skip what they cannot express (FTS5: fuzzy) and "
              "compute no facets; naive snippets are one highlight per hit.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
