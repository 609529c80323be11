"""`python -m bench --docs 10000`: index, re-scan, search and memory figures in one run.

Builds (or reuses) the corpus under bench/out/corpus-N, then runs each step in its own
process (bench/worker.py) so each peak memory figure is that step's own: indexing, the
240-query mix, the first query after opening and re-scans, on each engine:

- ours: this checkout's engine;
- old: the engine at `--old REV`, from a `git worktree` of REV (bench/checkout.py), run by
  the same worker code, so the two columns differ by the engine alone;
- naive: a naive Whoosh index of the same documents (15 minutes at 100,000);
- fts5: SQLite FTS5 (porter).

`--engines ours,old,naive,fts5` picks them (default: ours, naive and fts5, and old when
`--old` is given). Writes bench/results/bench-N.json and bench-N.md: medians, p95 and
ratios per query class, old/ours, ours/FTS5 against the 1.5x target, open + first query
against the 100 ms target, index size on disk. Progress goes to stderr, each step's own
stderr to bench/out/logs/. Memory stays bounded at a million documents: the corpus is
streamed to disk and only its first documents are read back (for the query mix).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench import checkout, corpus
from bench.queries import CATEGORIES, SAMPLE_DOCS, make_queries

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKER = HERE / "worker.py"
ENGINES = ("ours", "old", "naive", "fts5")
DEFAULT_ENGINES = ("ours", "naive", "fts5")
# each engine's name in the report (the first three as before --old existed), its home
# folder under --out, its worker steps and where its figures go in the report
NAMES = {"ours": "ours", "old": "old", "naive": "naive_whoosh", "fts5": "sqlite_fts5"}
LABELS = {"ours": "ours", "old": "old", "naive": "naive Whoosh", "fts5": "FTS5"}
HOMES = {"ours": "ours", "old": "old", "naive": "naive", "fts5": "fts"}
INDEX_STEPS = {"ours": "index", "old": "index", "naive": "naive_index", "fts5": "fts_index"}
SEARCH_STEPS = {"ours": "search", "old": "search", "naive": "naive_search",
                "fts5": "fts_search"}
SEARCH_KEYS = {"ours": "search_ours", "old": "search_old", "naive": "search_naive",
               "fts5": "search_fts5"}
RESYNC_KEYS = {"ours": "resync", "old": "resync_old"}
ALIASES = {**{name: engine for engine, name in NAMES.items()}, "fts": "fts5",
           "whoosh": "naive"}
FIRST_QUERY_TARGET_MS = 100
FTS5_TARGET_RATIO = 1.5

_started = time.perf_counter()


def say(line: str) -> None:
    """Progress on stderr: a million-document run takes about an hour."""
    print(f"[bench {time.perf_counter() - _started:7.1f} s] {line}", file=sys.stderr,
          flush=True)


def run_step(step: str, *args, code: Path = ROOT, log: Path | None = None) -> dict:
    """One worker step in a fresh process, with archive_app imported from `code`.

    `python -P` keeps the worker's own folder (bench/) off sys.path, so PYTHONPATH alone
    says whose engine runs; the worker says which it got and a mismatch is an error.
    The step's stderr goes to `log` (not into memory: an engine may log a lot in an
    hour's indexing); its tail is shown when the step fails."""
    code = Path(code).resolve()
    env = dict(os.environ, PYTHONPATH=str(code))
    if log is None:
        log = Path(os.devnull)
    else:
        log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w", encoding="utf-8") as errors:
        done = subprocess.run([sys.executable, "-P", str(WORKER), step, *map(str, args)],
                              cwd=code, env=env, stdout=subprocess.PIPE, stderr=errors,
                              text=True)
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:] if log.is_file() else ""
        raise RuntimeError(f"bench step {step} ({code}) failed; {log}:\n{tail}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    ran = result.get("engine_code")
    if ran is not None and Path(ran).resolve() != code:
        raise RuntimeError(f"bench step {step} meant to run the engine in {code} but "
                           f"imported archive_app from {ran}")
    return result


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


def disk_mb(path: Path) -> float:
    """Bytes of all files under `path` (the engine's whole home: index, its catalog and
    for ours the small annotation store), in MB of 10^6 bytes."""
    total = 0
    for folder, _, names in os.walk(path):
        for name in names:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                continue
    return round(total / 1e6, 1)


def parse_engines(text: str | None, old: str, check_old: bool = True) -> list[str]:
    """The engines to run in ENGINES order; `old` needs --old and --old needs `old`
    (unless `check_old` is false: a --search-only run takes REV from the last run)."""
    if text is None:
        return [e for e in ENGINES if e in DEFAULT_ENGINES or (e == "old" and old)]
    wanted = set()
    for part in text.split(","):
        part = part.strip().lower()
        if not part:
            continue
        if ALIASES.get(part, part) not in ENGINES:
            raise ValueError(f"unknown engine '{part}': choose from {', '.join(ENGINES)}")
        wanted.add(ALIASES.get(part, part))
    if not wanted:
        raise ValueError("--engines names no engine")
    if check_old and "old" in wanted and not old:
        raise ValueError("--engines old needs --old REV")
    if check_old and old and "old" not in wanted:
        raise ValueError(f"--old {old} given but --engines leaves out old")
    return [e for e in ENGINES if e in wanted]


class Run:
    """Where one run's engines live: their homes, their code, their step logs."""

    def __init__(self, work: Path, n: int, engines: list[str],
                 old: checkout.Checkout | None):
        self.work, self.n, self.engines = work, n, engines
        self.homes = {e: work / f"{HOMES[e]}-{n}" for e in ENGINES}
        self.codes = {"ours": ROOT, "naive": ROOT, "fts5": ROOT}
        if old is not None:
            self.codes["old"] = old.path

    def step(self, engine: str, step: str, *args) -> dict:
        say(f"{step} {engine} ...")
        started = time.perf_counter()
        result = run_step(step, *args, code=self.codes[engine],
                          log=self.work / "logs" / f"{self.n}-{engine}-{step}.log")
        say(f"{step} {engine}: {time.perf_counter() - started:.1f} s")
        return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="a 1,000-document smoke run")
    parser.add_argument("--out", type=Path, default=HERE / "out",
                        help="work folder for corpora and indexes (git-ignored)")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--sources", default=corpus.DEFAULT_SOURCES,
                        help="where the text comes from: 'debian' (default: the packages "
                             "installed here, see bench/sources.py) or a JSON Lines file "
                             "of {source, title, body}, gzip allowed")
    parser.add_argument("--old", default="",
                        help="also measure the engine at this git revision (a worktree "
                             "in /tmp/bench-old-<short>, made once and reused)")
    parser.add_argument("--engines", default=None,
                        help="comma-separated, of ours,old,naive,fts5 (default: "
                             "ours,naive,fts5, plus old with --old)")
    parser.add_argument("--search-only", action="store_true",
                        help="re-run the searches, re-scan and memory figures on the "
                             "corpus and indexes of the last run of this size; its "
                             "indexing figures are kept")
    args = parser.parse_args(argv)
    n = 1000 if args.quick else args.docs
    work, results = args.out.resolve(), args.results.resolve()
    command = "python -m bench " + " ".join(sys.argv[1:] if argv is None else argv)
    if args.search_only:
        return _search_again(parser, args, n, work, results, command)
    try:
        engines = parse_engines(args.engines, args.old)
    except ValueError as error:
        parser.error(str(error))
    old = checkout.worktree(args.old) if args.old else None
    corpus_dir = work / f"corpus-{n}"
    say(f"corpus of {n:,} documents in {corpus_dir} ...")
    started = time.perf_counter()
    manifest = corpus.build(corpus_dir, n, args.sources, progress=say)
    corpus_seconds = time.perf_counter() - started
    files = corpus_dir / "files"
    mix = make_queries(corpus.sample_docs(corpus_dir, SAMPLE_DOCS))
    queries_file = work / f"queries-{n}.json"
    queries_file.write_text(json.dumps(mix, indent=0))

    run = Run(work, n, engines, old)
    for engine in engines:
        shutil.rmtree(run.homes[engine], ignore_errors=True)
    report: dict = {"docs": n, "corpus_bytes": manifest["body_bytes_total"],
                    "corpus_sources": manifest.get("sources"),
                    "corpus_seconds": round(corpus_seconds, 1),
                    "machine": {"python": platform.python_version(),
                                "cpus": os.cpu_count(),
                                "platform": platform.platform()},
                    "command": command, "engines": engines}
    if old is not None:
        report["old"] = old.as_dict()
    sources = {"ours": files, "old": files, "naive": corpus_dir / "docs.jsonl",
               "fts5": corpus_dir / "docs.jsonl"}
    report["index"] = {}
    for engine in engines:  # all indexes first: the re-scans below touch a corpus file
        row = run.step(engine, INDEX_STEPS[engine], run.homes[engine], sources[engine])
        row["index_mb"] = disk_mb(run.homes[engine])
        report["index"][NAMES[engine]] = row
    report["index"]["ratio_vs_naive"] = _ratio(
        report["index"].get("ours", {}).get("docs_per_s"),
        report["index"].get("naive_whoosh", {}).get("docs_per_s"))
    _search(report, run, queries_file, files, mix)
    return _write(report, results, n)


def _search_again(parser, args, n: int, work: Path, results: Path, command: str) -> dict:
    """The search half of a run, on what the last full run of `n` documents left: its
    engines (or those of --engines among them), its old revision's worktree."""
    report = json.loads((results / f"bench-{n}.json").read_text())
    had = report.get("engines") or [e for e in ENGINES if NAMES[e] in report["index"]]
    made = report.get("old", {})
    if args.old and made and checkout.commit_of(args.old) != made.get("commit"):
        parser.error(f"--old {args.old} is not the revision the last run indexed "
                     f"({made.get('short')})")
    try:
        engines = (had if args.engines is None
                   else parse_engines(args.engines, args.old, check_old=False))
    except ValueError as error:
        parser.error(str(error))
    missing = [e for e in engines if e not in had]
    if missing:
        parser.error(f"the last run of {n} documents did not index {', '.join(missing)}")
    old = checkout.worktree(made["commit"]) if "old" in engines else None
    queries_file = work / f"queries-{n}.json"
    mix = json.loads(queries_file.read_text())
    report["searched_again"] = {"command": command, "date": time.strftime("%Y-%m-%d"),
                                "engines": engines}
    _search(report, Run(work, n, engines, old), queries_file,
            work / f"corpus-{n}" / "files", mix)
    return _write(report, results, n)


def _search(report: dict, run: Run, queries_file: Path, files: Path, mix: list) -> None:
    """The query mix, the first queries and the re-scans; the re-scans last, after every
    engine searched the corpus as it was indexed."""
    engines = run.engines
    for engine in engines:
        report[SEARCH_KEYS[engine]] = run.step(engine, SEARCH_STEPS[engine],
                                               run.homes[engine], queries_file)
    for engine in engines:
        if engine in RESYNC_KEYS:
            report[RESYNC_KEYS[engine]] = run.step(engine, "rescan", run.homes[engine], files)
    for key in ("search", "memory_after_queries", "open_ms", "first_query"):
        report.setdefault(key, {})
    for engine in engines:
        name, found = NAMES[engine], report[SEARCH_KEYS[engine]]
        report["search"][name] = summarise(found.pop("times_ms"), mix)
        report["memory_after_queries"][name] = {k: found.get(k) for k in
                                                ("private_mb", "uss_mb", "rss_mb")}
        report["open_ms"][name] = found["open_ms"]
        report["first_query"][name] = found.pop("first_query", None)
    report["ratios"] = class_ratios(report["search"])
    own = next((e for e in ("ours", "old") if e in engines), None)
    if own is not None:
        report["queries"] = [{"category": q["category"], "query": q["query"],
                              "sort": q["sort"], "total": t}
                             for q, t in zip(mix, report[SEARCH_KEYS[own]]["totals"],
                                             strict=True)]
    if "ours" in engines and "old" in engines:
        report["old_totals_differ"] = [
            {"category": q["category"], "query": q["query"], "ours": a, "old": b}
            for q, a, b in zip(mix, report["search_ours"]["totals"],
                               report["search_old"]["totals"], strict=True) if a != b]


def class_ratios(search: dict) -> dict:
    """Per query class, p50 and p95 of one engine over another's (over 1: slower)."""
    pairs = {"naive_vs_ours": ("naive_whoosh", "ours"), "old_vs_ours": ("old", "ours"),
             "ours_vs_fts5": ("ours", "sqlite_fts5"), "old_vs_fts5": ("old", "sqlite_fts5")}
    ratios = {}
    for key, (a, b) in pairs.items():
        if a in search and b in search:
            ratios[key] = {category: {q: _ratio(search[a][category][f"{q}_ms"],
                                                search[b][category][f"{q}_ms"])
                                      for q in ("p50", "p95")}
                           for category in (*CATEGORIES, "overall")}
    return ratios


def _write(report: dict, results: Path, n: int) -> dict:
    results.mkdir(parents=True, exist_ok=True)
    (results / f"bench-{n}.json").write_text(json.dumps(report, indent=1))
    (results / f"bench-{n}.md").write_text(markdown(report))
    print(markdown(report))
    return report


def _present(r: dict) -> list[str]:
    """The engines a report has figures for, in ENGINES order (older reports have no
    "engines" and always ours, naive and FTS5)."""
    return [e for e in ENGINES if NAMES[e] in r.get("index", {})]


def _cell(value, unit: str = "") -> str:
    return "-" if value is None else f"{value}{unit}"


def markdown(r: dict) -> str:
    idx = r["index"]
    engines = _present(r)
    searched = [e for e in engines if NAMES[e] in r.get("search", {})]
    r = {**r, "ratios": class_ratios(r.get("search", {}))}  # also for reports made before
    lines = [f"# Benchmark: {r['docs']} documents ({r['corpus_bytes'] / 1e6:.0f} MB of text)",
             "", f"`{r['command']}` on {r['machine']['cpus']} CPUs, "
             f"Python {r['machine']['python']}", ""]
    if "old" in r:
        old = r["old"]
        subject = old["subject"] if len(old["subject"]) <= 80 else \
            old["subject"][:80].rsplit(" ", 1)[0] + "\u2026"
        lines += [f"old: the engine at `{old['rev']}` = {old['short']} ({subject}), "
                  "run from a git worktree by this checkout's worker; ours: this "
                  "checkout's engine as it is on disk.", ""]
    if "searched_again" in r:
        again = r["searched_again"]
        lines += [f"Searches, re-scan and memory re-run on {again['date']} with "
                  f"`{again['command']}` on the same corpus and indexes; the indexing "
                  "figures are from the full run.", ""]
    lines += _index_table(idx, engines)
    lines += _rescan_lines(r, engines)
    lines += _search_table(r, searched)
    lines += _fts_lines(r, searched)
    lines += _first_query_table(r, searched)
    mem = r["memory_after_queries"]
    lines += ["", "| memory after the query mix | private MB (anonymous) | USS MB (+ mapped "
              "index pages) | RSS MB |", "|---|---|---|---|"]
    for engine in searched:
        row = mem[NAMES[engine]]
        lines.append(f"| {NAMES[engine]} | {row.get('private_mb', 'not sampled')} | "
                     f"{row['uss_mb']} | {row['rss_mb']} |")
    if "old_totals_differ" in r:
        differ = r["old_totals_differ"]
        lines += ["", f"Hit counts: ours and old agree on {len(r['queries']) - len(differ)} "
                  f"of {len(r['queries'])} queries."]
        lines += [f"- {d['category']} `{d['query']}`: ours {d['ours']}, old {d['old']}"
                  for d in differ[:10]]
    lines += ["", "Naive Whoosh and FTS5 skip what they cannot express (FTS5: fuzzy) and "
              "compute no facets; naive snippets are one highlight per hit.", ""]
    return "\n".join(lines)


def _index_table(idx: dict, engines: list[str]) -> list[str]:
    naive = idx.get("naive_whoosh", {}).get("docs_per_s")
    ours = idx.get("ours", {}).get("seconds")
    lines = ["| indexing | docs/s | seconds | peak RSS MB, all processes (largest child) "
             "| index MB on disk | vs naive | time vs ours |",
             "|---|---|---|---|---|---|---|"]
    for engine in engines:
        row = idx[NAMES[engine]]
        # sampled over the process tree; ru_maxrss can carry the bench parent's peak
        total = row.get("peak_tree_rss_mb", "not sampled")
        child = row.get("peak_tree_child_rss_mb", "-")
        lines.append(f"| {NAMES[engine]} | {row['docs_per_s']} | {row['seconds']} | "
                     f"{total} ({child}) | {_cell(row.get('index_mb'))} | "
                     f"{_cell(_ratio(row['docs_per_s'], naive))} | "
                     f"{_cell(_ratio(row['seconds'], ours))} |")
    return lines


def _rescan_lines(r: dict, engines: list[str]) -> list[str]:
    lines = []
    for engine in ("ours", "old"):
        rs = r.get(RESYNC_KEYS[engine])
        if engine not in engines or not rs:
            continue
        who = "" if engine == "ours" else " (old)"
        lines.append(f"Unchanged re-scan{who}: {rs['unchanged_rescan_s']} s; one changed "
                     f"file: {rs['one_changed_s']} s; library open: "
                     f"{rs['library_open_ms']} ms.")
    opens = ", ".join(f"{LABELS[e]} {r['open_ms'][NAMES[e]]} ms" for e in engines
                      if NAMES[e] in r.get("open_ms", {}))
    lines.append(f"Index open (first search possible): {opens}.")
    return ["", " ".join(lines), ""]


def _search_table(r: dict, engines: list[str]) -> list[str]:
    search = r["search"]
    facets = ", ".join(e for e in ("ours", "old") if e in engines) or "none"
    header = [f"search, top 20 + snippets (+ facets: {facets})"]
    header += [f"{LABELS[e]} p50 / p95 ms" for e in engines]
    ratios = [(key, label) for key, label in (("naive_vs_ours", "naive/ours p50"),
                                              ("old_vs_ours", "old/ours p50 / p95"))
              if key in r.get("ratios", {})]
    header += [label for _, label in ratios]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for category in (*CATEGORIES, "overall"):
        cells = [category]
        for engine in engines:
            row = search[NAMES[engine]][category]
            cells.append(f"{row['p50_ms']} / {row['p95_ms']}")
        for key, _ in ratios:
            pair = r["ratios"][key][category]
            cells.append(str(pair["p50"]) if key == "naive_vs_ours"
                         else f"{pair['p50']} / {pair['p95']}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _fts_lines(r: dict, engines: list[str]) -> list[str]:
    """One line per query class: ours (and old) over FTS5, p50 and p95, against the
    target that no class is more than 1.5x slower than FTS5."""
    subjects = [e for e in ("ours", "old") if e in engines
                and f"{e}_vs_fts5" in r.get("ratios", {})]
    if not subjects:
        return []
    lines = ["", f"Against FTS5, per class (time over FTS5's; target: no class over "
             f"{FTS5_TARGET_RATIO}x):", ""]
    within = dict.fromkeys(subjects, 0)
    compared = dict.fromkeys(subjects, 0)
    for category in CATEGORIES:
        parts = []
        for engine in subjects:
            pair = r["ratios"][f"{engine}_vs_fts5"][category]
            if pair["p50"] is None:
                parts.append(f"{engine}: FTS5 cannot express it")
                continue
            compared[engine] += 1
            worst = max(v for v in pair.values() if v is not None)
            ok = worst <= FTS5_TARGET_RATIO
            within[engine] += ok
            parts.append(f"{engine}/FTS5 p50 {pair['p50']}x, p95 {_cell(pair['p95'], 'x')}"
                         f" ({'within' if ok else 'over'} {FTS5_TARGET_RATIO}x)")
        lines.append(f"- {category}: " + "; ".join(parts))
    lines += ["", "; ".join(f"{e}: {within[e]} of {compared[e]} classes within "
                            f"{FTS5_TARGET_RATIO}x of FTS5" for e in subjects) + "."]
    return lines


def _first_query_table(r: dict, engines: list[str]) -> list[str]:
    """Open + first query (and the first query alone) per class, each in a fresh
    process, against the 100 ms target."""
    first = {e: r.get("first_query", {}).get(NAMES[e]) for e in engines}
    engines = [e for e in engines if first[e]]
    if not engines:
        return []
    lines = ["", f"| first query after opening, fresh process: open + first / first "
             f"alone, ms (target: open + first <= {FIRST_QUERY_TARGET_MS}) | "
             + " | ".join(LABELS[e] for e in engines) + " |",
             "|" + "---|" * (len(engines) + 1)]
    for category in CATEGORIES:
        cells = []
        for engine in engines:
            row = first[engine]["per_class"].get(category)
            if not row:
                cells.append("-")
            elif "error" in row:
                cells.append("error")
            else:
                cells.append(f"{row['open_plus_first_ms']} / {row['first_ms']}")
        lines.append(f"| {category} | " + " | ".join(cells) + " |")
    lines.append("| median | " + " | ".join(
        f"{_cell(first[e]['median_open_plus_first_ms'])} / "
        f"{_cell(first[e]['median_first_ms'])}" for e in engines) + " |")
    verdicts = []
    for engine in engines:
        worst = first[engine]["max_open_plus_first_ms"]
        if worst is None:
            continue
        verdict = "within" if worst <= FIRST_QUERY_TARGET_MS else "over"
        verdicts.append(f"{LABELS[engine]} worst {worst} ms ({first[engine]['max_class']}, "
                        f"{verdict} {FIRST_QUERY_TARGET_MS} ms)")
    lines += ["", "Open + first query: " + "; ".join(verdicts) + ". Each class's first "
              "query in a process forked before anything is opened (modules imported, "
              "OS page cache warm)."]
    return lines


if __name__ == "__main__":
    main()
