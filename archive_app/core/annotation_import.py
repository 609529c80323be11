"""Import W3C Web Annotations (our JSON export, or Hypothesis-style) back into the store.

Each annotation is placed by its selectors, not trusted blindly: the document is found by
its source (a file URI or an archive key) when this archive has it, otherwise by searching
for the quoted words; the quote and its context then anchor it (anchoring.reanchor), so an
import into another home, or after the text changed, lands on the right passage or is
reported as not found. An annotation whose id was imported before is not duplicated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from archive_app.core.anchoring import ORPHANED, Anchor, reanchor
from archive_app.core.annotations import AnnotationError
from archive_app.core.errors import ArchiveError, QueryError
from archive_app.core.library import Library

SEARCH_CANDIDATES = 20


@dataclass
class ImportReport:
    created: int = 0
    duplicates: int = 0
    not_found: list[str] = field(default_factory=list)

    def describe(self) -> str:
        lines = [f"imported {self.created} annotations; {self.duplicates} already present; "
                 f"{len(self.not_found)} not placed"]
        lines += [f"  not placed: {reason}" for reason in self.not_found]
        return "\n".join(lines)


def read_annotations(data: object) -> list[dict]:
    """The annotations of a collection, a page, a list, or a single annotation."""
    if isinstance(data, list):
        return [item for item in data if isinstance(item, dict)]
    if not isinstance(data, dict):
        return []
    if data.get("type") == "AnnotationCollection":
        page = data.get("first") or {}
        return read_annotations(page.get("items", []) if isinstance(page, dict) else page)
    if data.get("type") == "AnnotationPage" or "items" in data:
        return read_annotations(data.get("items", []))
    if "rows" in data:  # the Hypothesis API's search result
        return read_annotations(data["rows"])
    return [data]


def _selectors(annotation: dict) -> tuple[dict, dict, str]:
    targets = annotation.get("target")
    target = targets[0] if isinstance(targets, list) and targets else targets
    if isinstance(target, str):
        return {}, {}, target
    target = target or {}
    selectors = target.get("selector") or []
    if isinstance(selectors, dict):
        selectors = [selectors]
    by_type = {s.get("type"): s for s in selectors if isinstance(s, dict)}
    source = target.get("source") or annotation.get("uri") or ""
    return (by_type.get("TextQuoteSelector", {}), by_type.get("TextPositionSelector", {}),
            source)


def _bodies(annotation: dict) -> tuple[list[str], str]:
    bodies = annotation.get("body") or []
    if isinstance(bodies, dict):
        bodies = [bodies]
    tags = [b.get("value", "") for b in bodies
            if isinstance(b, dict) and b.get("purpose") == "tagging"]
    notes = [b.get("value", "") for b in bodies
             if isinstance(b, dict) and b.get("purpose") != "tagging"]
    tags += [t for t in annotation.get("tags", []) if isinstance(t, str)]  # Hypothesis
    if isinstance(annotation.get("text"), str):
        notes.append(annotation["text"])
    return [t for t in tags if t.strip()], "\n\n".join(n for n in notes if n.strip())


def _document_for_source(library: Library, source: str) -> str | None:
    if source.startswith("urn:archive-app:"):
        key = unquote(source[len("urn:archive-app:"):])
        return key if library.index.catalog.record(key) else None
    if source.startswith("file:"):
        return library.index.catalog.key_for_path(str(Path(unquote(urlparse(source).path))))
    return None


def _candidates(library: Library, source: str, exact: str) -> list[str]:
    key = _document_for_source(library, source)
    if key:
        return [key]
    words = " ".join(exact.replace('"', " ").split())
    if not words:
        return []
    try:
        results = library.search(f'"{words}"', limit=SEARCH_CANDIDATES)
    except QueryError:
        return []
    return [hit.key for hit in results.hits]


def import_annotations(library: Library, data: object) -> ImportReport:
    """Create the annotations of a W3C JSON document in this archive; see the module doc."""
    report = ImportReport()
    known = {a.uuid for a in library.all_annotations()}
    for item in read_annotations(data):
        identity = str(item.get("id", "")).removeprefix("urn:uuid:")
        if identity and identity in known:
            report.duplicates += 1
            continue
        quote, position, source = _selectors(item)
        exact = quote.get("exact", "")
        tags, note = _bodies(item)
        if not exact or not (tags or note):
            report.not_found.append(f"{identity or '?'}: no quote, or nothing to record")
            continue
        start = int(position.get("start", 0) or 0)
        anchor = Anchor(start, start + len(exact), exact, quote.get("prefix", ""),
                        quote.get("suffix", ""))
        if not _place(library, anchor, source, tags, note, identity, known):
            report.not_found.append(f"{identity or '?'}: {exact[:60]!r} is not in this archive")
            continue
        report.created += 1
    return report


def _place(library: Library, anchor: Anchor, source: str, tags: list[str], note: str,
           identity: str, known: set[str]) -> bool:
    for key in _candidates(library, source, anchor.exact):
        view = library.document(key)
        if view is None:
            continue
        placement = reanchor(anchor, view.text)
        if placement.state == ORPHANED:
            continue
        try:
            created = library.annotate(key, placement.start, placement.end, tags, note,
                                       uuid=identity or None)
        except AnnotationError:
            return False
        known.add(created.uuid)
        return True
    return False


def import_file(library: Library, path: Path) -> ImportReport:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ArchiveError(f"cannot read {path}: {error}") from error
    return import_annotations(library, data)
