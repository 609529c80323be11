"""Browse figures: opening and sorting one folder that holds 100,000 documents.

    .venv/bin/python -m bench.browse_latency [--docs 100000] [--out /tmp/browse-bench]

Builds the benchmark corpus (bench/corpus.py, real text from the Debian packages here)
under OUT/corpus-N, lays all its files side by side in one folder (OUT/flat-N, hard
links, with the corpus's catalog.csv rewritten for the flat names, so every document
keeps its date, author and source) and indexes that folder with this checkout's engine
into OUT/home-N (reused when it is already complete). Then it times, each ROUNDS
times in this process, what the Browse view asks of the core (core/browse.py):

- open folder: the folder's listing sorted by title (counts, skipped files, the sorted
  keys) and its first page of 200 rows, as the view shows on opening it;
- sort by a column: the same folder sorted by date, size, author, pages, annotations
  (descending too), each with its first page;
- a page further down (rows 50,000-50,200 of the sorted listing);
- the same through the window's table model (gui/browse_view.py), offscreen.

Prints medians and p95 in ms, and writes OUT/browse-N.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time
from pathlib import Path

from bench import corpus

ROUNDS = 21
PAGE = 200


def say(line: str) -> None:
    print(f"[browse-bench] {line}", file=sys.stderr, flush=True)


def flat_folder(corpus_dir: Path, flat: Path) -> Path:
    """Every corpus file in one folder (hard links: no second copy of the text), with a
    catalog.csv naming them by their flat names."""
    done = flat / ".complete"
    if done.exists():
        return flat
    flat.mkdir(parents=True, exist_ok=True)
    files = corpus_dir / "files"
    with open(files / "catalog.csv", encoding="utf-8", newline="") as source, \
            open(flat / "catalog.csv", "w", encoding="utf-8", newline="") as target:
        rows = csv.reader(source)
        out = csv.writer(target)
        out.writerow(next(rows))
        for row in rows:
            name = row[0].replace("/", "-")
            link = flat / name
            if not link.exists():
                os.link(files / row[0], link)
            out.writerow([name, *row[1:]])
    done.write_text("")
    return flat


def prepare(out: Path, n: int) -> tuple[Path, Path]:
    """The flat folder and an indexed home over it (made once, then reused)."""
    corpus_dir = out / f"corpus-{n}"
    say(f"corpus of {n:,} documents in {corpus_dir} ...")
    corpus.build(corpus_dir, n, progress=say)
    flat = flat_folder(corpus_dir, out / f"flat-{n}")
    home = out / f"home-{n}"
    marker = home / ".indexed"
    if not marker.exists():
        from archive_app.core.library import Library
        from archive_app.core.paths import AppPaths

        say(f"indexing {flat} into {home} (our engine) ...")
        started = time.perf_counter()
        library = Library(AppPaths(home))
        try:
            summary = library.sync([flat])
        finally:
            library.close()
        say(f"indexed {summary.added:,} documents in {time.perf_counter() - started:.0f} s")
        marker.write_text(json.dumps({"added": summary.added}))
    return flat, home


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.browse_latency",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/browse-bench"))
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--prepare-only", action="store_true",
                        help="build and index the folder, measure nothing")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    flat, home = prepare(out, args.docs)
    if args.prepare_only:
        return {}
    report = measure(home, f"{flat.name}", args.rounds)
    report.update(docs=args.docs, command="python -m bench.browse_latency " + " ".join(
        sys.argv[1:] if argv is None else argv))
    (out / f"browse-{args.docs}.json").write_text(json.dumps(report, indent=1))
    for name, figures in report["figures"].items():
        print(f"{name:34} median {figures['median_ms']:8.1f} ms   p95 {figures['p95_ms']:8.1f} ms")
    return report


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(function, rounds: int) -> dict:
    """Median and p95 in ms of `rounds` calls (after one untimed warm-up call)."""
    function()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 0.95), 1), "rounds": rounds}


def measure(home: Path, folder: str, rounds: int) -> dict:
    from archive_app.core.library import Library
    from archive_app.core.paths import AppPaths

    library = Library(AppPaths(home))
    figures: dict[str, dict] = {}
    try:
        listing = library.browse(folder)
        total = listing.total
        say(f"{folder}: {total:,} documents; {rounds} rounds each")
        figures["open folder (title), first page"] = timed(
            lambda: library.browse(folder).rows(0, PAGE), rounds)
        for column, descending in (("date", False), ("date", True), ("size", True),
                                   ("author", False), ("pages", False),
                                   ("annotations", True), ("path", False)):
            label = f"sort by {column}{' desc' if descending else ''}, first page"
            figures[label] = timed(
                lambda c=column, d=descending: listing.sorted_by(c, d).rows(0, PAGE), rounds)
        figures["open folder sorted by date"] = timed(
            lambda: library.browse(folder, sort="date").rows(0, PAGE), rounds)
        figures["a page deep down (rows 50,000+)"] = timed(
            lambda: listing.rows(total // 2, total // 2 + PAGE), rounds)
        figures["open folder, filter format:txt"] = timed(
            lambda: library.browse(folder, filters=["format:txt"]).rows(0, PAGE), rounds)
        figures["the archive's top"] = timed(lambda: library.browse(""), rounds)
        figures.update(_model_figures(listing, rounds))
    finally:
        library.close()
    return {"folder": folder, "documents": total, "figures": figures}


def _model_figures(listing, rounds: int) -> dict:
    """The window's table model (offscreen): a listing set, then scrolled 5 pages."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from archive_app.gui.browse_view import BrowseModel

    app = QApplication.instance() or QApplication([])
    model = BrowseModel()

    def scrolled() -> None:
        model.set_listing(listing)
        for _ in range(5):
            model.fetchMore()
        for row in range(model.rowCount()):
            model.index(row, 0).data()

    figures = {"table model: set + 5 pages shown": timed(scrolled, rounds)}
    del app
    return figures


if __name__ == "__main__":
    main()
