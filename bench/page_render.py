"""Page view figures: the isolated page renderer (core/pages/renderer.py) on a long PDF.

    .venv/bin/python bench/page_render.py [PDF]

Without a PDF it writes a 300-page one with fpdf2 (text in two sizes, a table of
rules and a picture every page), as no long PDF ships on this machine. Prints: the
child's start (the first one also starts the core's forkserver; a restart, as after a
timeout, forks from it), the first page (page count, size, and render at the fit-width
scale of a 1000 px wide view), rendering 30 random pages not seen before (median, p95),
stepping back to a cached page, and page_text (median); then, through the Library on
the indexed PDF, stepping to a hit on a page not yet shown: render it and box every hit
on it (its character table built, as on a first view). The targets: first page
< 300 ms, stepping to a hit on another page < 150 ms.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from archive_app.core.library import Library
from archive_app.core.pages.renderer import PageRenderer
from archive_app.core.paths import AppPaths

VIEW_WIDTH = 1000
PAGES = 300
SAMPLE = 30
WORDS = ("harbour", "tide", "channel", "pilot", "dredging", "lighthouse", "keeper", "cargo",
         "vessel", "quay", "berth", "buoy", "current", "ebb", "flood", "moor", "anchor",
         "sounding", "chart", "beacon")


def write_pdf(path: Path) -> Path:
    """A PDF of PAGES pages that is not trivial to draw: a heading, ~500 words of body
    text, a small table and a picture on every page."""
    from fpdf import FPDF
    from PIL import Image

    chance = random.Random(7)
    picture = Image.effect_noise((240, 160), 60).convert("RGB")
    pdf = FPDF()
    for page in range(PAGES):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 18)
        pdf.cell(0, 12, f"Harbour report, page {page + 1}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(0, 5, " ".join(chance.choice(WORDS) for _ in range(450)))
        pdf.image(picture, x=120, y=pdf.get_y() + 4, w=70)
        for row in range(6):
            y = pdf.get_y() + 4 + row * 7
            pdf.line(15, y, 110, y)
            pdf.text(17, y + 5, f"{chance.randint(1, 999)} t   {chance.choice(WORDS)}")
    pdf.output(str(path))
    return path


def milliseconds(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def main() -> None:
    if len(sys.argv) > 1:
        path = Path(sys.argv[1])
    else:
        path = write_pdf(Path(tempfile.mkdtemp(prefix="page-bench-")) / "long.pdf")
    print(f"file: {path} ({path.stat().st_size / 1024 ** 2:.1f} MB)")
    with PageRenderer() as renderer:
        started = time.perf_counter()
        renderer.start()
        print(f"child start (forkserver started too): {milliseconds(started):.0f} ms")
        renderer._stop()
        started = time.perf_counter()
        renderer.start()
        print(f"child start (restart from the forkserver): {milliseconds(started):.0f} ms")

        started = time.perf_counter()
        count = renderer.page_count(path, "pdf")
        width, _ = renderer.page_size(path, "pdf", 0)
        scale = VIEW_WIDTH / width
        first = renderer.render(path, "pdf", 0, scale)
        print(f"first page: {milliseconds(started):.0f} ms (open {count} pages + size + "
              f"render {first.width} x {first.height} px)")

        pages = random.Random(1).sample(range(1, count), min(SAMPLE, count - 1))
        if not pages:
            return  # a one-page file: the first page is all there is
        renders, texts = [], []
        for page in pages:
            started = time.perf_counter()
            renderer.render(path, "pdf", page, scale)
            renders.append(milliseconds(started))
            started = time.perf_counter()
            text = renderer.page_text(path, page)
            texts.append(milliseconds(started))
        renders.sort()
        print(f"render {len(pages)} random pages: median {statistics.median(renders):.1f} ms, "
              f"p95 {renders[int(0.95 * (len(renders) - 1))]:.1f} ms, "
              f"max {renders[-1]:.1f} ms")
        print(f"page_text: median {statistics.median(texts):.1f} ms, max {max(texts):.1f} ms "
              f"(last page {len(text.text)} characters)")
        started = time.perf_counter()
        renderer.render(path, "pdf", pages[-1], scale)
        print(f"a cached page again: {milliseconds(started):.2f} ms")
    step_to_hits(path, scale)


def step_to_hits(path: Path, scale: float) -> None:
    """What F3 to a hit on another page costs the page view's worker (pages.render and
    pages.boxes, as gui/page_view.render_page calls them), on pages not seen before."""
    home = Path(tempfile.mkdtemp(prefix="page-bench-home-"))
    library = Library(AppPaths(home))
    try:
        library.sync([path.parent])
        key = library.search(WORDS[0]).hits[0].key
        spans = library.hit_spans(WORDS[0], key)
        pages = library.pages(key)
        on = sorted({pages.page_of(start) for start, _ in spans})
        chosen = random.Random(2).sample(on, min(SAMPLE, len(on)))
        steps = []
        for page in chosen:
            started = time.perf_counter()
            pages.render(page, scale)
            boxed = pages.boxes(page, spans)
            steps.append(milliseconds(started))
        steps.sort()
        print(f"step to a hit on a page not shown yet ({len(spans)} hits on {len(on)} "
              f"pages; render + box them): median {statistics.median(steps):.1f} ms, p95 "
              f"{steps[int(0.95 * (len(steps) - 1))]:.1f} ms, max {steps[-1]:.1f} ms "
              f"({len(boxed)} boxes on the last)")
    finally:
        library.close()


if __name__ == "__main__":
    main()
