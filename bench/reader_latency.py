"""Reader figures for issue 6: a 1 MB document with thousands of hits, offscreen.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/reader_latency.py

Prints, per query: the core's hit spans (on a worker in the app), setting the text with
every hit marked and drawn, and stepping to the next hit (median and max of 20 steps;
each step also runs the event loop, where Qt lays out the rest of the text in chunks).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from archive_app.core.library import Library  # noqa: E402
from archive_app.core.paths import AppPaths  # noqa: E402
from archive_app.gui.app import create_application, open_settings  # noqa: E402
from archive_app.gui.main_window import MainWindow  # noqa: E402

PARAGRAPH = ("All human beings are born free and equal in dignity and rights. They are "
             "endowed with reason and conscience and should act towards one another in a "
             "spirit of brotherhood. ") * 4


def main() -> None:
    base = Path(tempfile.mkdtemp(prefix="reader-bench-"))
    text = "Big report\n\n" + "\n\n".join([PARAGRAPH] * (1_000_000 // len(PARAGRAPH)))
    (base / "corpus").mkdir()
    (base / "corpus" / "big.txt").write_text(text, encoding="utf-8")
    library = Library(AppPaths(base / "home"))
    library.sync([base / "corpus"])
    app = create_application()
    window = MainWindow(library, open_settings(library.paths))
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    view = library.document("corpus/big.txt")
    print(f"document: {len(text):,} characters")
    for query in ("dignity", "brotherhood", '"equal in dignity"'):
        started = time.perf_counter()
        spans = library.hit_spans(query, "corpus/big.txt")
        spanned = time.perf_counter()
        window.reader.show_document(view, spans)
        app.processEvents()
        window.grab()
        shown = time.perf_counter()
        steps = []
        for _ in range(20):
            step = time.perf_counter()
            window.reader.next_hit()
            app.processEvents()
            steps.append((time.perf_counter() - step) * 1000)
        print(f"{query}: {len(spans):,} hits; spans {(spanned - started) * 1000:.0f} ms; "
              f"set, mark and draw {(shown - spanned) * 1000:.0f} ms; next hit median "
              f"{statistics.median(steps):.1f} ms, max {max(steps):.1f} ms")
        # the steps include Qt laying out the rest of the text in the background
        print("  each step, ms:", " ".join(f"{step:.0f}" for step in steps))
    window.close()
    library.close()


if __name__ == "__main__":
    main()
