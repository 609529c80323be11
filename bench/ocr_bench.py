"""`python -m bench.ocr_bench`: OCR recall and speed on generated scans (issue 14).

Makes image-only PDFs of UDHR text in English, Persian and Arabic (the test scans of
tests/core/ingest/ocr_fixtures.py: Articles 1-3, then later articles from
corpus/reference, typeset at 11, 10, 8.5 and 7 pt in turn, scanned at 300 dpi,
turned ~1 degree, specked) and reads them with archive_app.core.ingest.ocr, no cache, printing:

1. word recall per language and seconds a page at each rendering dpi tried
   (languages detected by OSD, as the app does by default);
2. recall on the Persian and Arabic pages for each way of naming the languages, and
   the letter counts `ocr.looks_persian` judges by (what the Arabic-script rule was
   chosen by);
3. pages a minute on this machine: one process, and two processes side by side,
   with OMP_THREAD_LIMIT=1 (the app's setting) and without it.

Recall is the share of the page's words, folded as a search folds them, that the OCR
found (ocr_fixtures.recall). `--quick` reads two pages a language instead of six.
"""

from __future__ import annotations

import argparse
import html
import multiprocessing
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the tests' scan maker lives beside
    sys.path.insert(0, str(ROOT))

from archive_app.core.ingest import ocr, options  # noqa: E402
from tests.core.ingest import ocr_fixtures as scans  # noqa: E402

LANGUAGES = ("eng", "fas", "ara")
DPIS = (150, 200, 300)
POINT_SIZES = (11.0, 10.0, 8.5, 7.0)
WORDS_A_PAGE = 170
ARABIC_SCRIPT_CHOICES = ("fas", "ara", "fas+ara", "ara+fas")


# -- the scans ---------------------------------------------------------------------------


def later_articles(language: str) -> list[str]:
    """The UDHR's paragraphs after Article 3, from the corpus's reference copies."""
    reference = ROOT / "corpus" / "reference"
    if language == "eng":
        found = re.findall(r"<p>(.*?)</p>", (reference / "udhr-en.html").read_text("utf-8"),
                           re.DOTALL)
        paragraphs = [html.unescape(re.sub(r"<[^>]+>", "", p)) for p in found]
    elif language == "fas":
        paragraphs = (reference / "udhr-fa.txt").read_text("utf-8").split("\n\n")
    else:
        body = (reference / "udhr-ar.md").read_text("utf-8").split("---", 2)[2]
        paragraphs = [re.sub(r"^(#+|\d+\.)\s*", "", p.strip()) for p in body.split("\n\n")]
    paragraphs = [" ".join(p.split()) for p in paragraphs if p.strip()]
    last_known = scans.UDHR[language][-1]
    start = next(i for i, p in enumerate(paragraphs) if p == last_known) + 1
    return [p for p in paragraphs[start:] if len(p.split()) > 3]


def page_texts(language: str, count: int) -> list[list[str]]:
    """`count` pages of paragraphs: Articles 1-3 first, then ~WORDS_A_PAGE words each."""
    pages, rest = [list(scans.UDHR[language])], later_articles(language)
    while len(pages) < count and rest:
        page: list[str] = []
        while rest and sum(len(p.split()) for p in page) < WORDS_A_PAGE:
            page.append(rest.pop(0))
        pages.append(page)
    return pages


def write_scans(folder: Path, count: int) -> dict[str, tuple[Path, list[str]]]:
    """One image-only PDF a language; its pages cycle through POINT_SIZES."""
    made = {}
    for language in LANGUAGES:
        texts = page_texts(language, count)
        frames = [scans.page_image(language, paragraphs=paragraphs, seed=number,
                                   point_size=POINT_SIZES[number % len(POINT_SIZES)])
                  for number, paragraphs in enumerate(texts)]
        path = folder / f"{language}.pdf"
        frames[0].save(path, save_all=True, append_images=frames[1:],
                       resolution=scans.SCAN_DPI)
        made[language] = (path, ["\n\n".join(paragraphs) for paragraphs in texts])
    return made


# -- reading -----------------------------------------------------------------------------


CHOSEN_DPI = ocr.DPI


def read_pdf(path: Path, pages: list[int], count: int, languages: str = "",
             dpi: int = CHOSEN_DPI, threads: int = 1) -> dict[int, ocr.OcrPage]:
    """OCR of the pages with the given settings, no cache; problems are printed."""
    ocr.DPI, ocr.TESSERACT_THREADS = dpi, threads
    try:
        with options.reading_with(options.ReadOptions(ocr_languages=languages)):
            found, problems = ocr.ocr_pages(path, "pdf", pages, count)
    finally:
        ocr.DPI, ocr.TESSERACT_THREADS = CHOSEN_DPI, 1
    for problem in problems:
        print(f"  ! {path.name} {problem}", file=sys.stderr)
    return found


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def read_all(made, language: str, **settings) -> tuple[dict[int, float], float]:
    """Recall of each page of the language's scan, and seconds a page."""
    found, seconds = read_timed(made, language, **settings)
    texts = made[language][1]
    return {n: scans.recall(texts[n], page.text) for n, page in found.items()}, seconds


def read_timed(made, language: str, **settings) -> tuple[dict[int, ocr.OcrPage], float]:
    path, texts = made[language]
    started = time.monotonic()
    found = read_pdf(path, list(range(len(texts))), len(texts), **settings)
    return found, (time.monotonic() - started) / len(texts)


def dpi_table(made) -> None:
    print("\n1. Rendering dpi (languages detected by OSD; 1 process, OMP_THREAD_LIMIT=1)")
    print(f"{'dpi':>5} {'eng':>7} {'fas':>7} {'ara':>7} {'mean':>7} {'s/page':>8}"
          f"   {'7 pt pages: eng fas ara':>24}")
    smallest = len(POINT_SIZES) - 1
    for dpi in DPIS:
        results = {language: read_all(made, language, dpi=dpi) for language in LANGUAGES}
        overall = mean(mean(found.values()) for found, _s in results.values())
        seconds = mean(s for _found, s in results.values())
        small = [mean(r for n, r in found.items() if n % len(POINT_SIZES) == smallest)
                 for found, _s in results.values()]
        print(f"{dpi:>5} " + " ".join(f"{mean(found.values()):>7.3f}"
                                      for found, _s in results.values())
              + f" {overall:>7.3f} {seconds:>8.2f}   "
              + " ".join(f"{value:.3f}" if value else "  -  " for value in small).rjust(24))


def language_table(made) -> None:
    print(f"\n2. Arabic-script pages by languages named (dpi {CHOSEN_DPI}; auto = OSD, "
          f"then {ocr.PERSIAN_LANGUAGES}, then {ocr.ARABIC_LANGUAGES} unless it looks Persian)")
    print(f"{'-l':>8} {'fas pages':>10} {'ara pages':>10} {'s/page':>8}")
    for choice in (*ARABIC_SCRIPT_CHOICES, ""):
        results = [read_all(made, language, languages=choice) for language in ("fas", "ara")]
        seconds = mean(s for _found, s in results)
        print(f"{choice or 'auto':>8} " + " ".join(f"{mean(found.values()):>10.3f}"
                                                  for found, _s in results)
              + f" {seconds:>8.2f}")
    print("   evidence in the fas reading (Persian-only letters / Arabic-only forms):")
    for language in ("fas", "ara"):
        found, _seconds = read_timed(made, language, languages=ocr.PERSIAN_LANGUAGES)
        cells = [f"{count(page.text, ocr.PERSIAN_ONLY_LETTERS)}/"
                 f"{count(page.text, ocr.ARABIC_ONLY_FORMS)}"
                 f"{'' if ocr.looks_persian(page.text) == (language == 'fas') else '!'}"
                 for _n, page in sorted(found.items())]
        print(f"   {language} pages: {' '.join(cells)}  (! = judged wrongly)")


def count(text: str, letters: str) -> int:
    return sum(text.count(letter) for letter in letters)


def _worker(tasks: list[tuple[str, list[int], int]], threads: int, start, results) -> None:
    """One worker process: get ready (its forkserver, Tesseract looked up), wait for the
    others at `start`, read its share of the pages, report how many it read."""
    ocr.engine_version()
    ocr.installed_languages()
    try:
        from archive_app.core.indexing.processes import forkserver_context
    except ImportError:  # a checkout from before core/ was grouped into packages (issue 16)
        from archive_app.core.processes import forkserver_context

    child = forkserver_context().Process(target=os.getpid)
    child.start()
    child.join()
    start.wait()
    results.put(sum(len(read_pdf(Path(path), pages, count, threads=threads))
                    for path, pages, count in tasks))


def throughput(made, processes: int, threads: int) -> float:
    """Pages a minute over all scans, shared page by page among `processes` processes
    (not daemons: each starts its own rendering children, as the indexer's do)."""
    shares: list[list[tuple[str, list[int], int]]] = [[] for _ in range(processes)]
    for path, texts in made.values():
        for number, share in enumerate(shares):
            pages = list(range(number, len(texts), processes))
            if pages:
                share.append((str(path), pages, len(texts)))
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(processes + 1), context.Queue()
    workers = [context.Process(target=_worker, args=(share, threads, start, results))
               for share in shares]
    for worker in workers:
        worker.start()
    start.wait()
    started = time.monotonic()
    done = sum(results.get() for _ in workers)
    elapsed = time.monotonic() - started
    for worker in workers:
        worker.join()
    return done / elapsed * 60


def throughput_table(made) -> None:
    pages = sum(len(texts) for _path, texts in made.values())
    print(f"\n3. Pages a minute ({pages} pages, dpi {CHOSEN_DPI}, languages detected, "
          f"{os.cpu_count()} cores)")
    print(f"{'processes':>10} {'OMP_THREAD_LIMIT=1':>19} {'no limit':>9}")
    for processes in (1, 2):
        limited = throughput(made, processes, threads=1)
        unlimited = throughput(made, processes, threads=0)
        print(f"{processes:>10} {limited:>19.1f} {unlimited:>9.1f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ocr_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="two pages a language")
    parser.add_argument("--part", choices=["dpi", "languages", "speed"], action="append",
                        help="run only this part (may be repeated)")
    arguments = parser.parse_args(argv)
    if not ocr.available():
        raise SystemExit("Tesseract (with eng, fas, ara, osd) is not installed")
    print(f"{ocr.engine_version()}; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores; Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="ocr-bench-") as folder:
        made = write_scans(Path(folder), 2 if arguments.quick else 6)
        print("pages: " + ", ".join(f"{lang} {len(texts)}" for lang, (_p, texts)
                                    in made.items())
              + f"; {', '.join(f'{size:g}' for size in POINT_SIZES)} pt in turn")
        parts = arguments.part or ["dpi", "languages", "speed"]
        for part, table in (("dpi", dpi_table), ("languages", language_table),
                            ("speed", throughput_table)):
            if part in parts:
                table(made)


if __name__ == "__main__":
    main()
