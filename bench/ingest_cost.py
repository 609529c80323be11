"""Indexing throughput before and after a change, side by side in one run, and what
each format costs per file.

`python -m bench.ingest_cost --docs 5000 --old REV` indexes the same bench corpus (plain
text, no OCR) with this checkout and with `git worktree` checkouts of REV, alternating,
in fresh homes, and prints docs/s per round, the medians and their ratio. `--formats`
times `load_document` on one small real file per format (made here with the libraries
the tests use) and prints the median milliseconds per file.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import corpus as bench_corpus

ROOT = Path(__file__).resolve().parents[1]


def index_once(code: Path, files: Path, home: Path) -> float:
    """Seconds for one `archive-app index` of `files` by the checkout at `code`."""
    env = dict(os.environ, PYTHONPATH=str(code), ARCHIVE_APP_HOME=str(home),
               QT_QPA_PLATFORM="offscreen")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "archive_app", "index", str(files)], env=env,
                   check=True, capture_output=True, cwd=code)
    return time.perf_counter() - started


def compare(docs: int, old: str, rounds: int) -> None:
    out = ROOT / "bench" / "out" / f"corpus-{docs}"
    bench_corpus.build(out, docs)
    files = out / "files"
    with tempfile.TemporaryDirectory() as work:
        old_code = Path(work) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach",
                        str(old_code), old], check=True)
        try:
            figures: dict[str, list[float]] = {"old": [], "new": []}
            for number in range(rounds):
                for name, code in (("old", old_code), ("new", ROOT)):
                    seconds = index_once(code, files, Path(work) / f"home-{name}-{number}")
                    figures[name].append(docs / seconds)
                    print(f"round {number + 1} {name}: {docs / seconds:7.1f} docs/s "
                          f"({seconds:.1f} s)", flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(old_code)], check=False)
    old_median, new_median = (statistics.median(figures[n]) for n in ("old", "new"))
    print(f"median: old {old_median:.1f} docs/s, new {new_median:.1f} docs/s, "
          f"new/old {new_median / old_median:.3f}")


def format_costs(repeat: int) -> None:
    """Median ms of load_document per small real file of each format (no OCR)."""
    from archive_app.core import ingest
    from tests.core.indexing.test_members import docx_bytes, message, write_zip
    from tests.core.ingest import office_fixtures
    from tests.core.ingest.conftest import make_pdf

    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        samples = {
            "txt": folder / "a.txt", "pdf": folder / "a.pdf", "docx": folder / "a.docx",
            "xlsx": folder / "a.xlsx", "zip (3 members)": folder / "a.zip",
            "eml (1 attachment)": folder / "a.eml",
        }
        samples["txt"].write_text("Title\n\n" + "A harbour ledger line. " * 200)
        make_pdf(samples["pdf"], ["One page of text about the harbour. " * 20] * 3)
        samples["docx"].write_bytes(docx_bytes(*["A paragraph of the report."] * 50))
        office_fixtures.make_xlsx(samples["xlsx"])
        write_zip(samples["zip (3 members)"], {"a.txt": b"Alpha\n\nbeta gamma",
                                               "b/c.docx": docx_bytes("Delta"),
                                               "d.txt": b"Epsilon\n\nzeta"})
        samples["eml (1 attachment)"].write_bytes(message(
            "Subject", "A <a@example.org>", "b@example.org", "Body text.", "<x@example.org>",
            attachment=("n.docx", docx_bytes("Attached words"))))
        for name, path in samples.items():
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                ingest.load_document(path, f"bench/{path.name}")
                times.append((time.perf_counter() - started) * 1000)
            print(f"{name:22s} {statistics.median(times):8.2f} ms/file (median of {repeat})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--old", default="", help="the revision to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--formats", action="store_true")
    args = parser.parse_args()
    if args.old:
        compare(args.docs, args.old, args.rounds)
    if args.formats:
        format_costs(15)


if __name__ == "__main__":
    main()
