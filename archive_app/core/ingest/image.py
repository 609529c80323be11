"""Image importer (PNG, JPEG, TIFF, BMP, WebP): check the picture, leave the reading to OCR.

An image has no text layer; its words come from OCR (ingest/ocr.py), which the loader
runs page by page after `extract` returns, each page under its own time limit. So
`extract` only proves the file is an image worth reading, cheaply and within bounds:

- Pillow opens it reading the header only, limited to the formats the suffixes name
  (`FORMATS`): a PNG-named EPS would otherwise send Pillow to Ghostscript;
- `verify()` checks what the format can check without decoding (PNG's chunk CRCs);
- every frame's declared size is checked against `MAX_FRAME_PIXELS` before anything is
  decoded (a decompression bomb declares 100,000 x 100,000 pixels in a few hundred
  bytes), and a TIFF's frames (its pages) are counted up to `MAX_FRAMES`.

What it returns has one empty page per frame, every page marked for OCR, and the little
metadata a camera or scanner writes: the title from EXIF ImageDescription, XPTitle or a
PNG Title, the date from EXIF DateTimeOriginal (never the file's modification date).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from pathlib import Path

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import limits
from archive_app.core.ingest.documents import Extracted
from archive_app.core.text.dates import normalise_date

FORMATS = ("PNG", "JPEG", "TIFF", "BMP", "DIB", "WEBP")
"""The Pillow decoders an image may use (JPEG's also opens a camera's MPO: a JPEG with
previews inside)."""
PAGED_FORMATS = frozenset({"TIFF"})
"""Formats whose frames are pages; an animated WebP's or an MPO's other frames are not."""
MAX_FRAME_PIXELS = 80_000_000
"""Pixels one frame may declare: an A3 page scanned at 600 dpi is 70 million."""
MAX_FRAMES = 500
"""Pages one TIFF may have: OCR takes about a second a page, so a 500-page fax roll is
already most of ten minutes; a TIFF claiming thousands of frames is refused."""
_TITLE_TAGS = (0x010E, 0x9C9B)  # ImageDescription, XPTitle (UTF-16LE bytes)
_EXIF_IFD = 0x8769
_DATE_TIME_ORIGINAL = 0x9003
_CAMERA_DEFAULT_TITLES = frozenset({"olympus digital camera", "sony dsc", "default",
                                    "image", "untitled", "exif_jpeg_picture"})
"""Descriptions a camera writes into every picture: not titles."""


def extract(path: Path) -> Extracted:
    """One empty page per frame, all of them for OCR; RejectedFile if it is no image."""
    limits.check_file(path)
    with _opened(path) as image:
        image.verify()  # Pillow's own check (PNG: each chunk's CRC); the image is spent
    with _opened(path) as image:
        metadata = _metadata(image)  # before the frames are walked: the first frame's
        frames = count_frames(image)
    return Extracted(text="", metadata=metadata, page_texts=[""] * frames,
                     ocr_pages=list(range(frames)))


@contextlib.contextmanager
def _opened(path: Path) -> Iterator:
    """The image, opened by one of `FORMATS` with its first frame's size checked; every
    Pillow failure, here or in the block, becomes a RejectedFile a user can read."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():  # the sizes are checked here, not by the warning
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
            with Image.open(path, formats=FORMATS) as image:
                check_frame_size(image)
                yield image
    except RejectedFile:
        raise
    except Image.DecompressionBombError as error:
        raise RejectedFile("bomb", f"the image declares too many pixels: {error}") from None
    except UnidentifiedImageError:
        raise RejectedFile("corrupt", "not a readable image "
                                      "(PNG, JPEG, TIFF, BMP or WebP)") from None
    except MemoryError:
        raise RejectedFile("too-large", "the image is too large to open in memory") from None
    except Exception as error:  # Pillow raises SyntaxError, OSError, struct.error...
        message = str(error) or type(error).__name__
        raise RejectedFile("corrupt", f"the image is damaged: {message[:160]}") from None


def check_frame_size(image) -> None:
    """Refuse a frame declaring more than MAX_FRAME_PIXELS (or no pixels) before any
    decoding; the OCR's renderer calls it too, for the frame it is about to decode."""
    width, height = image.size
    if width <= 0 or height <= 0:
        raise RejectedFile("corrupt", f"the image declares a size of {width} x {height}")
    if width * height > MAX_FRAME_PIXELS:
        raise RejectedFile("bomb", f"the image declares {width:,} x {height:,} pixels; "
                                   f"the limit is {MAX_FRAME_PIXELS // 1_000_000} million "
                                   "a page")


def count_frames(image) -> int:
    """The number of pages: a TIFF's frames, walked one by one (each size checked) up to
    MAX_FRAMES; 1 for every other format."""
    if image.format not in PAGED_FORMATS:
        return 1
    frames = 1
    while True:
        try:
            image.seek(frames)
        except EOFError:
            return frames
        check_frame_size(image)
        frames += 1
        if frames > MAX_FRAMES:
            raise RejectedFile("too-large", f"the image has more than {MAX_FRAMES} pages "
                                            f"(frames); the limit is {MAX_FRAMES}")


def _metadata(image) -> dict[str, str]:
    """Title and date the camera or scanner recorded, where it did."""
    try:
        exif = image.getexif()
        original = exif.get_ifd(_EXIF_IFD).get(_DATE_TIME_ORIGINAL)
    except Exception:  # a damaged EXIF block costs the metadata, not the image
        exif, original = {}, None
    metadata = {}
    title = _title(exif) or _text(image.info.get("Title"))
    if title:
        metadata["title"] = title
    date = _exif_date(original)
    if date:
        metadata["date"] = date
    return metadata


def _title(exif) -> str:
    for tag in _TITLE_TAGS:
        title = _text(exif.get(tag))
        if title and title.lower() not in _CAMERA_DEFAULT_TITLES:
            return title
    return ""


def _text(value: object) -> str:
    """An EXIF or PNG text value as a string: XPTitle is UTF-16LE bytes (or a tuple of
    byte values), ImageDescription ASCII that is often padded with NULs or blanks."""
    if isinstance(value, tuple) and all(isinstance(item, int) for item in value):
        value = bytes(item & 0xFF for item in value)
    if isinstance(value, bytes):
        value = value.decode("utf-16-le" if b"\0" in value else "utf-8", errors="replace")
    if not isinstance(value, str):
        return ""
    return " ".join(value.replace("\0", " ").split())[:500]


def _exif_date(value: object) -> str:
    """EXIF's 'YYYY:MM:DD HH:MM:SS' as an ISO date; '' for the all-zero placeholder."""
    if not isinstance(value, str) or len(value) < 10:
        return ""
    return normalise_date(value[:10].replace(":", "-"))
