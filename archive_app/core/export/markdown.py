"""Markdown: a heading per group, each excerpt a blockquote with tags, note and citation."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from archive_app.core.export.common import note_shown, shown_context, tags_text
from archive_app.core.export.grouping import group_excerpts
from archive_app.core.export.model import Excerpt, ExportOptions

LABEL, SUFFIX, BINARY, NEEDS_TEXTS = "Markdown", ".md", False, False

_INLINE = re.compile(r"([\\`*_\[\]<>])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
"""An '&' that CommonMark would read as the start of an entity ('&amp;', '&#38;')."""
_LINE_START = re.compile(r"^(\s*)([#>+\-=|]|\d+[.)])")


def escape(text: str, line_start: bool = True) -> str:
    """Backslash-escape what Markdown would read as formatting, raw HTML or an entity."""
    lines = [_ENTITY.sub(r"\\&", _INLINE.sub(r"\\\1", line)) for line in text.split("\n")]
    if line_start:
        lines = [_LINE_START.sub(r"\1\\\2", line) for line in lines]
    return "\n".join(lines)


def blockquote(excerpt: Excerpt, options: ExportOptions) -> list[str]:
    """The quote as '> ' lines; with context: '…before **quote** after…'."""
    before, after = shown_context(excerpt, options)
    lines = [escape(line.strip()) for line in excerpt.quote.strip().split("\n")]
    if before or after:
        lines = [f"**{line}**" if line else line for line in lines]
        lines[0] = escape(before, line_start=True) + lines[0]
        lines[-1] += escape(after, line_start=False)
    return [f"> {line}".rstrip() for line in lines]


def excerpt_lines(excerpt: Excerpt, options: ExportOptions) -> list[str]:
    lines = blockquote(excerpt, options) + [""]
    if excerpt.tags:
        lines.append(f"Tags: {escape(tags_text(excerpt), False)}  ")
    note = note_shown(excerpt, options)
    if note:
        lines += note_lines(note)
    lines.append(f"— {escape(excerpt.citation, False)}")
    return lines + [""]


def note_lines(note: str) -> list[str]:
    """'Note: …' with the note's own line breaks kept as hard line breaks (two trailing
    spaces); a blank line in the note stays a paragraph break."""
    rows = [" ".join(row.split()) for row in note.split("\n")]
    found = []
    for number, row in enumerate(rows):
        text = escape(row, line_start=number > 0)
        found.append(f"Note: {text}  " if number == 0 else (f"{text}  " if text else ""))
    return found


def render_text(excerpts: list[Excerpt], options: ExportOptions,
                tick: Callable[[], None] = lambda: None) -> str:
    lines = [f"# {escape(options.title)}", ""]
    for label, items in group_excerpts(excerpts, options.grouping):
        if label:
            lines += [f"## {escape(label)}", ""]
        for excerpt in items:
            tick()
            lines += excerpt_lines(excerpt, options)
    return "\n".join(lines).rstrip("\n") + "\n"


def render(excerpts: list[Excerpt], options: ExportOptions, texts: Mapping[str, str],
           tick: Callable[[], None]) -> bytes:
    return render_text(excerpts, options, tick).encode("utf-8")
