"""HTML: one standalone, print-friendly page; every piece of user or document text escaped.

Direction is set per paragraph (`dir="auto"` on each quote paragraph and heading), never
on a whole excerpt: a Persian quote is right to left while its English "Tags:" and
citation lines stay left to right, with right-to-left titles, tags and notes inside them
in bidi isolates (<bdi>). Notes keep their line breaks.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from html import escape

from archive_app.core.export.common import is_rtl, note_shown, shown_context
from archive_app.core.export.grouping import group_excerpts
from archive_app.core.export.model import Excerpt, ExportOptions

LABEL, SUFFIX, BINARY, NEEDS_TEXTS = "HTML page", ".html", False, False

STYLE = """
body { font-family: Georgia, "Times New Roman", serif; max-width: 46em; margin: 2em auto;
       padding: 0 1em; line-height: 1.5; color: #111; background: #fff; }
h1 { font-size: 1.8em; } h2 { font-size: 1.3em; border-bottom: 1px solid #999; }
.excerpt { margin: 0 0 1.6em; page-break-inside: avoid; break-inside: avoid; }
blockquote { margin: 0.4em 0; padding: 0.2em 1em; border-inline-start: 3px solid #888; }
blockquote p { margin: 0.3em 0; white-space: pre-wrap; } .note-text { white-space: pre-wrap; }
.context { color: #555; } mark { background: none; font-weight: bold; color: inherit; }
.tags, .note { margin: 0.2em 0; font-size: 0.95em; } .label { font-weight: bold; }
.region img { max-width: 100%; border: 1px solid #888; }
.citation { margin: 0.2em 0; font-size: 0.9em; color: #333; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; } }
"""


def _quote(excerpt: Excerpt, options: ExportOptions) -> str:
    """The quote as one <p dir="auto"> per paragraph, the context around it greyed."""
    before, after = shown_context(excerpt, options)
    paragraphs = [escape(p.strip("\n")) for p in excerpt.quote.strip().split("\n\n")]
    if before or after:
        paragraphs = [f"<mark>{p}</mark>" for p in paragraphs]
        if before:
            paragraphs[0] = f'<span class="context">{escape(before)}</span>' + paragraphs[0]
        if after:
            paragraphs[-1] += f'<span class="context">{escape(after)}</span>'
    lang = f' lang="{escape(excerpt.lang)}"' if excerpt.lang else ""
    inner = "".join(f'<p dir="auto">{p}</p>' for p in paragraphs)
    return f"<blockquote{lang}>{inner}</blockquote>"


def isolated(text: str) -> str:
    """Escaped text in a bidi isolate, so right-to-left text does not reorder the
    left-to-right line around it."""
    return f"<bdi>{escape(text)}</bdi>"


def citation_html(excerpt: Excerpt) -> str:
    """The citation line with each right-to-left title, author or source in it isolated."""
    citation = excerpt.citation
    parts = sorted({value for value in (excerpt.title, excerpt.author, excerpt.source)
                    if value and is_rtl(value) and value in citation}, key=len, reverse=True)
    if not parts:
        return escape(citation)
    pieces = re.split("(" + "|".join(map(re.escape, parts)) + ")", citation)
    return "".join(isolated(piece) if index % 2 else escape(piece)
                   for index, piece in enumerate(pieces))


def _picture(excerpt: Excerpt) -> str:
    """A region annotation's picture, inline (the file stays one file), its caption as
    the alternative text; nothing when it could not be rendered."""
    if not excerpt.picture:
        return ""
    data = base64.b64encode(excerpt.picture).decode("ascii")
    return (f'<p class="region"><img src="data:image/png;base64,{data}" '
            f'alt="{escape(excerpt.quote)}"></p>')


def _excerpt(excerpt: Excerpt, options: ExportOptions) -> list[str]:
    lines = ['<div class="excerpt">', _picture(excerpt), _quote(excerpt, options)]
    lines = [line for line in lines if line]
    if excerpt.tags:
        tags = ", ".join(isolated(tag) for tag in excerpt.tags)
        lines.append(f'<p class="tags" dir="ltr"><span class="label">Tags:</span> {tags}</p>')
    note = note_shown(excerpt, options)
    if note:
        lines.append(f'<p class="note" dir="ltr"><span class="label">Note:</span> '
                     f'<bdi class="note-text">{escape(note)}</bdi></p>')
    lines.append(f'<p class="citation" dir="ltr">— {citation_html(excerpt)}</p>')
    return lines + ["</div>"]


def render_text(excerpts: list[Excerpt], options: ExportOptions,
                tick: Callable[[], None] = lambda: None) -> str:
    langs = {e.lang for e in excerpts if e.lang}
    page_lang = langs.pop() if len(langs) == 1 else "und"
    lines = ["<!DOCTYPE html>", f'<html lang="{escape(page_lang)}">', "<head>",
             '<meta charset="utf-8">', f"<title>{escape(options.title)}</title>",
             f"<style>{STYLE}</style>", "</head>", "<body>",
             f'<h1 dir="auto">{escape(options.title)}</h1>']
    for label, items in group_excerpts(excerpts, options.grouping):
        if label:
            lines.append(f'<h2 dir="auto">{escape(label)}</h2>')
        for excerpt in items:
            tick()
            lines += _excerpt(excerpt, options)
    return "\n".join(lines + ["</body>", "</html>"]) + "\n"


def render(excerpts: list[Excerpt], options: ExportOptions, texts: Mapping[str, str],
           tick: Callable[[], None]) -> bytes:
    return render_text(excerpts, options, tick).encode("utf-8")
