"""One changed file in a 100,000-document archive: the targeted sync the folder watcher
runs (`Library.sync_paths`) against a full sync (`Library.sync`, what `index` and
File ▸ Re-index do), and the watcher's whole delay from a write to a searchable word.

    .venv/bin/python -m bench.watch_change [--docs 100000] [--out /tmp/browse-bench]
                                           [--rounds 7] [--only full|targeted|watch]

The archive is bench/browse_latency.py's: the benchmark corpus (bench/corpus.py, real
text from the Debian packages here) laid side by side in one folder with its
catalog.csv, indexed into OUT/home-N (made once, then reused). Each round appends a
line with a word of its own to the first file of the folder, times the sync that finds
it (and checks the word is found), then puts the file back as it was (bytes and mtime)
and syncs again, untimed, so every round and every run sees the same archive.

The Library is opened afresh and `prepare_for_changes` timed first (what the window
and `watch` run off the UI thread as they start watching: each segment's keys read, so
the first change does not pay for it). Then:

- full: `Library.sync([folder])` (a stat of every file, then the changed one read);
- targeted: `Library.sync_paths([file])` (what the watcher hands on);
- watch: a FolderWatcher runs; from the write until `sync_paths` of what it handed on
  has returned, its quiet period (QUIET_SECONDS) included.

Prints median and p95 in ms and writes OUT/watch-N.json.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import sys
import time
from pathlib import Path

from bench import browse_latency

ROUNDS = 7


def say(line: str) -> None:
    print(f"[watch-bench] {line}", file=sys.stderr, flush=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def figures(times: list[float]) -> dict:
    return {"median_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
            "min_ms": round(min(times), 1), "rounds": len(times)}


class OneFile:
    """The file each round changes, and how to put it back exactly."""

    def __init__(self, folder: Path):
        name = min(entry.name for entry in os.scandir(folder)
                   if entry.name.endswith(".txt") and entry.is_file())
        self.path = folder / name
        self.original = self.path.read_bytes()
        self.info = self.path.stat()

    def change(self, word: str) -> None:
        with open(self.path, "ab") as handle:
            handle.write(f"\nA line the benchmark added: {word}.\n".encode())

    def restore(self) -> None:
        self.path.write_bytes(self.original)
        os.utime(self.path, ns=(self.info.st_atime_ns, self.info.st_mtime_ns))


def found(library, word: str) -> bool:
    return library.search(word, limit=1).total == 1


def run_full(library, folder: Path, target: OneFile, rounds: int) -> list[float]:
    times = []
    for number in range(rounds):
        word = f"fullzq{number}x{os.getpid()}"
        target.change(word)
        started = time.perf_counter()
        library.sync([folder])
        times.append((time.perf_counter() - started) * 1000)
        assert found(library, word), word
        target.restore()
        library.sync([folder])
        say(f"full sync, round {number + 1}: {times[-1]:.0f} ms")
    return times


def run_targeted(library, target: OneFile, rounds: int) -> list[float]:
    times = []
    for number in range(rounds):
        word = f"targetzq{number}x{os.getpid()}"
        target.change(word)
        started = time.perf_counter()
        summary = library.sync_paths([target.path])
        times.append((time.perf_counter() - started) * 1000)
        assert summary.updated == 1 and found(library, word), word
        target.restore()
        library.sync_paths([target.path])
        say(f"targeted sync, round {number + 1}: {times[-1]:.1f} ms")
    return times


def run_watch(library, target: OneFile, rounds: int) -> list[float]:
    changes: queue.Queue = queue.Queue()
    statuses: list = []
    watcher = library.watcher(changes.put, statuses.append)
    watcher.start()
    times = []
    try:
        deadline = time.monotonic() + 120
        while not statuses and time.monotonic() < deadline:
            time.sleep(0.05)
        say(f"watcher: {statuses[-1].describe() if statuses else 'no status'}")
        for number in range(rounds):
            word = f"watchzq{number}x{os.getpid()}"
            started = time.perf_counter()
            target.change(word)
            batch = changes.get(timeout=60)
            library.sync_paths(batch.paths, batch.folders)
            times.append((time.perf_counter() - started) * 1000)
            assert found(library, word), word
            target.restore()
            batch = changes.get(timeout=60)
            library.sync_paths(batch.paths, batch.folders)
            say(f"watch, round {number + 1}: {times[-1]:.0f} ms from the write")
    finally:
        watcher.stop()
    return times


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.watch_change", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/browse-bench"))
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--only", choices=("full", "targeted", "watch"))
    args = parser.parse_args(argv)
    out = args.out.resolve()
    folder, home = browse_latency.prepare(out, args.docs)

    from archive_app.core.library import Library
    from archive_app.core.paths import AppPaths

    library = Library(AppPaths(home))
    report: dict = {"docs": args.docs, "figures": {}, "command": "python -m bench.watch_change "
                    + " ".join(sys.argv[1:] if argv is None else argv)}
    try:
        library.sync([folder])  # whatever an earlier, interrupted run left
        library.close()
        library = Library(AppPaths(home))  # as the window opens it
        started = time.perf_counter()
        library.prepare_for_changes()
        report["figures"]["prepare"] = figures([(time.perf_counter() - started) * 1000])
        say(f"prepare_for_changes: {report['figures']['prepare']['median_ms']:.0f} ms")
        target = OneFile(folder)
        say(f"{library.doc_count():,} documents; changing {target.path.name}")
        steps = [args.only] if args.only else ["targeted", "watch", "full"]
        for step in steps:
            if step == "full":
                times = run_full(library, folder, target, args.rounds)
            elif step == "targeted":
                times = run_targeted(library, target, args.rounds)
            else:
                times = run_watch(library, target, args.rounds)
            report["figures"][step] = figures(times)
    finally:
        library.close()
    (out / f"watch-{args.docs}.json").write_text(json.dumps(report, indent=1))
    for name, numbers in report["figures"].items():
        print(f"{name:9} median {numbers['median_ms']:9.1f} ms   p95 {numbers['p95_ms']:9.1f} ms"
              f"   min {numbers['min_ms']:9.1f} ms")
    return report


if __name__ == "__main__":
    main()
