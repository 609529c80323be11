"""Hostile images: random bytes, mutants, cuts, bombs and endless TIFFs (issue 14).

`image.extract` runs as the loader runs it (under bounds.py's time limit and memory
cap) and must return a sane result or raise RejectedFile with a reason; nothing else
may escape. OCR of a hostile file (which the loader only reaches for files that passed
`extract`, but a PDF's pages are rendered without such a check) must never raise: a
page that cannot be read is a problem, not an exception.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import bounds, image, ocr, options
from archive_app.core.ingest.documents import Extracted
from tests.reliability.test_hostile_files import mutate

CODES = {"empty", "binary", "too-large", "corrupt", "unreadable", "unsupported", "bomb",
         "timeout"}
SUFFIXES = [".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"]
FORMATS = {"PNG": ".png", "JPEG": ".jpg", "TIFF": ".tif", "BMP": ".bmp", "WEBP": ".webp"}
MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".jpg": b"\xff\xd8\xff\xe0", ".jpeg": b"\xff\xd8\xff",
         ".tif": b"II*\x00", ".tiff": b"MM\x00*", ".bmp": b"BM",
         ".webp": b"RIFF\x10\x00\x00\x00WEBPVP8 "}
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
_SEEDS: dict[str, bytes] = {}


def seed(fmt: str) -> bytes:
    """A small valid image with a word on it (TIFF: two frames), made once."""
    if fmt not in _SEEDS:
        picture = Image.new("L", (240, 64), 255)
        ImageDraw.Draw(picture).text((10, 20), "Harbour 1948", fill=0)
        buffer = io.BytesIO()
        extra = {"save_all": True, "append_images": [picture]} if fmt == "TIFF" else {}
        picture.save(buffer, fmt, **extra)
        _SEEDS[fmt] = buffer.getvalue()
    return _SEEDS[fmt]


def extract_or_reject(path: Path) -> Extracted | RejectedFile:
    """image.extract as the loader bounds it; a result must be self-consistent."""
    try:
        with bounds.bounded("IMAGE"):
            result = image.extract(path)
    except RejectedFile as rejection:
        assert rejection.code in CODES and rejection.reason.strip()
        return rejection
    assert 1 <= len(result.page_texts) <= image.MAX_FRAMES
    assert result.ocr_pages == list(range(len(result.page_texts)))
    assert all(isinstance(value, str) for value in result.metadata.values())
    return result


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_random_bytes_under_each_image_suffix(suffix, tmp_path):
    @SETTINGS
    @given(data=st.binary(min_size=1, max_size=4096), magic=st.booleans())
    def check(data, magic):
        extract_or_reject(write(tmp_path, f"noise{suffix}", (MAGIC[suffix] if magic
                                                             else b"") + data))

    check()


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_mutated_valid_images(fmt, tmp_path):
    valid = seed(fmt)

    @SETTINGS
    @given(data=st.data())
    def check(data):
        extract_or_reject(write(tmp_path, f"mutant{FORMATS[fmt]}", mutate(data.draw, valid)))

    check()


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_truncated_images(fmt, tmp_path):
    valid = seed(fmt)
    assert isinstance(extract_or_reject(write(tmp_path, f"whole{FORMATS[fmt]}", valid)),
                      Extracted)
    for tenth in range(10):
        cut = valid[:len(valid) * tenth // 10]
        if cut:
            extract_or_reject(write(tmp_path, f"cut{FORMATS[fmt]}", cut))


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` x `height` grey pixels, with a tiny body."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (MAGIC[".png"] + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


def tiff_frames(sizes: list[tuple[int, int]], loop: bool = False) -> bytes:
    """A little-endian TIFF with one uncompressed grey frame per size, all sharing one
    strip of pixel data; with `loop`, the last frame points back to the first."""
    entry_count, ifd_size = 8, 2 + 8 * 12 + 4
    first_ifd, pixels = 8, 8 + ifd_size * len(sizes)
    out = bytearray(b"II*\x00" + struct.pack("<I", first_ifd))
    for number, (width, height) in enumerate(sizes):
        following = first_ifd + ifd_size * (number + 1)
        if number == len(sizes) - 1:
            following = first_ifd if loop else 0
        entries = [(256, 4, width), (257, 4, height), (258, 3, 8), (259, 3, 1), (262, 3, 1),
                   (273, 4, pixels), (278, 4, height), (279, 4, 16)]
        out += struct.pack("<H", entry_count)
        for tag, kind, value in entries:
            out += struct.pack("<HHII", tag, kind, 1, value)
        out += struct.pack("<I", following)
    return bytes(out + b"\x80" * 16)


def jpeg_declaring(width: int, height: int) -> bytes:
    """A valid small JPEG whose frame header is patched to claim `width` x `height`."""
    data = bytearray(seed("JPEG"))
    frame = data.index(b"\xff\xc0")
    data[frame + 5:frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


@pytest.mark.parametrize("name,data", [
    ("huge.png", png_declaring(100_000, 100_000)),
    ("just-over.png", png_declaring(10_000, 9_000)),  # Pillow alone would only warn
    ("huge.jpg", jpeg_declaring(65_000, 65_000)),
    ("huge.tif", tiff_frames([(60_000, 60_000)])),
    ("huge-page-2.tif", tiff_frames([(100, 100), (50_000, 50_000)])),
])
def test_decompression_bombs_are_refused_before_decoding(name, data, tmp_path):
    rejection = extract_or_reject(write(tmp_path, name, data))
    assert isinstance(rejection, RejectedFile) and rejection.code == "bomb", rejection


def test_tiff_with_thousands_of_frames_is_refused(tmp_path):
    rejection = extract_or_reject(write(tmp_path, "roll.tif", tiff_frames([(1, 1)] * 3000)))
    assert isinstance(rejection, RejectedFile) and rejection.code == "too-large"
    assert str(image.MAX_FRAMES) in rejection.reason


def test_tiff_at_the_frame_limit_is_read(tmp_path):
    result = extract_or_reject(write(tmp_path, "fax.tif", tiff_frames([(8, 8)] * 500)))
    assert isinstance(result, Extracted) and len(result.ocr_pages) == 500


def test_tiff_whose_frames_loop_ends(tmp_path):
    extract_or_reject(write(tmp_path, "loop.tif", tiff_frames([(4, 4)] * 3, loop=True)))


def test_other_formats_under_an_image_suffix_are_not_decoded(tmp_path):
    """An EPS or a GIF named .png: refused, never handed to Ghostscript or another
    decoder the suffix did not ask for."""
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n"
    gif = io.BytesIO()
    Image.new("L", (8, 8)).save(gif, "GIF")
    for name, data in (("eps.png", eps), ("gif.jpg", gif.getvalue())):
        rejection = extract_or_reject(write(tmp_path, name, data))
        assert isinstance(rejection, RejectedFile) and rejection.code == "corrupt"


def ocr_or_problem(path: Path, kind: str) -> ocr.OcrResult:
    with options.reading_with(options.ReadOptions(ocr_languages="eng")):
        result = ocr.ocr_pages(path, kind, [0], 1)
    assert isinstance(result.pages, dict) and all(isinstance(p, str) for p in result.problems)
    assert len(result.pages) + len(result.problems) == 1
    return result


@pytest.mark.skipif(not ocr.available(), reason="Tesseract is not installed")
@pytest.mark.parametrize("fmt", ["PNG", "TIFF", "PDF"])
def test_ocr_of_mutated_files_never_raises(fmt, tmp_path):
    if fmt == "PDF":
        buffer = io.BytesIO()
        Image.open(io.BytesIO(seed("PNG"))).save(buffer, "PDF", resolution=150)
        valid, name, kind = buffer.getvalue(), "mutant.pdf", "pdf"
    else:
        valid, name, kind = seed(fmt), f"mutant{FORMATS[fmt]}", "image"

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def check(data):
        ocr_or_problem(write(tmp_path, name, mutate(data.draw, valid)), kind)

    check()


@pytest.mark.skipif(not ocr.available(), reason="Tesseract is not installed")
def test_ocr_of_a_bomb_is_a_problem_not_a_crash(tmp_path):
    result = ocr_or_problem(write(tmp_path, "bomb.png", png_declaring(100_000, 100_000)),
                            "image")
    assert result.problems[0].startswith("page 1: the page could not be rendered")
