"""Window figures for issue 6: event-loop lag while indexing and searching, and cold start.

    .venv/bin/python bench/window_latency.py [--docs 2000]

Indexes a folder of the benchmark corpus from the window (Add folder), while a 10 ms timer
records how late the event loop runs it (the lag a user feels) and a search is typed every
half second; then times a cold start to a window showing results (a fresh process running
`archive-app gui --query ... --screenshot`, which opens, searches, shows the first result
and saves a PNG). LAG_TRACE=1 prints each stall over 50 ms with when it happened.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QTimer  # noqa: E402

from archive_app.core.library import Library  # noqa: E402
from archive_app.core.paths import AppPaths  # noqa: E402
from archive_app.gui.app import create_application, open_settings  # noqa: E402
from archive_app.gui.main_window import MainWindow  # noqa: E402

HERE = Path(__file__).resolve().parent


def sample_folder(docs: int, target: Path) -> Path:
    """The first `docs` files of the benchmark corpus (python -m bench builds it)."""
    files = sorted((HERE / "out" / "corpus-10000" / "files").rglob("*.txt"))[:docs]
    if len(files) < docs:
        sys.exit("run `python -m bench --docs 10000` first to build bench/out/corpus-10000")
    for number, path in enumerate(files):
        shutil.copy(path, target / f"doc{number:05d}.txt")
    return target


def measure_lag(docs: int) -> dict:
    base = Path(tempfile.mkdtemp(prefix="window-bench-"))
    (base / "files").mkdir()
    folder = sample_folder(docs, base / "files")
    library = Library(AppPaths(base / "home"))
    app = create_application()
    window = MainWindow(library, open_settings(library.paths))
    window.resize(1400, 900)
    window.show()
    lags: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        lags.append(max(0, now - last[0] - 10))
        if lags[-1] > 50 and os.environ.get("LAG_TRACE"):
            print(f"lag {lags[-1]} ms at {now} ms", flush=True)
        last[0] = now

    ticker = QTimer(interval=10, timeout=tick)
    words = iter(["water", "light", "function", "table", "river", "server"] * 50)
    typer = QTimer(interval=500, timeout=lambda: window.search_bar.set_query(next(words)))
    started = time.perf_counter()
    window.indexing.indexing_finished.connect(app.quit)
    ticker.start()
    typer.start()
    window.indexing.start([folder])
    app.exec()
    seconds = time.perf_counter() - started
    ticker.stop()
    typer.stop()
    window.close()
    library.close()
    lags.sort()
    return {"docs": docs, "index_seconds": round(seconds, 1), "ticks": len(lags),
            "lag_median_ms": statistics.median(lags), "lag_p99_ms": lags[int(len(lags) * .99)],
            "lag_max_ms": lags[-1], "over_50ms": sum(1 for lag in lags if lag > 50),
            "home": str(base / "home")}


def cold_start(home: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "archive_app", "--home", home, "gui", "--query",
                    "river", "--screenshot", str(Path(home) / "cold.png")], check=True,
                   cwd=HERE.parent)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    args = parser.parse_args()
    figures = measure_lag(args.docs)
    figures["cold_start_s"] = round(cold_start(figures.pop("home")), 2)
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
