"""HTML: one standalone, print-friendly page; every piece of user or document text escaped."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape

from archive_app.core.export.common import note_shown, shown_context, tags_text
from archive_app.core.export.grouping import group_excerpts
from archive_app.core.export.model import Excerpt, ExportOptions

LABEL, SUFFIX, BINARY, NEEDS_TEXTS = "HTML page", ".html", False, False

STYLE = """
body { font-family: Georgia, "Times New Roman", serif; max-width: 46em; margin: 2em auto;
       padding: 0 1em; line-height: 1.5; color: #111; background: #fff; }
h1 { font-size: 1.8em; } h2 { font-size: 1.3em; border-bottom: 1px solid #999; }
.excerpt { margin: 0 0 1.6em; page-break-inside: avoid; break-inside: avoid; }
blockquote { margin: 0.4em 0; padding: 0.2em 1em; border-inline-start: 3px solid #888;
             white-space: pre-wrap; }
.context { color: #555; } mark { background: none; font-weight: bold; color: inherit; }
.tags, .note { margin: 0.2em 0; font-size: 0.95em; } .label { font-weight: bold; }
.citation { margin: 0.2em 0; font-size: 0.9em; color: #333; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; } }
"""


def _quote(excerpt: Excerpt, options: ExportOptions) -> str:
    before, after = shown_context(excerpt, options)
    quote = escape(excerpt.quote.strip())
    if not (before or after):
        return f"<blockquote>{quote}</blockquote>"
    parts = [f'<span class="context">{escape(before)}</span>' if before else "",
             f"<mark>{quote}</mark>",
             f'<span class="context">{escape(after)}</span>' if after else ""]
    return f"<blockquote>{''.join(parts)}</blockquote>"


def _excerpt(excerpt: Excerpt, options: ExportOptions) -> list[str]:
    lang = f' lang="{escape(excerpt.lang)}"' if excerpt.lang else ""
    lines = [f'<div class="excerpt" dir="auto"{lang}>', _quote(excerpt, options)]
    if excerpt.tags:
        lines.append(f'<p class="tags"><span class="label">Tags:</span> '
                     f"{escape(tags_text(excerpt))}</p>")
    note = note_shown(excerpt, options)
    if note:
        lines.append(f'<p class="note"><span class="label">Note:</span> {escape(note)}</p>')
    lines.append(f'<p class="citation">— {escape(excerpt.citation)}</p>')
    return lines + ["</div>"]


def render_text(excerpts: list[Excerpt], options: ExportOptions,
                tick: Callable[[], None] = lambda: None) -> str:
    langs = {e.lang for e in excerpts if e.lang}
    page_lang = langs.pop() if len(langs) == 1 else "und"
    lines = ["<!DOCTYPE html>", f'<html lang="{escape(page_lang)}">', "<head>",
             '<meta charset="utf-8">', f"<title>{escape(options.title)}</title>",
             f"<style>{STYLE}</style>", "</head>", "<body>",
             f"<h1>{escape(options.title)}</h1>"]
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
