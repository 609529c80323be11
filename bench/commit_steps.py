"""What committing in steps costs: 2,000 generated files indexed with one batch and with
steps of 5 and 2 seconds (two indexing children), interleaved, best and median of 5.

    python -m bench.commit_steps [RUNS]

Each step is one more commit in the parent and one more segment per child; the figures
chose COMMIT_EVERY_SECONDS (README, "index").
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from archive_app.core.library import Library
from archive_app.core.paths import AppPaths

try:
    from archive_app.core.indexing import index as archive_index
except ImportError:  # a checkout from before core/ was grouped into packages (issue 16)
    from archive_app.core import index as archive_index

WORDS = ["camp", "liberty", "ashraf", "refugees", "witness", "report", "attack", "council",
         "resolution", "mission", "residents", "relocation", "security", "investigation",
         "statement"]
FILES = 2000
STEPS = (1e9, 5.0, 2.0)


def make_corpus(folder: Path) -> Path:
    rng = random.Random(7)
    for number in range(FILES):
        path = folder / f"part{number % 20:02d}" / f"doc{number:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(200, 800)))
        path.write_text(f"Report {number}\n\n{words} marker{number}", encoding="utf-8")
    return folder


def index_once(corpus: Path, seconds: float) -> tuple[float, int]:
    archive_index.COMMIT_EVERY_SECONDS = seconds
    with tempfile.TemporaryDirectory() as home:
        library = Library(AppPaths(Path(home)))
        started = time.perf_counter()
        library.sync([corpus])
        took = time.perf_counter() - started
        segments = library._index.engine.segment_count()  # a bench may look inside
        library.close()
    return took, segments


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        corpus = make_corpus(Path(folder) / "corpus")
        times: dict[float, list[tuple[float, int]]] = {step: [] for step in STEPS}
        for _ in range(runs):
            for step in STEPS:
                times[step].append(index_once(corpus, step))
        for step, results in times.items():
            took = sorted(seconds for seconds, _ in results)
            label = "one batch" if step >= 1e9 else f"every {step:g} s"
            print(f"{label}: best {took[0]:.2f} s, median {took[len(took) // 2]:.2f} s, "
                  f"{results[0][1]} segments")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
