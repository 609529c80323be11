"""What near-duplicates and reused passages cost at N documents, and our MinHash beside
datasketch's.

    .venv/bin/python -m bench.connections_cost [--docs 10000] [--out /tmp/conn-bench]
        [--compare-sync]

Builds the benchmark corpus (bench/corpus.py) under OUT/corpus-N and indexes it with this
checkout into OUT/home-N (reused when complete; the sync fingerprints every text as it
goes). Then, in this one process:

- fingerprinting: the store emptied and every text fingerprinted again from the
  catalog's stored text (`Library.update_connections`), timed, with the growth of this
  process's peak RSS, and the store's size on disk beside the index's;
- `similar` and `reused_passages` for 100 documents: median and p95 ms;
- the archive-wide reuse report (`reuse_report(30)`): seconds, clusters;
- MinHash on the same 1,000 texts: ours (fingerprints.signature_of) against datasketch's
  `MinHash(num_perm=60).update_batch` when datasketch is installed (a bench-only
  comparison, not a dependency): time per text, and how far their estimates of the same
  pairs' similarity lie from the exact shingle Jaccard.

With --compare-sync it first indexes the corpus into fresh homes, without fingerprints
and with them, twice each, alternating, and reports the seconds of each sync: what
fingerprinting adds to indexing, side by side in one run.

Prints one JSON object and writes OUT/connections-N.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

from bench import corpus


def say(line: str) -> None:
    print(f"[conn-bench] {line}", file=sys.stderr, flush=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(times: list[float]) -> dict:
    return {"median_ms": round(statistics.median(times), 2),
            "p95_ms": round(percentile(times, 0.95), 2), "count": len(times)}


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def minhash_compare(texts: list[str]) -> dict:
    from archive_app.core.connections.fingerprints import (
        NUM_PERM,
        exact_similarity,
        shingle_hashes,
        signature_of,
        similarity,
    )
    from archive_app.core.text.analysis import fold_words
    words = [fold_words(text) for text in texts]
    started = time.perf_counter()
    ours = [signature_of(shingle_hashes(w)) for w in words]
    ours_ms = (time.perf_counter() - started) * 1000 / len(texts)
    result = {"texts": len(texts), "ours_ms_per_text": round(ours_ms, 3)}
    pairs = [(i, i + 1) for i in range(0, len(texts) - 1, 2)][:200]
    exact = [exact_similarity(texts[i], texts[j]) for i, j in pairs]
    result["ours_mean_abs_error"] = round(statistics.mean(
        abs(similarity(ours[i], ours[j]) - e) for (i, j), e in zip(pairs, exact, strict=True)), 4)
    try:
        from datasketch import MinHash
    except ImportError:
        result["datasketch"] = "not installed"
        return result
    started = time.perf_counter()
    theirs = []
    for w in words:
        sketch = MinHash(num_perm=NUM_PERM, seed=1)  # one seed: comparable sketches
        sketch.update_batch([" ".join(w[k:k + 4]).encode() for k in range(len(w) - 3)])
        theirs.append(sketch)
    theirs_ms = (time.perf_counter() - started) * 1000 / len(texts)
    result["datasketch_ms_per_text"] = round(theirs_ms, 3)
    result["datasketch_mean_abs_error"] = round(statistics.mean(
        abs(theirs[i].jaccard(theirs[j]) - e) for (i, j), e in zip(pairs, exact, strict=True)), 4)
    result["datasketch_over_ours"] = round(theirs_ms / ours_ms, 2)
    return result


def compare_sync(files: Path, out: Path) -> dict:
    import shutil

    from archive_app.core.library import Library
    from archive_app.core.paths import AppPaths
    seconds: dict[str, list[float]] = {"without": [], "with": []}
    for mode in ("without", "with", "without", "with"):
        home = out / f"sync-{mode}"
        shutil.rmtree(home, ignore_errors=True)
        library = Library(AppPaths(home))
        if mode == "without":
            library.update_connections = lambda keys=None: (0, 0)
        started = time.perf_counter()
        library.sync([files])
        seconds[mode].append(round(time.perf_counter() - started, 1))
        library.close()
        shutil.rmtree(home, ignore_errors=True)
        say(f"sync {mode} fingerprints: {seconds[mode][-1]} s")
    ratio = statistics.mean(seconds["with"]) / statistics.mean(seconds["without"])
    return {**{f"sync_{mode}_fingerprints_s": values for mode, values in seconds.items()},
            "with_over_without": round(ratio, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/conn-bench"))
    parser.add_argument("--compare-sync", action="store_true")
    args = parser.parse_args()
    from archive_app.core.library import CONNECTIONS_FILE, Library
    from archive_app.core.paths import AppPaths

    out = args.out / f"corpus-{args.docs}"
    if not (out / "docs.jsonl").exists():
        say(f"corpus of {args.docs:,} documents in {out} ...")
        corpus.build(out, args.docs)
    home = args.out / f"home-{args.docs}"
    library = Library(AppPaths(home))
    report: dict = {"docs": args.docs}
    if args.compare_sync:
        report["compare_sync"] = compare_sync(out / "files", args.out)
    if library.needs_sync or not (home / "complete").exists():
        say("indexing (with fingerprints) ...")
        started = time.monotonic()
        library.sync([out / "files"])
        report["sync_with_fingerprints_s"] = round(time.monotonic() - started, 1)
        (home / "complete").write_text("ok")
    store = library._connections.store
    with store.db:
        for table in ("texts", "bands", "anchors"):
            store.db.execute(f"DELETE FROM {table}")
    store.db.execute("VACUUM")
    before = peak_rss_mb()
    started = time.perf_counter()
    added, _ = library.update_connections()
    report["fingerprint_all_s"] = round(time.perf_counter() - started, 1)
    report["fingerprinted_texts"] = added
    report["fingerprint_ms_per_text"] = round(
        report["fingerprint_all_s"] * 1000 / max(1, added), 3)
    report["peak_rss_growth_mb"] = round(peak_rss_mb() - before, 1)
    report["store_mb"] = round(size_of(home / CONNECTIONS_FILE) / 2**20, 1)
    report["index_mb"] = round(size_of(home / "index") / 2**20, 1)
    keys = [hit.key for hit in library.search("the", limit=100).hits]
    similar, reused = [], []
    for key in keys:
        started = time.perf_counter()
        library.similar(key)
        similar.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        library.reused_passages(key)
        reused.append((time.perf_counter() - started) * 1000)
    report["similar"] = summary(similar)
    report["reused_passages"] = summary(reused)
    started = time.perf_counter()
    found = library.reuse_report(30)
    report["reuse_report_s"] = round(time.perf_counter() - started, 1)
    report["reuse_clusters"] = len(found.clusters)
    report["reuse_complete"] = found.complete
    texts = [library.document(key).text for key in keys]
    texts += [doc["body"] for doc in corpus.sample_docs(out, 900)]
    report["minhash"] = minhash_compare(texts[:1000])
    library.close()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"connections-{args.docs}.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
