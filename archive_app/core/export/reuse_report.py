"""The reuse report as CSV or HTML: clusters of documents sharing a passage, each
document with its date, the earliest first (the likely source).

CSV: one row per (cluster, document), formula-like cells neutralised (csv_format). HTML:
one self-contained page, every value escaped, no script, nothing loaded from outside.
Both are written atomically (atomic_files.py).
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable
from pathlib import Path

from archive_app.core.atomic_files import write_atomically
from archive_app.core.connections.finder import ReuseReport
from archive_app.core.errors import ArchiveError
from archive_app.core.export.csv_format import neutralise

CSV_HEADER = ["cluster", "documents", "order", "doc", "title", "date", "start", "end",
              "passage"]


def reuse_csv(report: ReuseReport, title: Callable[[str], str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for number, cluster in enumerate(report.clusters, 1):
        for order, place in enumerate(cluster.places, 1):
            writer.writerow([number, len(cluster.places), order, neutralise(place.doc),
                             neutralise(title(place.doc)),
                             neutralise(cluster.dates.get(place.doc, "")), place.start,
                             place.end,
                             neutralise(" ".join(cluster.passage.split()))])
    return buffer.getvalue()


def reuse_html(report: ReuseReport, title: Callable[[str], str]) -> str:
    escape = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             "<title>Reused passages</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;}"
             "blockquote{border-left:3px solid #888;margin:0.5em 0;padding-left:1em;}"
             "table{border-collapse:collapse;}td,th{padding:2px 8px;text-align:left;}"
             "tr.first td{font-weight:bold;}</style></head><body>",
             f"<h1>Reused passages ({len(report.clusters)})</h1>",
             f"<p>Passages of at least {report.min_words} words that several documents "
             "share; each list starts with the earliest dated document.</p>"]
    if not report.complete:
        parts.append("<p><strong>Incomplete:</strong> the report stopped at its bound of "
                     "text pairs.</p>")
    for number, cluster in enumerate(report.clusters, 1):
        parts.append(f"<h2>{number}. {len(cluster.places)} documents</h2>")
        parts.append(f'<blockquote dir="auto">{escape(" ".join(cluster.passage.split()))}'
                     "</blockquote>")
        parts.append("<table><tr><th>Date</th><th>Document</th><th>Title</th>"
                     "<th>Characters</th></tr>")
        for order, place in enumerate(cluster.places):
            row_class = ' class="first"' if order == 0 else ""
            parts.append(f"<tr{row_class}><td>{escape(cluster.dates.get(place.doc) or '—')}"
                         f"</td><td>{escape(place.doc)}</td>"
                         f'<td dir="auto">{escape(title(place.doc))}</td>'
                         f"<td>{place.start}–{place.end}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_reuse_report(report: ReuseReport, path: Path, kind: str,
                       title: Callable[[str], str]) -> None:
    """Write the report as `kind` ('csv' or 'html') to `path`, atomically."""
    content = reuse_csv(report, title) if kind == "csv" else reuse_html(report, title)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir() or not folder.is_dir():
        raise ArchiveError(f"cannot write the report to {path}: give a file in an existing "
                           "folder")
    try:
        write_atomically(path, content)
    except OSError as error:
        raise ArchiveError(f"cannot write {path}: {error.strerror or error}") from error
