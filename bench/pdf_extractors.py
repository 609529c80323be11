"""pdfminer.six against pypdfium2 on real PDFs: speed, word spacing and reading order.

    .venv/bin/python bench/pdf_extractors.py [PDF or folder ...] [--max-pages 40]

Without arguments it reads the PDFs Debian installs (/usr/share/doc/*/*.pdf and the
manuals under /usr/share/*/) and corpus/. More real PDFs come from Debian's packages:
`apt-get download debian-reference-en developers-reference gri-pdf-doc
docbook-xsl-doc-pdf texlive-publishers-doc`, `dpkg-deb -x` each into a folder, gunzip
the .pdf.gz files, and pass the folder (the two-column TeX papers are
acmart/samples/sample-sigconf.pdf, elsarticle/elstest-5p.pdf, ieeetran/testflow_doc.pdf).
Where LibreOffice (`soffice`) is installed the script also writes, and measures, a
two-column page and the UDHR in Arabic and Persian (corpus/reference) set in
right-to-left paragraphs, whose texts it knows. `apt-get install wamerican
poppler-utils` brings the word list and pdftotext used below.

Engines, each over the same pages of each file:
  pdfminer   the importer before issue 14: PDFPageAggregator with LAParams per page
  pdfium     pypdfium2's text of each page as it comes (get_text_range)
  pdfium+    what the importer does now: pdfium's lines with their boxes, joined into
             paragraphs by pdf_lines.py (ingest/pdf.py)

Figures per file and over all pages: pages/s (document opening included), median and
p95 milliseconds per page, and ratios against pdfminer. The reference text of a file is
`NAME.pdf.truth.txt` beside it where there is one (the text the PDF was made from), the
text of a two-column PDF this script writes with LibreOffice (where `soffice` is), or
else `pdftotext`'s (poppler-utils), an independent extractor. Word spacing: "glued" is
the engine's tokens that the reference writes as two words ("theword" for "the word"),
"split" the reference's words the engine cuts in two ("wo rd"), both per 1,000 tokens;
"unknown %" is the share of Latin tokens of 4+ letters not in /usr/share/dict/words
(Debian's wamerican), where that exists. Reading order: "order" is the share of the reference's
word pairs (bigrams) that the engine's text also has: reversed right-to-left lines and
glued words lower it. "seq %" is the reading order of whole passages: the reference's
6-word runs (every 6th word on) that the engine's text also has, and of those in
succession the share that come in the same order there; interleaved columns lower it.
"""

from __future__ import annotations

import argparse
import glob
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from archive_app.core.ingest import pdf as pdf_importer  # noqa: E402

ENGINES = ("pdfminer", "pdfium", "pdfium+")
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_WORD = re.compile(r"\w+")


def default_pdfs() -> list[Path]:
    """The PDFs Debian put on this machine and the project's corpus."""
    found = glob.glob("/usr/share/doc/*/*.pdf") + glob.glob("/usr/share/*/*.pdf")
    found += glob.glob(str(HERE.parent / "corpus" / "**" / "*.pdf"), recursive=True)
    return sorted({Path(path).resolve() for path in found})


def collect(arguments: list[str]) -> list[Path]:
    """The PDFs named, and those in the folders named."""
    paths: list[Path] = []
    for argument in arguments:
        path = Path(argument)
        paths.extend(sorted(path.rglob("*.pdf")) if path.is_dir() else [path])
    return paths


# --- the engines: each returns (seconds to open, [(seconds, text) per page]) ----------

def run_pdfminer(path: Path, pages: int) -> tuple[float, list[tuple[float, str]]]:
    """The importer before issue 14, page by page."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams, LTTextContainer
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    out: list[tuple[float, str]] = []
    with open(path, "rb") as handle:
        start = time.perf_counter()
        document = PDFDocument(PDFParser(handle))
        manager = PDFResourceManager()
        device = PDFPageAggregator(manager, laparams=LAParams())
        interpreter = PDFPageInterpreter(manager, device)
        opened = time.perf_counter() - start
        for number, page in enumerate(PDFPage.create_pages(document)):
            if number >= pages:
                break
            start = time.perf_counter()
            interpreter.process_page(page)
            layout = device.get_result()
            text = "".join(el.get_text() for el in layout if isinstance(el, LTTextContainer))
            out.append((time.perf_counter() - start, text))
    return opened, out


def run_pdfium(path: Path, pages: int) -> tuple[float, list[tuple[float, str]]]:
    """pdfium's own text of each page."""
    import pypdfium2 as pdfium

    start = time.perf_counter()
    document = pdfium.PdfDocument(str(path))
    opened = time.perf_counter() - start
    out: list[tuple[float, str]] = []
    for number in range(min(pages, len(document))):
        start = time.perf_counter()
        page = document[number]
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        textpage.close()
        page.close()
        out.append((time.perf_counter() - start, text))
    document.close()
    return opened, out


def run_pdfium_joined(path: Path, pages: int) -> tuple[float, list[tuple[float, str]]]:
    """The importer now: lines with boxes, scan check, paragraphs (the joining of the
    whole document is timed and shared out over its pages)."""
    import pypdfium2 as pdfium

    start = time.perf_counter()
    document = pdfium.PdfDocument(str(path))
    opened = time.perf_counter() - start
    times, lines = [], []
    for number in range(min(pages, len(document))):
        start = time.perf_counter()
        read = pdf_importer._read_page(document, number)
        times.append(time.perf_counter() - start)
        lines.append(read.lines)
    document.close()
    start = time.perf_counter()
    texts = pdf_importer.page_texts(lines)
    share = (time.perf_counter() - start) / max(len(texts), 1)
    return opened, [(seconds + share, text) for seconds, text in zip(times, texts, strict=True)]


RUNNERS: dict[str, Callable[[Path, int], tuple[float, list[tuple[float, str]]]]] = {
    "pdfminer": run_pdfminer, "pdfium": run_pdfium, "pdfium+": run_pdfium_joined,
}


# --- the measures ---------------------------------------------------------------------

def load_words() -> set[str] | None:
    path = Path("/usr/share/dict/words")
    if not path.exists():
        return None
    return {word.strip().lower() for word in path.read_text(errors="replace").splitlines()}


def tokens(text: str) -> list[str]:
    """Word tokens, lower-cased, with end-of-line hyphenation undone (so that the raw
    engines are not counted wrong for words the importer would join)."""
    text = re.sub(r"[-\u00ad\ufffe\x02]\s*\n\s*(?=[a-z])", "", text)
    return [token.lower() for token in _TOKEN.findall(text)]


def spacing(texts: list[str], reference: str | None) -> tuple[float | None, float | None]:
    """(glued, split) per 1,000 tokens against the reference's tokens (see the docstring)."""
    found = [token for text in texts for token in tokens(text)]
    if not found or not reference:
        return None, None
    wanted = tokens(reference)
    vocabulary = set(wanted)
    joined_pairs = {a + b for a, b in zip(wanted, wanted[1:], strict=False)} - vocabulary
    glued = sum(token in joined_pairs for token in found)
    split = sum(a + b in vocabulary and a not in vocabulary and b not in vocabulary
                for a, b in zip(found, found[1:], strict=False))
    return 1000 * glued / len(found), 1000 * split / len(found)


def unknown_share(texts: list[str], words: set[str] | None) -> float | None:
    """% of the tokens of 4+ letters that are not in the word list."""
    long = [token for text in texts for token in tokens(text)
            if len(token) >= 4 and token.isascii()]
    if words is None or not long:
        return None
    return 100 * sum(token not in words for token in long) / len(long)


def bigrams(text: str) -> set[tuple[str, str]]:
    words = [word.lower() for word in _WORD.findall(re.sub(r"-\s*\n\s*", "", text))]
    return set(zip(words, words[1:], strict=False))


def order_score(reference: str, text: str) -> float | None:
    """% of the reference's word pairs found in the text: reading order (and spacing)."""
    wanted = bigrams(reference)
    if not wanted:
        return None
    return 100 * len(wanted & bigrams(text)) / len(wanted)


def words_of(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(re.sub(r"-\s*\n\s*", "", text))]


def sequence_score(reference: str, text: str, run: int = 6) -> float | None:
    """% of successive reference passages (6-word runs) found in the same order."""
    found = words_of(text)
    where: dict[tuple[str, ...], int] = {}
    for index in range(len(found) - run + 1):
        where.setdefault(tuple(found[index:index + run]), index)
    wanted = words_of(reference)
    positions = [where.get(tuple(wanted[i:i + run])) for i in range(0, len(wanted) - run, run)]
    positions = [position for position in positions if position is not None]
    if len(positions) < 2:
        return None
    pairs = list(zip(positions, positions[1:], strict=False))
    return 100 * sum(b > a for a, b in pairs) / len(pairs)


def pdftotext(path: Path, pages: int) -> str | None:
    if not shutil.which("pdftotext"):
        return None
    result = subprocess.run(["pdftotext", "-l", str(pages), "-enc", "UTF-8", str(path), "-"],
                            capture_output=True, text=True, timeout=300)
    return result.stdout if result.returncode == 0 else None


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(share * (len(values) - 1))))]


# --- a two-column PDF whose reading order is known ------------------------------------

TWO_COLUMN_WORDS = " ".join([
    "harbour channel keeper ledger tide barge pilot beacon quay dredger current anchor",
    "cargo signal winter market river bridge stone lantern rope ferry island storm",
    "sail north south east west morning evening report council budget water salt",
    "fisher net boat dock crane road village mill wheat bread cellar tower clock bell",
    "garden orchard apple silver copper iron timber canvas coal oil lamp window door",
]).split()


def two_column_truth() -> list[str]:
    """Paragraphs of made-up sentences (a fixed seed), varied enough that a 6-word run
    occurs once, so that where it lands in an engine's text tells the reading order."""
    import random

    chance = random.Random(14)
    paragraphs = []
    for number in range(14):
        sentences = [" ".join(chance.choice(TWO_COLUMN_WORDS) for _ in range(11)).capitalize()
                     + "." for _ in range(5)]
        paragraphs.append(f"Paragraph {number} tells " + " ".join(sentences))
    return paragraphs


RTL_FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.2"
 office:mimetype="application/vnd.oasis.opendocument.text">
<office:automatic-styles><style:style style:name="R" style:family="paragraph">
<style:paragraph-properties fo:text-align="justify" style:writing-mode="rl-tb"
 fo:margin-bottom="0.3cm"/></style:style></office:automatic-styles>
<office:body><office:text>{}</office:text></office:body></office:document>"""


def make_rtl_pdfs(folder: Path) -> list[tuple[Path, str]]:
    """The UDHR in Arabic and Persian from corpus/reference, as LibreOffice sets them in
    right-to-left paragraphs, with their texts; none without `soffice`."""
    from xml.sax.saxutils import escape

    sources = {"udhr-ar": HERE.parent / "corpus/reference/udhr-ar.md",
               "udhr-fa": HERE.parent / "corpus/reference/udhr-fa.txt"}
    made = []
    for name, source in sources.items():
        if not shutil.which("soffice") or not source.exists():
            continue
        text = re.sub(r"^---.*?---\n", "", source.read_text(encoding="utf-8"), flags=re.S)
        paragraphs = [line.strip().lstrip("#").strip() for line in text.splitlines()]
        paragraphs = [paragraph for paragraph in paragraphs if paragraph]
        body = "".join(f'<text:p text:style-name="R">{escape(p)}</text:p>' for p in paragraphs)
        (folder / f"{name}.fodt").write_text(RTL_FODT.format(body), encoding="utf-8")
        target = soffice_pdf(folder / f"{name}.fodt")
        if target:
            made.append((target, "\n".join(paragraphs)))
    return made


def soffice_pdf(source: Path) -> Path | None:
    """`source` converted to PDF beside it by LibreOffice; tried twice, since a second
    conversion right after the first can fail while the first instance shuts down."""
    target = source.with_suffix(".pdf")
    for _ in range(2):
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir",
                        str(source.parent), str(source)], capture_output=True, timeout=180)
        if target.exists():
            return target
        time.sleep(2)
    return None


def make_two_column_pdf(folder: Path) -> tuple[Path, str] | None:
    """A justified two-column page written by LibreOffice from a DOCX, or None."""
    if not shutil.which("soffice"):
        return None
    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    paragraphs = two_column_truth()
    for text in paragraphs:
        document.add_paragraph(text)
    columns = document.sections[0]._sectPr.makeelement(qn("w:cols"), {qn("w:num"): "2"})
    document.sections[0]._sectPr.append(columns)
    source = folder / "two-columns.docx"
    document.save(str(source))
    target = soffice_pdf(source)
    return (target, "\n\n".join(paragraphs)) if target else None


# --- the run ------------------------------------------------------------------------

def measure(path: Path, pages: int, words: set[str] | None, truth: str | None) -> dict:
    """Every engine on one file: times, texts and the figures."""
    result: dict = {"file": path.name, "engines": {}}
    texts: dict[str, list[str]] = {}
    for engine in ENGINES:
        try:
            opened, per_page = RUNNERS[engine](path, pages)
        except Exception as error:  # a file one engine cannot read is a figure too
            result["engines"][engine] = {"error": f"{type(error).__name__}: {error}"[:80]}
            continue
        seconds = [s for s, _ in per_page]
        texts[engine] = [t for _, t in per_page]
        result["engines"][engine] = {
            "pages": len(per_page), "total": opened + sum(seconds),
            "median_ms": 1000 * statistics.median(seconds) if seconds else 0.0,
            "p95_ms": 1000 * percentile(seconds, 0.95) if seconds else 0.0,
            "per_page": seconds,
        }
    truth_file = Path(f"{path}.truth.txt")
    if truth is None and truth_file.exists():
        truth = truth_file.read_text(encoding="utf-8")
    reference = truth if truth is not None else pdftotext(path, pages)
    result["reference"] = "truth" if truth is not None else ("pdftotext" if reference else "-")
    for engine, engine_texts in texts.items():
        figures = result["engines"][engine]
        figures["glued"], figures["split"] = spacing(engine_texts, reference)
        figures["unknown"] = unknown_share(engine_texts, words)
        joined = "\n".join(engine_texts)
        figures["order"] = order_score(reference, joined) if reference else None
        figures["seq"] = sequence_score(reference, joined) if reference else None
    return result


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_table(results: list[dict]) -> None:
    """One block per measure, a column per engine, a row per file."""
    measures = [("pages/s", lambda f: f["pages"] / f["total"] if f["total"] else None),
                ("median ms/page", lambda f: f["median_ms"]),
                ("p95 ms/page", lambda f: f["p95_ms"]),
                ("glued /1000", lambda f: f["glued"]), ("split /1000", lambda f: f["split"]),
                ("unknown %", lambda f: f["unknown"]), ("order (pairs) %", lambda f: f["order"]),
                ("seq %", lambda f: f["seq"])]
    for title, value in measures:
        print(f"{title:32} {'pages':>5} {'ref':>9} " + " ".join(f"{e:>9}" for e in ENGINES))
        for result in results:
            cells, pages = [], 0
            for engine in ENGINES:
                f = result["engines"].get(engine, {})
                if "error" in f or not f:
                    cells.append(f"{'failed':>9}")
                    continue
                pages = f["pages"]
                cells.append(f"{fmt(value(f)):>9}")
            print(f"  {result['file'][:30]:30} {pages:5d} {result['reference']:>9} "
                  + " ".join(cells))
        print()


def print_summary(results: list[dict]) -> None:
    """All pages together, and the ratios against pdfminer."""
    print("all pages (spacing and order: means over the files)")
    summary = {}
    for engine in ENGINES:
        rows = [r["engines"][engine] for r in results
                if engine in r["engines"] and "error" not in r["engines"][engine]]
        seconds = [s for row in rows for s in row["per_page"]]
        orders = [row["order"] for row in rows if row["order"] is not None]
        sequences = [row["seq"] for row in rows if row["seq"] is not None]
        total = sum(row["total"] for row in rows)
        summary[engine] = {
            "pages": len(seconds), "rate": len(seconds) / total if total else 0.0,
            "median": 1000 * statistics.median(seconds), "p95": 1000 * percentile(seconds, .95),
            "glued": _mean(row["glued"] for row in rows),
            "split": _mean(row["split"] for row in rows),
            "unknown": _mean(row["unknown"] for row in rows),
            "order": statistics.mean(orders) if orders else None,
            "seq": statistics.mean(sequences) if sequences else None,
            "failed": sum(1 for r in results if "error" in r["engines"].get(engine, {})),
        }
    base = summary["pdfminer"]
    for engine, s in summary.items():
        print(f"  {engine:9} {s['pages']:5d} pages  {s['rate']:7.1f} pages/s  "
              f"median {s['median']:6.1f} ms  p95 {s['p95']:6.1f} ms  "
              f"glued {fmt(s['glued'])}  split {fmt(s['split'])} /1000  "
              f"unknown {fmt(s['unknown'])}%  pairs {fmt(s['order'])}%  seq {fmt(s['seq'])}%  "
              f"failed {s['failed']}")
    for engine in ENGINES[1:]:
        s = summary[engine]
        print(f"  {engine} vs pdfminer: {s['rate'] / base['rate']:.1f}x pages/s, "
              f"median {base['median'] / s['median']:.1f}x faster, "
              f"p95 {base['p95'] / s['p95']:.1f}x faster")


def _mean(values) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.mean(present) if present else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="*", help="PDF files or folders (default: Debian's)")
    parser.add_argument("--max-pages", type=int, default=40, help="pages read per file")
    args = parser.parse_args()
    paths = collect(args.pdfs) if args.pdfs else default_pdfs()
    words = load_words()
    print(f"word list: {'/usr/share/dict/words' if words else 'none (cross-engine tokens)'};"
          f" reference: {'pdftotext' if shutil.which('pdftotext') else 'none'}\n")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        made = make_two_column_pdf(Path(folder))
        for path, truth in ([made] if made else []) + make_rtl_pdfs(Path(folder)):
            results.append(measure(path, args.max_pages, words, truth))
        for path in paths:
            results.append(measure(path, args.max_pages, words, None))
    print_table(results)
    print_summary(results)


if __name__ == "__main__":
    main()
