"""OCR of scanned pages and images with Tesseract, run as a separate program (issue 14).

The loader calls `ocr_pages` after an importer has marked pages for OCR
(`Extracted.ocr_pages`: a PDF page without a text layer, every frame of an image). Each
page is read on its own, so one bad page costs that page only:

1. **Render**, in a child process from the core's forkserver (processes.py) with its
   address space capped (`MEMORY_LIMIT_BYTES`) and a time limit
   (`RENDER_TIME_LIMIT_SECONDS`): a PDF page with pypdfium2 at `DPI`, an image frame with
   Pillow at its own resolution, either scaled down to at most `MAX_OCR_PIXELS`. Pdfium
   and Pillow's decoders are C code; a hostile page may crash them or take its time,
   and only a separate process can be killed. The page goes to a private temporary PNG.
2. **Recognise**, in the same child: `tesseract <png> <out> -l <languages> txt tsv`,
   under the child's memory cap (inherited by tesseract), `OMP_THREAD_LIMIT=1` (the
   indexer runs one process per core already), and one time budget for all Tesseract
   runs of the page (`PAGE_TIME_LIMIT_SECONDS`). Tesseract is killed with the child
   (PR_SET_PDEATHSIG), so a page stopped from outside leaves nothing running.
3. **Cache** the result by content (`OCR_CACHE_VERSION`, sha256 of the file's bytes,
   page, requested languages, engine version, dpi) in the folder's `ocr_cache_dir`:
   a copy, a move or a rebuild of the index never reads the page again. The result
   keeps Tesseract's word boxes (`OcrPage.words`), so the page view can draw a scan's
   hits where its words are (pages/boxes.py) without reading the page again
   (`CachedOcr`).

Languages: the folder's `ocr_languages` if set, else detected per page by Tesseract's
OSD (`--psm 0 -l osd`), which also turns a page that lies on its side. Latin script reads
as `eng`; Arabic script as `fas`, or `ara+fas` when the text is not Persian (below); any
other script, or a page OSD cannot judge (too few letters), as `eng`.

Measured on this 2-core machine (bench/ocr_bench.py, three runs; other work shared the
machine, so times vary by ~20 %). The scans are made by tests/core/ingest/ocr_fixtures.py:
UDHR Articles 1-3 and later articles, six pages a language typeset in Noto fonts at 11,
10, 8.5 and 7 pt, scanned at 300 dpi, turned ~1 degree, specked, saved as image-only
PDFs. Recall is the share of the page's words a search finds (the app's own folding):

- dpi: rendering at 150 / 200 / 300 dpi gave mean recall 0.975 / 0.981 / 0.976
  (runs before: 0.974 / 0.982 / 0.980 and 0.963 / 0.978 / 0.976) at 1.09 / 1.22 /
  1.51 s a page. 150 dpi loses small Persian print (7 pt: 0.88 against 0.96 / 0.95);
  200 and 300 dpi tie on recall everywhere, and 200 is ~20 % faster: `DPI` = 200.
  Per language at 200 dpi: eng 1.000, fas 0.965, ara 0.978.
- Arabic script, at 200 dpi: `fas` alone read Persian pages best (0.965; `fas+ara`
  0.954, `ara` 0.879), `ara+fas` Arabic pages best (0.978; `ara` 0.965, `fas` 0.893;
  the same order at 300 dpi). So a page OSD calls Arabic is read as `fas`, and again
  as `ara+fas` unless the text `looks_persian` (Persian-only letters پ چ ژ گ against
  Arabic-only forms أ إ ؤ ة; it judged all 12 pages right in every run): 0.965 / 0.978,
  the best of each. A Persian page costs one pass, an Arabic page two.
- OSD costs about one recognition pass (0.5-1 s a page): naming the folder's languages
  makes OCR up to twice as fast.
- Threads, at 200 dpi with languages detected: with OMP_THREAD_LIMIT=1 one process read
  52 pages a minute (1.15 s a page) and two side by side 103 (2.0x); without the limit
  Tesseract's OpenMP threads fight over the two cores: 10 and 41 pages a minute.
- Memory: Tesseract's peak on a 40-million-pixel page was 180 MB, well inside the cap.

Failures never raise: a page that cannot be rendered, times out or makes Tesseract fail
is left out of `OcrResult.pages` and described in `OcrResult.problems`
("page 3: OCR took longer than 120 s; the page was skipped"). Only Cancel raises
(`Cancelled`); the pages read before it are in the cache, so reading again is quick.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple

from archive_app.core.errors import Cancelled
from archive_app.core.indexing.processes import forkserver_context
from archive_app.core.ingest import options

DPI = 200
"""Resolution PDF pages are rendered at for OCR (chosen by measurement: see above)."""
MAX_OCR_PIXELS = 40_000_000
"""A rendered page or image frame larger than this is scaled down first: an A4 page at
600 dpi is 35 million pixels (Tesseract took 180 MB for a page of 40 million)."""
PAGE_TIME_LIMIT_SECONDS = 120.0
"""All Tesseract runs for one page together (OSD and recognition)."""
RENDER_TIME_LIMIT_SECONDS = 60.0
"""Rendering one page to pixels (pdfium or Pillow)."""
GRACE_SECONDS = 10.0
"""How long past the page's limit the parent waits for the child to report it."""
MEMORY_LIMIT_BYTES = 2 * 1024 ** 3
"""Address space of the rendering child, and so of each Tesseract it runs."""
TESSERACT_THREADS = 1
"""OMP_THREAD_LIMIT for Tesseract: the indexer already runs one process per core
(0: no limit, for the benchmark)."""
MAX_CONSECUTIVE_FAILURES = 3
"""After this many pages in a row fail, the rest of the file is not tried: a hostile
PDF whose every page hangs would otherwise cost minutes a page."""
OCR_CACHE_VERSION = 3
"""Part of every cache key: raise it when rendering or cleaning changes the text, or
when an entry holds more. Version 3 added the word boxes: a page cached without them
is read once more, when its file is next indexed, so that every scan gets them."""
LATIN_LANGUAGES = "eng"
PERSIAN_LANGUAGES = "fas"
ARABIC_LANGUAGES = "ara+fas"
"""Arabic script is read as Persian first, and again as these when the text does not
look Persian (`looks_persian`); measured in the module docstring."""
PERSIAN_ONLY_LETTERS = "پچژگ"
ARABIC_ONLY_FORMS = "أإؤة"
"""Letters Persian has and Arabic lacks, and forms Arabic writes and Persian (nearly)
never does, as the Persian model reads them: the evidence `looks_persian` weighs."""
ORIENTATION_MIN_CONFIDENCE = 5.0
"""OSD's orientation confidence above which a page is turned as OSD says (an upright
page of text scores 15-25, a page on its side ~10, a page of few words below 2)."""
_LANGUAGE_NAME = r"[A-Za-z0-9_]+(?:/[A-Za-z0-9_]+)?"
_LANGUAGE_STRING = re.compile(rf"{_LANGUAGE_NAME}(?:\+{_LANGUAGE_NAME})*")
"""A folder's languages: Tesseract names (eng, chi_sim, script/Latin) joined by '+';
never something Tesseract could take for an option."""
_SLICE_SECONDS = 0.25
"""How often the parent looks at Cancel while a page is being read."""

tesseract_runs = 0
"""Tesseract runs made for this process's calls (counted from the children's reports):
for tests and the benchmark, which check that a cached page costs none."""


@dataclass(frozen=True)
class OcrPage:
    """One page as OCR read it: what the loader stores as its text, and what the page
    view needs to draw that text's hits on the scan."""

    text: str
    confidence: float
    """Mean word confidence, 0-100, from Tesseract's TSV (words with conf -1 excluded)."""
    languages: str
    """The Tesseract -l string that produced the text ("eng", "fas+ara")."""
    words: tuple[tuple[float, float, float, float, str], ...] = ()
    """Tesseract's words in its order (the order of `text`): left, top, right, bottom
    from the page's top-left corner in page units (PDF points for a PDF page, pixels of
    the upright image for an image), and the word."""
    page_width: float = 0.0
    page_height: float = 0.0
    """The page's size in the same units (0 when not known)."""


class OcrResult(NamedTuple):
    """What `ocr_pages` read: unpacks as `pages, problems = ocr_pages(...)`."""

    pages: dict[int, OcrPage]
    """0-based page index -> its OCR, for each page that could be read."""
    problems: list[str]
    """One sentence per page left out, for a person: "page 4: OCR took longer..."."""


class _PageFailed(Exception):
    """One page could not be read; its message is the reason shown to the user."""


class _Overtime(_PageFailed):
    """The page's time ran out: no further Tesseract run is tried for it."""


# -- the engine --------------------------------------------------------------------------


@functools.cache
def engine_version() -> str:
    """Tesseract's own first line ("tesseract 5.3.0"), '' when it cannot be run."""
    output = _tesseract_output("--version")
    return output.splitlines()[0].strip() if output.strip() else ""


@functools.cache
def installed_languages() -> frozenset[str]:
    """The language data Tesseract has (`--list-langs`), empty when it cannot be run."""
    lines = _tesseract_output("--list-langs").splitlines()
    return frozenset(line.strip() for line in lines[1:] if line.strip())


def available() -> bool:
    """Tesseract can be run and has what the folder asks for: its `ocr_languages`, or
    for detection OSD and English (Arabic script then uses fas/ara where installed)."""
    wanted = options.current().ocr_languages
    needed = set(wanted.split("+")) if wanted else {"osd", LATIN_LANGUAGES}
    return bool(engine_version()) and needed <= installed_languages()


def _tesseract_output(argument: str) -> str:
    """stdout (or stderr, where older versions print) of `tesseract <argument>`."""
    program = shutil.which("tesseract")
    if program is None:
        return ""
    try:
        done = subprocess.run([program, argument], capture_output=True, text=True,
                              timeout=30, errors="replace")
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout if done.stdout.strip() else done.stderr


# -- the public entry point --------------------------------------------------------------


def ocr_pages(path: Path, kind: str, pages: list[int], page_count: int) -> OcrResult:
    """Read `pages` (0-based) of the PDF or image (`kind` 'pdf' or 'image') by OCR.

    Cached pages cost nothing; progress goes to `options.report` ("OCR 2 / 5 pages")
    as each page starts; `Cancelled` is raised when the user cancels (checked before
    each page and while one is read). With OCR off for the folder, nothing is read.
    """
    settings = options.current()
    if not settings.ocr:
        return OcrResult({}, [])
    if kind not in ("pdf", "image"):
        raise ValueError(f"OCR reads 'pdf' or 'image' pages, not {kind!r}")
    if not _LANGUAGE_STRING.fullmatch(settings.ocr_languages or "eng"):
        return OcrResult({}, [f"the OCR languages {settings.ocr_languages!r} are not "
                              "Tesseract language names (like eng or fas+eng)"])
    wanted, problems = _valid_pages(pages, page_count)
    try:
        digest = _file_digest(Path(path))
    except OSError as error:
        return OcrResult({}, [f"the file could not be read for OCR: {error.strerror}"])
    cache = _Cache(settings.ocr_cache_dir, digest, settings.ocr_languages)
    found: dict[int, OcrPage] = {}
    failures_in_a_row = 0
    for number, page in enumerate(wanted, 1):
        _check_cancel()
        options.report(f"OCR {number} / {len(wanted)} pages")
        result = cache.get(page)
        if result is None:
            try:
                result = _read_page(Path(path), kind, page, settings.ocr_languages)
            except _PageFailed as failure:
                problems.append(f"page {page + 1}: {failure}")
                failures_in_a_row += 1
                if failures_in_a_row >= MAX_CONSECUTIVE_FAILURES:
                    return OcrResult(found, _gave_up(problems, wanted, number))
                continue
            cache.put(page, result)
        failures_in_a_row = 0
        found[page] = result
    return OcrResult(found, problems)


def _valid_pages(pages: list[int], page_count: int) -> tuple[list[int], list[str]]:
    """The pages that exist, each once, in the order asked; a problem for the others."""
    wanted, problems = [], []
    for page in dict.fromkeys(pages):
        if 0 <= page < page_count:
            wanted.append(page)
        else:
            problems.append(f"page {page + 1}: the file has {page_count} pages")
    return wanted, problems


def _gave_up(problems: list[str], wanted: list[int], done: int) -> list[str]:
    left = len(wanted) - done
    if left:
        problems.append(f"{MAX_CONSECUTIVE_FAILURES} pages in a row could not be read, so "
                        f"the other {left} were not tried")
    return problems


def _check_cancel() -> None:
    if options.cancel_requested():
        raise Cancelled("OCR cancelled by the user")


def _file_digest(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


# -- the cache ---------------------------------------------------------------------------


class _Cache:
    """OCR results of one file, one JSON file per page under `folder`/ab/cd/<key>.json.

    The key hashes everything the text depends on (OCR_CACHE_VERSION, the file's sha256,
    the page, the requested languages, the engine's version, DPI) and nothing about
    where the file lies. Entries are written whole (temporary file + os.replace); an
    entry that cannot be read is a miss, and a cache that cannot be written is no
    reason to fail the page. `folder` '' means no cache.
    """

    def __init__(self, folder: str, digest: str, languages: str) -> None:
        self.folder = Path(folder) if folder else None
        self.stem = "|".join(map(str, (OCR_CACHE_VERSION, digest, languages or "auto",
                                       engine_version(), DPI)))

    def entry(self, page: int) -> Path | None:
        if self.folder is None:
            return None
        key = hashlib.sha256(f"{self.stem}|{page}".encode()).hexdigest()
        return self.folder / key[:2] / key[2:4] / f"{key}.json"

    def get(self, page: int) -> OcrPage | None:
        entry = self.entry(page)
        if entry is None:
            return None
        try:
            data = json.loads(entry.read_text(encoding="utf-8"))
            result = OcrPage(text=data["text"], confidence=float(data["confidence"]),
                             languages=data["languages"],
                             words=tuple(_word(*word) for word in data.get("words", ())),
                             page_width=float(data.get("page_width", 0.0)),
                             page_height=float(data.get("page_height", 0.0)))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not isinstance(result.text, str) or not isinstance(result.languages, str):
            return None
        return result

    def put(self, page: int, result: OcrPage) -> None:
        entry = self.entry(page)
        if entry is None:
            return
        with contextlib.suppress(OSError):
            entry.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(entry, json.dumps(asdict(result), ensure_ascii=False))


def _word(left: float, top: float, right: float, bottom: float, text: str
          ) -> tuple[float, float, float, float, str]:
    """A stored word box, checked: four numbers and a string (TypeError otherwise)."""
    if not isinstance(text, str):
        raise TypeError("a word's text is not a string")
    return float(left), float(top), float(right), float(bottom), text


class CachedOcr:
    """The cached OCR of one file's pages as `ocr_pages` stored them for a folder with
    these `ocr_languages` ('' detects them). It never runs Tesseract, so the page view
    can ask for a scan's word boxes while it draws; the file's digest (the cache key) is
    computed once, on the first page asked for."""

    def __init__(self, path: Path, cache_dir: str, languages: str = "") -> None:
        self.path = Path(path)
        self.cache_dir = cache_dir
        self.languages = languages
        self._cache: _Cache | None = None
        self._unreadable = not cache_dir

    def __call__(self, page: int) -> OcrPage | None:
        """Page `page` (0-based) as OCR read it, or None (not a scan, not read yet)."""
        if self._unreadable:
            return None
        if self._cache is None:
            try:
                digest = _file_digest(self.path)
            except OSError:
                self._unreadable = True
                return None
            self._cache = _Cache(self.cache_dir, digest, self.languages)
        return self._cache.get(page)


def cached_page(path: Path, page: int, cache_dir: str, languages: str = "") -> OcrPage | None:
    """One page of `CachedOcr`."""
    return CachedOcr(path, cache_dir, languages)(page)


def _write_atomically(target: Path, content: str) -> None:
    """The whole entry or none of it: a reader never sees half a JSON file."""
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


# -- one page, in a child process --------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    """What the child needs, passed explicitly: the child imports this module afresh,
    so settings changed in the parent (tests, the benchmark) would not reach it."""

    path: str
    kind: str
    page: int
    languages: str
    folder: str
    time_limit: float
    dpi: int
    threads: int
    installed: frozenset[str]


def _read_page(path: Path, kind: str, page: int, languages: str) -> OcrPage:
    """One page, rendered and recognised in a child; _PageFailed with the reason."""
    global tesseract_runs
    with tempfile.TemporaryDirectory(prefix="archive-ocr-") as folder:
        job = _Job(str(path), kind, page, languages, folder, PAGE_TIME_LIMIT_SECONDS,
                   DPI, TESSERACT_THREADS, installed_languages())
        status, value, runs = _run_child(job)
    tesseract_runs += runs
    if status != "ok":
        raise _PageFailed(value)
    return value


def _run_child(job: _Job) -> tuple[str, object, int]:
    """Start the child and wait for it in two stages (rendered, recognised), each with
    its limit, looking at Cancel meanwhile; a child past its limit is killed."""
    context = forkserver_context()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, args=(job, sender), daemon=True)
    try:
        child.start()
    except (OSError, AssertionError) as error:  # AssertionError: started in a daemon
        return "failed", f"OCR could not start a process: {error}", 0
    sender.close()
    try:
        first = _receive(receiver, RENDER_TIME_LIMIT_SECONDS,
                         f"rendering took longer than {RENDER_TIME_LIMIT_SECONDS:.0f} s",
                         "the page could not be rendered (the renderer crashed or needed "
                         f"more than {MEMORY_LIMIT_BYTES // 1024 ** 3} GB)")
        if first[0] != "rendered":
            return first
        return _receive(receiver, job.time_limit + GRACE_SECONDS,
                        f"OCR took longer than {job.time_limit:g} s",
                        "OCR failed: the process reading the page died")
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()


def _receive(receiver, seconds: float, overtime: str, died: str) -> tuple:
    """The child's next message, or a failure saying it took too long or died."""
    deadline = time.monotonic() + seconds
    while not receiver.poll(_SLICE_SECONDS):
        _check_cancel()
        if time.monotonic() > deadline:
            return "failed", f"{overtime}; the page was skipped", 0
    try:
        return receiver.recv()
    except (EOFError, OSError):
        return "failed", died, 0


def _child_main(job: _Job, connection) -> None:
    """The child: cap memory, render, say so, recognise, send the result."""
    import resource

    with contextlib.suppress(ValueError, OSError):  # a lower limit may already be set
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    png = Path(job.folder) / "page.png"
    try:
        frame = _render(job, png)
    except Exception as error:  # any library failure is this page's reason
        connection.send(("failed", f"the page could not be rendered: {_say(error)}", 0))
        return
    connection.send(("rendered", None, 0))
    reader = _Recogniser(job, png, frame)
    try:
        page = reader.read()
    except _PageFailed as failure:
        connection.send(("failed", str(failure), reader.runs))
        return
    except Exception as error:  # turning the page, reading Tesseract's files
        connection.send(("failed", f"OCR failed: {_say(error)}", reader.runs))
        return
    connection.send(("ok", page, reader.runs))


def _say(error: BaseException) -> str:
    return (str(error) or type(error).__name__)[:160]


# -- rendering (in the child) ------------------------------------------------------------


class _Frame(NamedTuple):
    """A rendered page: its size in page units (points of a PDF page, pixels of the
    upright image) and in the pixels Tesseract reads, to map word boxes back."""

    width: float
    height: float
    pixel_width: int
    pixel_height: int


def _render(job: _Job, png: Path) -> _Frame:
    if job.kind == "pdf":
        image, dpi, size = _render_pdf_page(Path(job.path), job.page, job.dpi)
    else:
        image, dpi, size = _image_frame(Path(job.path), job.page)
    if dpi:
        image.save(png, dpi=(dpi, dpi))
    else:
        image.save(png)
    return _Frame(*size, image.width, image.height)


def _render_pdf_page(path: Path, page: int, dpi: int = DPI):
    """A PDF page in grey at `dpi` (less for a page too large), with pypdfium2: the
    picture, its dpi and the page's size in points."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        if not 0 <= page < len(document):
            raise ValueError(f"the PDF has {len(document)} pages")
        pdf_page = document[page]
        width, height = pdf_page.get_size()
        if width <= 0 or height <= 0:
            raise ValueError(f"the page has no area ({width:g} x {height:g} points)")
        scale = _render_scale(width, height, dpi)
        bitmap = pdf_page.render(scale=scale, grayscale=True)
        return bitmap.to_pil().convert("L"), round(scale * 72), (width, height)
    finally:
        document.close()


def _render_scale(width: float, height: float, dpi: int) -> float:
    """Pixels per point: `dpi`, or less so that the page (pdfium rounds its size up)
    stays within MAX_OCR_PIXELS."""
    scale = min(dpi / 72, (MAX_OCR_PIXELS / (width * height)) ** 0.5)
    while math.ceil(width * scale) * math.ceil(height * scale) > MAX_OCR_PIXELS:
        scale *= 0.99
    return scale


def _image_frame(path: Path, frame: int):
    """One frame of an image in grey, upright as its EXIF says, transparency on white,
    scaled down to MAX_OCR_PIXELS; its dpi if it records a plausible one, and its size
    (upright, before scaling: the page units of its word boxes)."""
    from PIL import Image, ImageFile, ImageOps

    from archive_app.core.ingest import image as image_importer

    ImageFile.LOAD_TRUNCATED_IMAGES = True  # a cut-off scan still gives its top lines
    Image.MAX_IMAGE_PIXELS = image_importer.MAX_FRAME_PIXELS  # this child only
    with Image.open(path, formats=image_importer.FORMATS) as opened:
        if frame:
            opened.seek(frame)
        image_importer.check_frame_size(opened)
        picture = ImageOps.exif_transpose(opened) if frame == 0 else opened.copy()
        dpi = _declared_dpi(opened.info.get("dpi"))
    picture = _greyscale(picture)
    size = picture.size
    pixels = picture.width * picture.height
    if pixels > MAX_OCR_PIXELS:
        shrink = (MAX_OCR_PIXELS / pixels) ** 0.5
        picture = picture.resize((max(1, int(picture.width * shrink)),
                                  max(1, int(picture.height * shrink))),
                                 Image.Resampling.LANCZOS)
        dpi = round(dpi * shrink) if dpi else 0
    return picture, dpi, size


def _declared_dpi(value: object) -> int:
    """An image's recorded dpi when it is believable (70-1200), else 0 (let Tesseract
    estimate it from the text's size)."""
    try:
        dpi = round(float(value[0]))  # type: ignore[index]
    except (TypeError, ValueError, IndexError, OverflowError):
        return 0
    return dpi if 70 <= dpi <= 1200 else 0


def _greyscale(picture):
    """'L' for Tesseract (see on_white_paper)."""
    return on_white_paper(picture).convert("L")


def on_white_paper(picture):
    """A picture as a page shows it: transparent pixels become white paper (not black,
    as a plain conversion would make them), 16-bit samples are scaled, not clipped.
    Shared by OCR and the page view (pages/renderer.py), so both see the same page."""
    from PIL import Image

    if picture.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        picture = picture.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if picture.mode == "P" and "transparency" in picture.info:
        picture = picture.convert("RGBA")
    if picture.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        paper = Image.new("RGBA", picture.size, (255, 255, 255, 255))
        picture = Image.alpha_composite(paper, picture.convert("RGBA"))
    return picture


# -- recognition (in the child) ----------------------------------------------------------


_OSD_FIELD = re.compile(r"^(Rotate|Orientation confidence|Script):\s*(.+)$", re.MULTILINE)
_MANY_BLANK_LINES = re.compile(r"\n{3,}")


class _Recogniser:
    """Tesseract runs for one rendered page, sharing the page's time budget."""

    def __init__(self, job: _Job, png: Path, frame: _Frame) -> None:
        self.job = job
        self.png = png
        self.frame = frame
        self.turned = 0
        """Degrees the page was turned clockwise before recognition (OSD)."""
        self.deadline = time.monotonic() + job.time_limit
        self.runs = 0
        self.before_exec = _death_signal()

    def read(self) -> OcrPage:
        if self.job.languages:
            return self.page(self.job.languages)
        script = self.upright_script()
        if script == "Arabic":
            return self.arabic_script_page()
        return self.page(LATIN_LANGUAGES)

    def page(self, languages: str) -> OcrPage:
        text, confidence, words = self.recognise(languages)
        return OcrPage(text, confidence, languages, words, self.frame.width,
                       self.frame.height)

    def upright_script(self) -> str:
        """OSD's script for the page ('' when OSD cannot judge: too few letters), the
        page turned first if OSD finds it on its side."""
        try:
            output = self.tesseract([str(self.png), "stdout", "--psm", "0", "-l", "osd"])
        except _Overtime:
            raise
        except _PageFailed:
            return ""
        fields = dict(_OSD_FIELD.findall(output))
        self.turn(fields)
        return fields.get("Script", "")

    def arabic_script_page(self) -> OcrPage:
        """Persian or Arabic: read as Persian; a text that `looks_persian` is kept, any
        other is read again as Arabic (see the module docstring for the measurements)."""
        installed = self.job.installed
        if PERSIAN_LANGUAGES in installed:
            persian = self.page(PERSIAN_LANGUAGES)
            if looks_persian(persian.text) or "ara" not in installed:
                return persian
        arabic = "+".join(name for name in ARABIC_LANGUAGES.split("+") if name in installed)
        return self.page(arabic or LATIN_LANGUAGES)

    def turn(self, fields: dict[str, str]) -> None:
        """Rotate the page as OSD says, when it is sure enough (see the constant)."""
        try:
            degrees = int(fields.get("Rotate", "0"))
            confidence = float(fields.get("Orientation confidence", "0"))
        except ValueError:
            return
        if degrees % 360 and confidence >= ORIENTATION_MIN_CONFIDENCE:
            from PIL import Image

            with Image.open(self.png) as page:
                dpi = page.info.get("dpi")
                turned = page.rotate(-degrees, expand=True, fillcolor=255)
            turned.save(self.png, **({"dpi": dpi} if dpi else {}))
            self.turned = degrees % 360

    def recognise(self, languages: str) -> tuple[str, float, tuple]:
        """The page's text (Tesseract's lines, blank lines between paragraphs), its
        mean word confidence and its words' boxes on the page (see OcrPage.words)."""
        base = self.png.with_name("page")
        self.tesseract([str(self.png), str(base), "-l", languages, "txt", "tsv"])
        try:
            text = base.with_suffix(".txt").read_text(encoding="utf-8", errors="replace")
            table = base.with_suffix(".tsv").read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            raise _PageFailed(f"Tesseract wrote no result ({error.strerror})") from None
        words = tuple(self.on_page(word) for word in words_from_table(table))
        return (paragraphs_from_table(table) or clean_text(text), mean_confidence(table),
                words)

    def on_page(self, word: tuple[int, int, int, int, str]
                ) -> tuple[float, float, float, float, str]:
        """A word's box in Tesseract's pixels (of the page as turned) in page units."""
        left, top, right, bottom, text = word
        frame = self.frame
        x0, y0 = _unturn(left, top, self.turned, frame.pixel_width, frame.pixel_height)
        x1, y1 = _unturn(right, bottom, self.turned, frame.pixel_width, frame.pixel_height)
        across = frame.width / frame.pixel_width
        down = frame.height / frame.pixel_height
        return (round(min(x0, x1) * across, 2), round(min(y0, y1) * down, 2),
                round(max(x0, x1) * across, 2), round(max(y0, y1) * down, 2), text)

    def tesseract(self, arguments: list[str]) -> str:
        """Run Tesseract within what is left of the page's time; its stdout."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise _Overtime(f"OCR took longer than {self.job.time_limit:g} s; "
                            "the page was skipped")
        self.runs += 1
        environment = dict(os.environ, OMP_THREAD_LIMIT=str(self.job.threads))
        if self.job.threads <= 0:  # the benchmark's "no limit"
            del environment["OMP_THREAD_LIMIT"]
        try:
            done = subprocess.run(["tesseract", *arguments], capture_output=True,
                                  timeout=left, env=environment, preexec_fn=self.before_exec)
        except subprocess.TimeoutExpired:
            raise _Overtime(f"OCR took longer than {self.job.time_limit:g} s; "
                            "the page was skipped") from None
        except OSError as error:
            raise _PageFailed(f"Tesseract could not be run: {error.strerror}") from None
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise _PageFailed(f"Tesseract failed: {(message or ['no message'])[-1][:160]}")
        return done.stdout.decode("utf-8", "replace")


def _unturn(x: float, y: float, degrees: int, width: int, height: int) -> tuple[float, float]:
    """A point of the page as turned `degrees` clockwise (Recogniser.turn) back where
    it lies on the page as rendered, `width` x `height` pixels."""
    if degrees == 90:
        return y, height - x
    if degrees == 180:
        return width - x, height - y
    if degrees == 270:
        return width - y, x
    return x, y


def _death_signal():
    """What Tesseract runs before exec so that it dies with the child (Linux's
    PR_SET_PDEATHSIG): a page killed for its time leaves no Tesseract running. Looked
    up here, before the fork, so that nothing is imported between fork and exec; safe
    as a preexec_fn because the child is single-threaded. None where there is no prctl."""
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def die_with_parent() -> None:
        prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL

    return die_with_parent


def looks_persian(text: str) -> bool:
    """Persian rather than Arabic: at least as many Persian-only letters (پ چ ژ گ) as
    Arabic-only forms (أ إ ؤ ة). In the Persian model's reading of the benchmark's
    pages (200 and 300 dpi), the 6 Persian ones had 4-18 of the first and 0-5 of the
    second, the 6 Arabic ones 0-2 and 17-66 (the Persian model turns Arabic ي ك into
    ی ک, so those two say nothing); a tie (a page of a few words) keeps the Persian
    reading."""
    persian = sum(text.count(letter) for letter in PERSIAN_ONLY_LETTERS)
    arabic = sum(text.count(form) for form in ARABIC_ONLY_FORMS)
    return persian >= arabic


def clean_text(text: str) -> str:
    """Tesseract's text as the page's: its lines kept, paragraphs one blank line apart,
    no form feed (Tesseract ends every page with one), no trailing blanks."""
    text = text.replace("\f", "\n").replace("\r\n", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _MANY_BLANK_LINES.sub("\n\n", text).strip()


def paragraphs_from_table(table: str) -> str:
    """The page's text from Tesseract's TSV: each paragraph Tesseract found, its lines
    joined and end-of-line hyphens undone by the PDF importer's rules (pdf_lines), so a
    scan reads as prose as a PDF's text layer does; '' when the table has no words.

    Version 1 kept Tesseract's own line breaks, which made every scanned paragraph
    ragged in the reader."""
    from archive_app.core.ingest import pdf_lines

    lines: dict[tuple[str, str, str], list[tuple[int, int, int, int, str]]] = {}
    for cells, (left, top, width, height) in _word_rows(table):
        lines.setdefault((cells[2], cells[3], cells[4]), []).append(
            (left, top, width, height, cells[11].strip()))
    paragraphs: dict[tuple[str, str], list] = {}
    for (block, paragraph, _), words in lines.items():
        text = " ".join(word for *_, word in words)
        left = min(w[0] for w in words)
        right = max(w[0] + w[2] for w in words)
        bottom = max(w[1] + w[3] for w in words)
        size = max(w[3] for w in words)
        paragraphs.setdefault((block, paragraph), []).append(
            pdf_lines.Line(text, left, right, -bottom, size))
    if not paragraphs:
        return ""
    every = [line for group in paragraphs.values() for line in group]
    measure = pdf_lines.usual_width(every)
    compounds = pdf_lines.compounds_in(line.text for line in every)
    return "\n\n".join(pdf_lines.join_block(group, measure, compounds)
                        for group in paragraphs.values())


def words_from_table(table: str) -> list[tuple[int, int, int, int, str]]:
    """The words of Tesseract's TSV in its order, the order `paragraphs_from_table`
    joins them in: left, top, right, bottom in the picture's pixels, and the word."""
    return [(left, top, left + width, top + height, cells[11].strip())
            for cells, (left, top, width, height) in _word_rows(table)]


def _word_rows(table: str):
    """Each word row of Tesseract's TSV (level 5, with text): its cells and its box
    (left, top, width, height); rows whose box is no numbers are left out."""
    for row in table.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        try:
            box = tuple(int(cells[n]) for n in range(6, 10))
        except ValueError:
            continue
        yield cells, box


def mean_confidence(table: str) -> float:
    """Mean confidence (0-100) of the words in Tesseract's TSV; rows of conf -1 (blocks,
    lines, empty boxes) are not words. 0.0 for a page without words."""
    scores = []
    for cells, _ in _word_rows(table):
        with contextlib.suppress(ValueError):
            score = float(cells[10])
            if score >= 0:
                scores.append(score)
    return round(sum(scores) / len(scores), 2) if scores else 0.0
