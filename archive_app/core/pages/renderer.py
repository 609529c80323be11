"""Pages as pixels, and a PDF page's characters with their boxes, from one isolated child.

Any file may be hostile, and pdfium and Pillow's decoders are C code that a crafted file
can crash, loop in or fill memory with; only a separate process can be stopped. The PDF
importer pays for a child per file (ingest/isolation.py), but the page view must show a
first page in under 300 ms and the next one in under 150 ms, so here ONE child serves
every request over a pipe and keeps the last `DOCUMENTS_OPEN` documents open:

- it comes from the core's forkserver (indexing/processes.py), so it is a fork of a
  clean single-threaded parent, not of the GUI with its Qt threads;
- its address space is capped (RLIMIT_AS, `memory_limit`); a Python MemoryError is
  reported and the child replaced, a crash (pdfium aborting) is an end of file;
- each request has `time_limit` seconds; past it the child is killed, the request
  raises PageProblem, and the next request starts a fresh child.

Nothing in a file is followed: pdfium runs without `init_forms`, so no form or document
JavaScript runs (the pypdfium2 build has no V8 anyway), link, URI and launch actions are
never read, and pdfium neither fetches external streams (/F URLs) nor opens a network.
Files are opened read-only by the child itself and must be regular files (a FIFO or a
device could block the reader forever); pdfium reads through that open file.

The parent keeps an LRU cache of rendered pages (`cache_pages`, and at most
`CACHE_BYTES`), keyed by the file's path, size and mtime and the page and scale, so
stepping back to a page costs nothing.

Measured with bench/page_render.py on this 2-core machine (a 300-page fpdf2 PDF of text,
rules and a picture a page, fit to a 1000 px wide view; a benchmark shared the machine):
the child starts in 60 ms (870 ms when the forkserver must start first: call `start`
early); the first page (open, count, size, render) takes 44 ms, another page 17 ms
(median; p95 20 ms), a page's text and boxes 15 ms (3,000 characters), a cached page
0.1 ms.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import stat
import sys
import threading
import time
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from archive_app.core.errors import ArchiveError

PAGE_FORMATS = frozenset({"pdf", "image"})
"""Our format names (Document.format) that have pages; "image" is PNG, JPEG, TIFF, BMP
or WebP, read by Pillow, where a TIFF's frames are its pages."""
MAX_PIXELS = 40_000_000
"""A rendered page is scaled down to at most this many pixels (120 MB of RGB): an A4
page at 600 dpi is 35 million."""
CACHE_BYTES = 256 * 1024 ** 2
"""Pixels the parent's cache may hold, whatever `cache_pages` says (12 typical pages of a
1000 px wide view are 50 MB; 12 pages at MAX_PIXELS would be 1.4 GB)."""
DOCUMENTS_OPEN = 4
"""Documents the child keeps open, so that stepping through pages, or going back to the
document shown before, does not parse the file again."""
_EXIF_ORIENTATION = 0x0112
_TURNED_ORIENTATIONS = frozenset({5, 6, 7, 8})
"""EXIF orientations that swap an image's width and height."""
_WHAT = {"count": "opening the file", "size": "opening the file",
         "render": "showing the page", "text": "reading the page's text"}
"""How a request is named in a sentence about it ("showing the page took longer...")."""


class PageProblem(ArchiveError):
    """A page that cannot be shown: timeout, out of memory, damaged file, no such page.
    Its message is a plain sentence for a person."""


@dataclass(frozen=True)
class PageImage:
    """A rendered page: RGB, 3 bytes a pixel, rows `stride` bytes apart (QImage's
    Format_RGB888), with the page's own size to map positions on it."""

    page: int
    width: int
    height: int
    stride: int
    data: bytes
    page_width: float
    """In the page's own units: PDF points (1/72 in); an image's pixels."""
    page_height: float


@dataclass(frozen=True)
class PageText:
    """pdfium's characters of a PDF page and where each lies on the page as shown."""

    page: int
    text: str
    """One character per pdfium char index (what textpage.get_text_range() gives, except
    that a character outside the BMP stays one character here, as the index counts)."""
    boxes: bytes
    """float32 little-endian, 4 per character: left, top, right, bottom in page units
    from the top-left corner of the page as rendered; NaN for a character without a box
    (the spaces and line breaks pdfium generates)."""
    page_width: float
    page_height: float


class PageRenderer:
    """Pages of PDFs and images, rendered in one child process kept for the purpose.

    Safe to call from several threads (a lock serialises requests), though the GUI uses
    one worker thread. Close it (or use it as a context manager) to end the child.
    `test_requests` lets the child answer `_request("sleep" | "hoard" | "crash", ...)`,
    which simulate a hanging, memory-hungry or crashing file: for tests only.
    """

    def __init__(self, time_limit: float = 10.0, memory_limit: int = 1536 * 1024 ** 2,
                 cache_pages: int = 12, *, test_requests: bool = False) -> None:
        self.time_limit = time_limit
        self.memory_limit = memory_limit
        self.cache_pages = cache_pages
        self.requests = 0
        """Requests sent to the child (for tests and the benchmark: a cached page
        costs none)."""
        self._test_requests = test_requests
        self._lock = threading.RLock()
        self._child = None
        self._connection = None
        self._cache: OrderedDict[tuple, PageImage] = OrderedDict()
        self._cached_bytes = 0

    def __enter__(self) -> PageRenderer:
        return self

    def __exit__(self, *_) -> None:
        self.close()

    def page_count(self, path: Path, kind: str) -> int:
        """How many pages the PDF has, or the image (a TIFF's frames; 1 otherwise)."""
        return self._request("count", _identity(path), _checked(kind))

    def page_size(self, path: Path, kind: str, page: int) -> tuple[float, float]:
        """The page's width and height as shown, in its own units (points, pixels)."""
        return self._request("size", _identity(path), _checked(kind), page)

    def render(self, path: Path, kind: str, page: int, scale: float) -> PageImage:
        """The page (0-based) at `scale` pixels per page unit, or less where that would
        exceed MAX_PIXELS; from the cache when it was rendered so lately."""
        scale = _rounded(scale)
        with self._lock:
            file = _identity(path)
            key = (file, _checked(kind), page, scale)
            image = self._cache.get(key)
            if image is not None:
                self._cache.move_to_end(key)
                return image
            image = self._request("render", file, kind, page, scale)
            self._remember(key, image)
            return image

    def page_text(self, path: Path, page: int) -> PageText:
        """A PDF page's characters and their boxes (see PageText)."""
        return self._request("text", _identity(path), "pdf", page)

    def start(self) -> None:
        """Start the child now (it starts with the first request otherwise): the window
        may call it when a document with pages is opened, before the first page."""
        self._request("ping")

    def close(self) -> None:
        """End the child and forget the cached pages; a later request starts anew."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()  # the child reads the end of the pipe and exits
            if self._child is not None:
                self._child.join(1.0)
            self._stop()
            self._cache.clear()
            self._cached_bytes = 0

    def _request(self, op: str, *args):
        """The child's answer to (op, args), or PageProblem; a child that overran its
        time, died or ran out of memory is replaced by the next request."""
        with self._lock:
            connection = self._running()
            self.requests += 1
            what = _WHAT.get(op, "the request")
            try:
                connection.send((op, args))
                answered = connection.poll(self.time_limit)
                if answered:
                    status, value = connection.recv()
            except (EOFError, OSError):
                self._stop()
                raise PageProblem(f"{what} stopped the page renderer (it crashed or needed "
                                  f"more than {self.memory_limit // 1024 ** 2} MB); "
                                  "it will be started again") from None
            if not answered:
                self._stop()
                raise PageProblem(f"{what} took longer than {self.time_limit:g} s; "
                                  "it was stopped")
            if status == "spent":  # the child ran out of memory: not to be trusted
                self._stop()
            if status != "ok":
                raise PageProblem(value)
            return value

    def _running(self):
        """The connection to a live child, started if there is none."""
        if self._child is not None and self._child.is_alive():
            return self._connection
        self._stop()
        from archive_app.core.indexing.processes import forkserver_context

        context = forkserver_context()
        ours, theirs = context.Pipe()
        child = context.Process(target=_serve, name="page-renderer", daemon=True,
                                args=(theirs, self.memory_limit, self._test_requests))
        try:
            child.start()
        except (OSError, AssertionError) as error:  # AssertionError: in a daemon process
            ours.close()
            raise PageProblem(f"the page renderer could not be started: {error}") from None
        finally:
            theirs.close()
        self._child, self._connection = child, ours
        return ours

    def _stop(self) -> None:
        """Kill the child (if any is left) and close our end of its pipe."""
        if self._child is not None:
            if self._child.is_alive():
                self._child.kill()
            self._child.join()
        if self._connection is not None:
            self._connection.close()
        self._child = self._connection = None

    def _remember(self, key: tuple, image: PageImage) -> None:
        self._cache[key] = image
        self._cached_bytes += len(image.data)
        while self._cache and (len(self._cache) > self.cache_pages
                               or self._cached_bytes > CACHE_BYTES):
            _, oldest = self._cache.popitem(last=False)
            self._cached_bytes -= len(oldest.data)


def _identity(path: Path) -> tuple[str, int, int]:
    """(absolute path, size, mtime_ns) of a regular file: the child's and the cache's
    key, so a file changed on disk is read again. PageProblem for anything else."""
    try:
        info = os.stat(path)
    except OSError as error:
        raise PageProblem(f"the file could not be read: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise PageProblem("this is not a regular file, so its pages are not shown")
    return os.path.abspath(path), info.st_size, info.st_mtime_ns


def _checked(kind: str) -> str:
    if kind not in PAGE_FORMATS:
        raise ValueError(f"pages are shown for {sorted(PAGE_FORMATS)}, not {kind!r}")
    return kind


def _rounded(scale: float) -> float:
    """The scale to 6 significant digits, so that float noise in a view's arithmetic
    does not miss the cache (pdfium rounds pixels up: a view 1000 px wide gets 1000 or
    1001)."""
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"a page's scale must be a positive number, not {scale!r}")
    return float(f"{scale:.6g}")


# -- the child ---------------------------------------------------------------------------


def _serve(connection, memory_limit: int, test_requests: bool) -> None:
    """The child: cap memory, then answer requests until the parent closes the pipe."""
    import resource

    with contextlib.suppress(ValueError, OSError):  # a lower limit may already be set
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    import pypdfium2  # noqa: F401 - loaded before the first request waits for it
    from PIL import Image, ImageFile

    from archive_app.core.ingest import image as image_importer

    ImageFile.LOAD_TRUNCATED_IMAGES = True  # a cut-off scan still shows its top
    Image.MAX_IMAGE_PIXELS = image_importer.MAX_FRAME_PIXELS
    documents = _OpenDocuments()
    while True:
        try:
            op, args = connection.recv()
        except (EOFError, OSError):
            documents.close()
            return
        try:
            reply = ("ok", _answer(documents, op, args, test_requests))
        except MemoryError:
            documents.close()
            reply = ("spent", f"{_WHAT.get(op, 'the request')} needed more than the "
                              f"{memory_limit // 1024 ** 2} MB allowed; it was stopped")
        except Exception as error:  # every failure is the page's reason, for a person
            reply = ("error", _reason(error))
        connection.send(reply)


def _answer(documents: _OpenDocuments, op: str, args: tuple, test_requests: bool):
    if op == "ping":
        return None
    if op in _TEST_REQUESTS:
        if not test_requests:
            raise ValueError(f"{op!r} is a request for tests only")
        return _TEST_REQUESTS[op](*args)
    if op not in _WHAT:
        raise ValueError(f"no such request: {op!r}")
    file, kind, *rest = args
    return getattr(documents.get(file, kind), op)(*rest)


def _hoard(size: int) -> int:
    return len(bytearray(size))


_TEST_REQUESTS = {"sleep": time.sleep, "hoard": _hoard,
                  "crash": lambda: os.kill(os.getpid(), signal.SIGKILL)}
"""A file that hangs, one that wants too much memory, a library that crashes."""


def _reason(error: Exception) -> str:
    """An exception raised while reading a file, as the sentence PageProblem carries."""
    from archive_app.core.errors import RejectedFile

    if isinstance(error, PageProblem):
        return str(error)
    if isinstance(error, RejectedFile):  # the image importer's size checks
        return error.reason
    message = (str(error) or type(error).__name__)[:160]
    return f"the page could not be shown: {message}"


class _OpenDocuments:
    """The child's last DOCUMENTS_OPEN documents, by (path, size, mtime_ns) and kind."""

    def __init__(self) -> None:
        self.open: OrderedDict[tuple, _Pdf | _Image] = OrderedDict()

    def get(self, file: tuple[str, int, int], kind: str) -> _Pdf | _Image:
        key = (file, kind)
        document = self.open.get(key)
        if document is None:
            document = (_Pdf if kind == "pdf" else _Image)(file[0])
            self.open[key] = document
            while len(self.open) > DOCUMENTS_OPEN:
                self.open.popitem(last=False)[1].close()
        self.open.move_to_end(key)
        return document

    def close(self) -> None:
        while self.open:
            self.open.popitem()[1].close()


def _open_regular(path: str):
    """The file, read-only, if it is a regular file when opened (O_NONBLOCK: a FIFO put
    in its place would otherwise block the open until something writes to it)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise PageProblem(f"the file could not be read: {error.strerror}") from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise PageProblem("this is not a regular file, so its pages are not shown")
    return os.fdopen(descriptor, "rb")


def _page_number(page: int, count: int) -> int:
    if not (isinstance(page, int) and 0 <= page < count):
        raise PageProblem(f"there is no page {page + 1 if isinstance(page, int) else page}: "
                          f"the file has {count} page{'s' if count != 1 else ''}")
    return page


def _capped_scale(scale: float, width: float, height: float) -> float:
    """`scale`, or less so that the page (rounded up to whole pixels) keeps within
    MAX_PIXELS."""
    if width <= 0 or height <= 0:
        raise PageProblem(f"the page has no area ({width:g} x {height:g})")
    scale = min(scale, (MAX_PIXELS / (width * height)) ** 0.5)
    while math.ceil(width * scale) * math.ceil(height * scale) > MAX_PIXELS:
        scale *= 0.99
    return scale


class _Pdf:
    """An open PDF in the child, and its last page loaded (rendering a page and then
    reading its text parses it once)."""

    def __init__(self, path: str) -> None:
        import pypdfium2 as pdfium

        handle = _open_regular(path)
        try:
            self.document = pdfium.PdfDocument(handle, autoclose=True)  # no init_forms
        except pdfium.PdfiumError as error:
            handle.close()
            raise PageProblem(_pdf_reason(error)) from None
        self.count_ = len(self.document)
        self.loaded: tuple[int, object] | None = None

    def count(self) -> int:
        return self.count_

    def size(self, page: int) -> tuple[float, float]:
        return self.document.get_page_size(_page_number(page, self.count_))

    def page(self, number: int):
        if self.loaded is None or self.loaded[0] != number:
            self.loaded = (number, self.document[_page_number(number, self.count_)])
        return self.loaded[1]

    def render(self, number: int, scale: float) -> PageImage:
        page = self.page(number)
        width, height = page.get_size()
        bitmap = page.render(scale=_capped_scale(scale, width, height), rev_byteorder=True,
                             may_draw_forms=False)
        return PageImage(number, bitmap.width, bitmap.height, bitmap.stride,
                         bytes(bitmap.buffer), width, height)

    def text(self, number: int) -> PageText:
        import pypdfium2.raw as pdfium_c

        page = self.page(number)
        width, height = page.get_size()
        shown = _TopLeft(page, width, height)
        textpage = page.get_textpage()
        try:
            characters, boxes = [], array("f")
            rect = pdfium_c.FS_RECTF()
            for index in range(textpage.count_chars()):
                characters.append(_character(pdfium_c.FPDFText_GetUnicode(textpage, index)))
                if (pdfium_c.FPDFText_IsGenerated(textpage, index) != 0
                        or not pdfium_c.FPDFText_GetLooseCharBox(textpage, index, rect)):
                    boxes.extend(_NO_BOX)
                else:
                    boxes.extend(shown.box(rect.left, rect.bottom, rect.right, rect.top))
        finally:
            textpage.close()
        if sys.byteorder == "big":
            boxes.byteswap()
        return PageText(number, "".join(characters), boxes.tobytes(), width, height)

    def close(self) -> None:
        self.loaded = None
        self.document.close()


_NO_BOX = (math.nan,) * 4


def _character(code: int) -> str:
    """pdfium's code point as one character; U+FFFD for a surrogate or an impossible
    value, which a Python string would not carry safely."""
    if 0 <= code < 0xD800 or 0xE000 <= code <= 0x10FFFF:
        return chr(code)
    return "\ufffd"


class _TopLeft:
    """PDF user space -> page units from the top-left of the page as pdfium renders it.

    Taken from pdfium's own display transform (FPDF_DeviceToPage), which applies the
    crop box (as pdfium clips it to the media box) and /Rotate, so a box lands on the
    pixels render() drew whatever the page's boxes and rotation."""

    def __init__(self, page, width: float, height: float) -> None:
        import ctypes

        import pypdfium2.raw as pdfium_c

        def user_space(x: int, y: int) -> tuple[float, float]:
            px, py = ctypes.c_double(), ctypes.c_double()
            pdfium_c.FPDF_DeviceToPage(page, 0, 0, 1000, 1000, 0, x, y, px, py)
            return px.value, py.value

        self.origin = user_space(0, 0)
        right, down = user_space(1000, 0), user_space(0, 1000)
        self.across = (right[0] - self.origin[0], right[1] - self.origin[1])
        self.downward = (down[0] - self.origin[0], down[1] - self.origin[1])
        self.determinant = (self.across[0] * self.downward[1]
                            - self.downward[0] * self.across[1]) or 1.0
        self.width, self.height = width, height

    def point(self, x: float, y: float) -> tuple[float, float]:
        dx, dy = x - self.origin[0], y - self.origin[1]
        across = (dx * self.downward[1] - dy * self.downward[0]) / self.determinant
        downward = (self.across[0] * dy - self.across[1] * dx) / self.determinant
        return across * self.width, downward * self.height

    def box(self, left: float, bottom: float, right: float, top: float) -> tuple:
        (x1, y1), (x2, y2) = self.point(left, bottom), self.point(right, top)
        return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def _pdf_reason(error) -> str:
    import pypdfium2.internal as pdfium_i

    code = getattr(error, "err_code", None)
    if code in (4, 5):  # FPDF_ERR_PASSWORD, FPDF_ERR_SECURITY
        return "the PDF is encrypted (it needs a password), so its pages cannot be shown"
    reason = pdfium_i.ErrorToStr.get(code, str(error))
    return f"the PDF could not be opened: pdfium reports a {reason.lower()}"


class _Image:
    """An open image in the child: its header read, its frames counted and checked,
    and the last frame decoded (upright, on white, RGB) for rendering at any scale."""

    def __init__(self, path: str) -> None:
        from archive_app.core.ingest import image as image_importer

        self.handle = _open_regular(path)
        try:
            self.image, self.frames, self.turned = _opened_image(self.handle)
        except Exception:
            self.handle.close()
            raise
        self.check_size = image_importer.check_frame_size
        self.decoded: tuple[int, object] | None = None

    def count(self) -> int:
        return self.frames

    def size(self, frame: int) -> tuple[float, float]:
        self.image.seek(_page_number(frame, self.frames))
        width, height = self.image.size
        if frame == 0 and self.turned:
            return float(height), float(width)
        return float(width), float(height)

    def frame(self, number: int):
        """The frame as shown: the first one turned upright as its EXIF says (as OCR
        reads it: ingest/ocr.py), transparency on white paper, RGB."""
        from PIL import ImageOps

        if self.decoded is None or self.decoded[0] != number:
            self.decoded = None  # its memory is free before the next frame is decoded
            self.image.seek(_page_number(number, self.frames))
            self.check_size(self.image)
            picture = ImageOps.exif_transpose(self.image) if number == 0 else self.image.copy()
            self.decoded = (number, _rgb(picture))
        return self.decoded[1]

    def render(self, number: int, scale: float) -> PageImage:
        from PIL import Image

        picture = self.frame(number)
        width, height = picture.size
        scale = _capped_scale(scale, width, height)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        if size != picture.size:
            picture = picture.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
        return PageImage(number, size[0], size[1], size[0] * 3, picture.tobytes(),
                         float(width), float(height))

    def close(self) -> None:
        self.decoded = None
        self.image.close()
        self.handle.close()


def _opened_image(handle):
    """(image, frames, turned): the image by one of the importer's formats, its frame
    sizes checked and frames counted (ingest/image.py), and whether its EXIF turns the
    first frame on its side."""
    import warnings

    from PIL import Image, UnidentifiedImageError

    from archive_app.core.ingest import image as image_importer

    try:
        with warnings.catch_warnings():  # the sizes are checked, not warned about
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(handle, formats=image_importer.FORMATS)
            image_importer.check_frame_size(image)
            turned = image.getexif().get(_EXIF_ORIENTATION) in _TURNED_ORIENTATIONS
            frames = image_importer.count_frames(image)
    except Image.DecompressionBombError as error:
        raise PageProblem(f"the image declares too many pixels: {error}") from None
    except UnidentifiedImageError:
        raise PageProblem("the file is not a readable image "
                          "(PNG, JPEG, TIFF, BMP or WebP)") from None
    return image, frames, turned


def _rgb(picture):
    """RGB as the view shows it: on white paper, as OCR sees it (ocr.on_white_paper)."""
    from archive_app.core.ingest.ocr import on_white_paper

    return on_white_paper(picture).convert("RGB")
