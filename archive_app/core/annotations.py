"""Annotations and tags in the user's store: create, edit, delete, restore, re-anchor.

Every method is one user action in one transaction. Tags are case-insensitively unique,
may be hierarchical with '/', and deleting a tag never deletes an annotation or its note.
The documents' index entries learn their tags and notes from `index_fields`.
"""

from __future__ import annotations

import uuid as uuid_module
from dataclasses import dataclass, field

from archive_app.core.anchoring import ORPHANED, Anchor, Placement
from archive_app.core.errors import ArchiveError
from archive_app.core.store import UserStore, now

PALETTE = ["#f6c945", "#7cc6f2", "#9be08f", "#f2a0c4", "#c3a6f2", "#f5a65b", "#6fd6c3",
           "#e88f8f", "#b9c96a", "#a0b4f0"]
"""Light colours a highlight stays readable on, assigned to new tags in turn."""


class AnnotationError(ArchiveError):
    """A user request about annotations that cannot be met (unknown id, empty tag...)."""


@dataclass
class Annotation:
    id: int
    uuid: str
    doc: str
    doc_sha256: str
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str
    note: str
    color: str
    state: str
    similarity: float
    created: str
    modified: str
    tags: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> Anchor:
        return Anchor(self.start, self.end, self.exact, self.prefix, self.suffix)


@dataclass(frozen=True)
class TagInfo:
    name: str
    color: str
    count: int


def clean_tag(name: str) -> str:
    """'  people / witnesses ' -> 'people/witnesses'; raises for an empty name."""
    parts = [" ".join(part.split()) for part in name.split("/")]
    cleaned = "/".join(part for part in parts if part)
    if not cleaned or "," in cleaned:
        raise AnnotationError(f"'{name}' is not a usable tag name (empty, or has a comma)")
    return cleaned


def tag_ancestors(name: str) -> list[str]:
    """'people/witnesses/local' -> ['people', 'people/witnesses', 'people/witnesses/local']."""
    parts = name.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


_SELECT = ("SELECT id, uuid, doc, doc_sha256, start, end, exact, prefix, suffix, note, "
           "color, state, similarity, created, modified FROM annotations")


class Annotations:
    """Annotation and tag operations on a UserStore's connection."""

    def __init__(self, store: UserStore):
        self.store = store
        self.db = store.connection

    # -- reading -------------------------------------------------------------------------
    def _load(self, rows: list[tuple]) -> list[Annotation]:
        annotations = [Annotation(*row[:11], row[11], row[12], row[13], row[14])
                       for row in rows]
        if not annotations:
            return []
        by_id = {a.id: a for a in annotations}
        marks = ",".join("?" * len(by_id))
        for annotation_id, name, color in self.db.execute(
                f"SELECT at.annotation_id, t.name, t.color FROM annotation_tags at "
                f"JOIN tags t ON t.id = at.tag_id WHERE at.annotation_id IN ({marks}) "
                f"ORDER BY at.position, t.name", list(by_id)):
            annotation = by_id[annotation_id]
            annotation.tags.append(name)
            if not annotation.color:
                annotation.color = color
        for annotation in annotations:
            annotation.color = annotation.color or PALETTE[0]
        return annotations

    def get(self, annotation_id: int) -> Annotation:
        found = self._load(self.db.execute(f"{_SELECT} WHERE id = ?",
                                           (annotation_id,)).fetchall())
        if not found:
            raise AnnotationError(f"there is no annotation {annotation_id}")
        return found[0]

    def for_document(self, doc: str) -> list[Annotation]:
        return self._load(self.db.execute(f"{_SELECT} WHERE doc = ? ORDER BY start",
                                          (doc,)).fetchall())

    def all(self, tag: str | None = None, state: str | None = None) -> list[Annotation]:
        """Every annotation, optionally those with a tag (or a sub-tag of it) or a state."""
        query, params = _SELECT, []
        conditions = []
        if tag:
            conditions.append(
                "id IN (SELECT at.annotation_id FROM annotation_tags at JOIN tags t "
                "ON t.id = at.tag_id WHERE t.name = ? COLLATE NOCASE "
                "OR t.name LIKE ? ESCAPE '\\')")
            params += [tag, _like_escape(tag) + "/%"]
        if state:
            conditions.append("state = ?")
            params.append(state)
        if conditions:
            query += " WHERE " + " AND ".join(conditions)
        return self._load(self.db.execute(query + " ORDER BY doc, start", params).fetchall())

    def document_hashes(self) -> dict[str, set[str]]:
        """Each annotated document with the text hashes its annotations were placed in."""
        hashes: dict[str, set[str]] = {}
        for doc, sha in self.db.execute("SELECT DISTINCT doc, doc_sha256 FROM annotations"):
            hashes.setdefault(doc, set()).add(sha)
        return hashes

    def index_fields(self, doc: str) -> dict[str, str]:
        """Tags (with their ancestors) and notes of a document, for its index entry."""
        tags: dict[str, None] = {}
        notes = []
        for annotation in self.for_document(doc):
            for name in annotation.tags:
                tags.update(dict.fromkeys(tag_ancestors(name)))
            if annotation.note:
                notes.append(annotation.note)
        fields = {}
        if tags:
            fields["tags"] = ",".join(name.lower() for name in tags)
        if notes:
            fields["notes"] = "\n".join(notes)
        return fields

    # -- writing -------------------------------------------------------------------------
    def create(self, doc: str, doc_sha256: str, anchor: Anchor, tags: list[str],
               note: str = "", uuid: str | None = None) -> Annotation:
        """One new annotation with its tags (new tag names are created with a colour)."""
        stamp = now()
        with self.store.transaction():
            cursor = self.db.execute(
                "INSERT INTO annotations(uuid, doc, doc_sha256, start, end, exact, prefix, "
                "suffix, note, created, modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (uuid or str(uuid_module.uuid4()), doc, doc_sha256, anchor.start, anchor.end,
                 anchor.exact, anchor.prefix, anchor.suffix, note.strip(), stamp, stamp))
            self._set_tags(cursor.lastrowid, tags)
        return self.get(cursor.lastrowid)

    def update(self, annotation_id: int, tags: list[str] | None = None,
               note: str | None = None) -> Annotation:
        self.get(annotation_id)
        with self.store.transaction():
            if note is not None:
                self.db.execute("UPDATE annotations SET note = ?, modified = ? WHERE id = ?",
                                (note.strip(), now(), annotation_id))
            if tags is not None:
                self.db.execute("DELETE FROM annotation_tags WHERE annotation_id = ?",
                                (annotation_id,))
                self._set_tags(annotation_id, tags)
                self.db.execute("UPDATE annotations SET modified = ? WHERE id = ?",
                                (now(), annotation_id))
        return self.get(annotation_id)

    def delete(self, annotation_id: int) -> Annotation:
        """Remove an annotation and return what it was, so the action can be undone."""
        snapshot = self.get(annotation_id)
        with self.store.transaction():
            self.db.execute("DELETE FROM annotations WHERE id = ?", (annotation_id,))
        return snapshot

    def restore(self, snapshot: Annotation) -> Annotation:
        """Put back an annotation exactly as it was (same id and uuid): undo of a change."""
        with self.store.transaction():
            self.db.execute("DELETE FROM annotations WHERE id = ?", (snapshot.id,))
            self.db.execute(
                "INSERT INTO annotations(id, uuid, doc, doc_sha256, start, end, exact, prefix, "
                "suffix, note, color, state, similarity, created, modified) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)",
                (snapshot.id, snapshot.uuid, snapshot.doc, snapshot.doc_sha256,
                 snapshot.start, snapshot.end, snapshot.exact, snapshot.prefix,
                 snapshot.suffix, snapshot.note, snapshot.state, snapshot.similarity,
                 snapshot.created, snapshot.modified))
            self._set_tags(snapshot.id, snapshot.tags)
        return self.get(snapshot.id)

    def place(self, annotation_id: int, placement: Placement, text: str,
              doc_sha256: str) -> None:
        """Record where re-anchoring put an annotation in the document's new text."""
        with self.store.transaction():
            if placement.state != ORPHANED:
                start, end = placement.start, placement.end
                self.db.execute(
                    "UPDATE annotations SET start = ?, end = ?, exact = ?, prefix = ?, "
                    "suffix = ?, doc_sha256 = ?, state = ?, similarity = ? WHERE id = ?",
                    (start, end, text[start:end], text[max(0, start - 32):start],
                     text[end:end + 32], doc_sha256, placement.state, placement.similarity,
                     annotation_id))
            else:
                # remember which text it was sought in: retried only when that changes
                self.db.execute("UPDATE annotations SET state = 'orphaned', similarity = ?, "
                                "doc_sha256 = ? WHERE id = ?",
                                (placement.similarity, doc_sha256, annotation_id))

    def mark_orphaned(self, doc: str) -> int:
        """The document is gone: its annotations stay, flagged, until the user decides.

        The text they knew is forgotten, so if the file comes back they are sought again.
        """
        with self.store.transaction():
            return self.db.execute("UPDATE annotations SET state = 'orphaned', "
                                   "doc_sha256 = '' WHERE doc = ?", (doc,)).rowcount

    def _set_tags(self, annotation_id: int, tags: list[str]) -> None:
        names = list(dict.fromkeys(clean_tag(tag) for tag in tags))
        for position, name in enumerate(names):
            tag_id = self._tag_id(name, create=True)
            self.db.execute("INSERT OR IGNORE INTO annotation_tags(annotation_id, tag_id, "
                            "position) VALUES (?, ?, ?)", (annotation_id, tag_id, position))

    # -- tags ----------------------------------------------------------------------------
    def _tag_id(self, name: str, create: bool = False) -> int | None:
        row = self.db.execute("SELECT id FROM tags WHERE name = ?", (name,)).fetchone()
        if row or not create:
            return row[0] if row else None
        count = self.db.execute("SELECT count(*) FROM tags").fetchone()[0]
        return self.db.execute("INSERT INTO tags(name, color) VALUES (?, ?)",
                               (name, PALETTE[count % len(PALETTE)])).lastrowid

    def tags(self) -> list[TagInfo]:
        rows = self.db.execute(
            "SELECT t.name, t.color, count(at.annotation_id) FROM tags t "
            "LEFT JOIN annotation_tags at ON at.tag_id = t.id GROUP BY t.id ORDER BY t.name "
            "COLLATE NOCASE")
        return [TagInfo(*row) for row in rows]

    def rename_tag(self, old: str, new: str) -> None:
        """Rename a tag (and its sub-tags); renaming onto an existing tag merges them."""
        old, new = clean_tag(old), clean_tag(new)
        with self.store.transaction():
            rows = self.db.execute(
                "SELECT id, name FROM tags WHERE name = ? OR name LIKE ? ESCAPE '\\'",
                (old, _like_escape(old) + "/%")).fetchall()
            if not rows:
                raise AnnotationError(f"there is no tag '{old}'")
            for tag_id, name in rows:
                self._move_tag(tag_id, new + name[len(old):])

    def merge_tags(self, source: str, target: str) -> None:
        self.rename_tag(source, target)

    def _move_tag(self, tag_id: int, new_name: str) -> None:
        existing = self._tag_id(new_name)
        if existing is None or existing == tag_id:
            self.db.execute("UPDATE tags SET name = ? WHERE id = ?", (new_name, tag_id))
            return
        self.db.execute("UPDATE OR IGNORE annotation_tags SET tag_id = ? WHERE tag_id = ?",
                        (existing, tag_id))
        self.db.execute("DELETE FROM tags WHERE id = ?", (tag_id,))

    def set_tag_color(self, name: str, color: str) -> None:
        if not color.startswith("#") or len(color) not in (4, 7):
            raise AnnotationError(f"'{color}' is not a colour like #f6c945")
        with self.store.transaction():
            if not self.db.execute("UPDATE tags SET color = ? WHERE name = ?",
                                   (color, clean_tag(name))).rowcount:
                raise AnnotationError(f"there is no tag '{name}'")

    def delete_tag(self, name: str) -> list[int]:
        """Remove a tag from every annotation; the annotations and notes stay."""
        name = clean_tag(name)
        with self.store.transaction():
            tag_id = self._tag_id(name)
            if tag_id is None:
                raise AnnotationError(f"there is no tag '{name}'")
            affected = [row[0] for row in self.db.execute(
                "SELECT annotation_id FROM annotation_tags WHERE tag_id = ?", (tag_id,))]
            self.db.execute("DELETE FROM tags WHERE id = ?", (tag_id,))
        return affected


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

