"""Annotations and tags in the user's store: create, edit, delete, restore, re-anchor.

Every method is one user action in one transaction. Tags are case-insensitively unique,
may be hierarchical with '/', and deleting a tag never deletes an annotation or its note.
The documents' index entries learn their tags and notes from `index_fields`.
"""

from __future__ import annotations

import re
import unicodedata
import uuid as uuid_module
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from archive_app.core.annotations.anchoring import ANCHORED, ORPHANED, Anchor, Placement
from archive_app.core.annotations.regions import Region
from archive_app.core.annotations.store import UserStore, now
from archive_app.core.errors import ArchiveError
from archive_app.core.ingest.documents import normalise_text

WHOLE_DOCUMENT = "[The whole document]"
"""What a whole-document annotation shows and exports for a quote."""

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
    creator: str = ""
    """Who made it, as an imported file named them; '' for the user's own."""
    page: int | None = None
    """For a region annotation, its 0-based page; None for a passage."""
    region: Region | None = None
    """For a region annotation, the rectangle on `page` (see Region); None for a passage.
    A region has no text: it is stored as an empty passage at its page's start."""

    @property
    def anchor(self) -> Anchor:
        return Anchor(self.start, self.end, self.exact, self.prefix, self.suffix)

    @property
    def is_region(self) -> bool:
        return self.region is not None

    @property
    def is_document(self) -> bool:
        """A tag or note on the whole document (W3C: a target with no selector): stored
        as an empty passage at 0."""
        return self.region is None and self.start == self.end == 0 and not self.exact

    @property
    def shown_quote(self) -> str:
        """What a listing shows as its quote: the passage, where a region is, or that
        it is about the whole document."""
        if self.region is not None:
            return f"[A region of page {(self.page or 0) + 1}]"
        return WHOLE_DOCUMENT if self.is_document else self.exact



@dataclass(frozen=True)
class TagInfo:
    name: str
    color: str
    count: int


MAX_TAG_DEPTH = 8
"""Levels a tag may have ('people/witnesses/local' has 3): enough to organise, and bounded
so that the tag tree, the index's tag ancestors and `tag:` search stay small."""
MAX_TAG_LENGTH = 100
"""Characters in a whole tag name, '/' included."""

_TAG_SPACE = re.compile(r"[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]")
_TAG_JUNK = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff"
                       "\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]")
"""Control characters (terminal escapes), bidi overrides, BOM, non-characters and lone
surrogates: nothing a tag needs, and each can disguise a tag or break an export. Zero-width
joiners stay: Persian and emoji spell with them."""


@dataclass(frozen=True)
class TagRow:
    """A tag as it was, with the passages that carried it: (annotation id, position)."""

    id: int
    name: str
    color: str
    links: tuple[tuple[int, int], ...]

    @property
    def annotation_ids(self) -> list[int]:
        return [annotation_id for annotation_id, _ in self.links]


@dataclass(frozen=True)
class TagMove:
    """One tag a rename moved: renamed in place, or merged into an existing tag."""

    before: TagRow
    new_name: str
    merged_into: int | None = None
    """The id of the existing tag it joined; None when it was only renamed."""
    had_target: frozenset[int] = frozenset()
    """Those of its passages that carried the target already (they keep it on undo)."""


@dataclass(frozen=True)
class TagRename:
    """What one rename or merge changed, so that undo can put back exactly that."""

    old: str
    new: str
    moves: tuple[TagMove, ...]

    @property
    def annotation_ids(self) -> list[int]:
        return [i for move in self.moves for i in move.before.annotation_ids]


def _stored_region(text: str) -> Region | None:
    """A region as stored; one damaged by hand reads as none (the annotation is then
    an empty passage at its page's start, still listed, never lost)."""
    if not text:
        return None
    try:
        return Region.parse(text)
    except ValueError:
        return None


def clean_note(note: str) -> str:
    """A note as stored: the one text normalisation (no control characters, no lone
    surrogates, which SQLite cannot store), trimmed. Typed, pasted or imported, every note
    comes through here, so exports and the terminal never see raw escapes."""
    return normalise_text(note).strip()


def clean_tag(name: str) -> str:
    """'  people / witnesses ' -> 'people/witnesses'; raises AnnotationError for an empty,
    too deep or too long name.

    Every path that stores a tag (the dialog, the CLI, renames, imports) comes through
    here, so the limits and the cleaning hold for all of them.
    """
    cleaned = tidy_tag(name)
    parts = cleaned.split("/")
    if not cleaned or "," in cleaned:
        raise AnnotationError(f"'{_preview(name)}' is not a usable tag name (empty, or has "
                              "a comma)")
    if len(parts) > MAX_TAG_DEPTH:
        raise AnnotationError(f"the tag '{_preview(cleaned)}' has {len(parts):,} levels; a "
                              f"tag may have at most {MAX_TAG_DEPTH} (like people/witnesses)")
    if len(cleaned) > MAX_TAG_LENGTH:
        raise AnnotationError(f"a tag may be at most {MAX_TAG_LENGTH} characters long; "
                              f"'{_preview(cleaned)}' has {len(cleaned):,}")
    return cleaned


def _preview(name: str, length: int = 40) -> str:
    """The start of a name for a message: a hostile 40 KB tag is not echoed in full."""
    text = _TAG_JUNK.sub("", _TAG_SPACE.sub(" ", name))
    return text if len(text) <= length else text[:length] + "…"


def tag_ancestors(name: str) -> list[str]:
    """'people/witnesses/local' -> ['people', 'people/witnesses', 'people/witnesses/local'].

    At most MAX_TAG_DEPTH names, the last the tag itself: a tag stored before the depth
    limit (20,000 levels) yields its first levels and itself, not 20,000 ever longer
    names, so its index entry and `tag:` search stay small (as the tag tree does).
    """
    parts = name.split("/", MAX_TAG_DEPTH - 1)
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


@dataclass(frozen=True)
class AnnotationFilter:
    """Which annotations a listing shows: the one rule of `Library.all_annotations` (the
    CLI's `annotations`, the exports by tag) and of the window's Annotations view.

    Every part is optional and all must hold; case is ignored throughout (`casefold`)."""

    tag: str = ""
    """This tag or one below it: 'people' keeps 'people' and 'people/witnesses'."""
    state: str = ""
    """Only this state (anchored, reanchored, orphaned)."""
    attention: bool = False
    """Only those that need the user's review: moved (fuzzy) or not found."""
    text: str = ""
    """Found in the quote, the note, a tag, or the title of the annotation's document."""

    @property
    def narrows(self) -> bool:
        """Whether this filter keeps less than everything."""
        return bool(self.tag or self.state or self.attention or self.text.strip())

    def accepts(self, annotation: Annotation, title: str = "") -> bool:
        """Whether `annotation` is kept; `title` is its document's, as the listing shows
        it (`Library.document_title`)."""
        if self.state and annotation.state != self.state:
            return False
        if self.attention and annotation.state == ANCHORED:
            return False
        tags = [name.casefold() for name in annotation.tags]
        wanted = self.tag.casefold()
        if wanted and not any(t == wanted or t.startswith(wanted + "/") for t in tags):
            return False
        needle = self.text.strip().casefold()
        if not needle:
            return True
        return any(needle in field.casefold()
                   for field in (annotation.exact, annotation.note, title)) \
            or any(needle in t for t in tags)


_SELECT = ("SELECT id, uuid, doc, doc_sha256, start, end, exact, prefix, suffix, note, "
           "color, state, similarity, created, modified, creator, page, region "
           "FROM annotations")


class Annotations:
    """Annotation and tag operations on a UserStore's connection."""

    def __init__(self, store: UserStore):
        self.store = store
        self.db = store.connection

    # -- reading -------------------------------------------------------------------------
    def _load(self, rows: list[tuple]) -> list[Annotation]:
        annotations = [Annotation(*row[:15], creator=row[15], page=row[16],
                                  region=_stored_region(row[17])) for row in rows]
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

    def all(self, state: str | None = None) -> list[Annotation]:
        """Every annotation in document order, or those in one state (which to show is
        `AnnotationFilter`'s rule, applied by `Library.all_annotations`)."""
        if state:
            rows = self.db.execute(f"{_SELECT} WHERE state = ? ORDER BY doc, start", (state,))
        else:
            rows = self.db.execute(f"{_SELECT} ORDER BY doc, start")
        return self._load(rows.fetchall())

    def counts(self) -> dict[str, int]:
        """How many annotations each annotated document has (the Browse view's column)."""
        return dict(self.db.execute("SELECT doc, COUNT(*) FROM annotations GROUP BY doc"))

    def document_hashes(self, docs: list[str] | None = None) -> dict[str, set[str]]:
        """Each annotated document (or each of `docs` that is annotated) with the text
        hashes its annotations were placed in."""
        hashes: dict[str, set[str]] = {}
        if docs is None:
            rows = self.db.execute("SELECT DISTINCT doc, doc_sha256 FROM annotations")
        else:
            rows = [row for start in range(0, len(docs), 500)
                    for row in self.db.execute(
                        "SELECT DISTINCT doc, doc_sha256 FROM annotations WHERE doc IN "
                        f"({', '.join('?' * len(docs[start:start + 500]))})",
                        docs[start:start + 500])]
        for doc, sha in rows:
            hashes.setdefault(doc, set()).add(sha)
        return hashes

    def tag_and_note_fields(self, doc: str, copied: Sequence[Annotation] = ()
                            ) -> dict[str, str]:
        """Tags (with their ancestors) and notes of a document, for its index entry;
        `copied`: the annotations of its exact copies, which belong to its text too."""
        tags: dict[str, None] = {}
        notes = []
        for annotation in [*self.for_document(doc), *copied]:
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
               note: str = "", uuid: str | None = None, created: str = "",
               modified: str = "", creator: str = "", page: int | None = None,
               region: Region | None = None) -> Annotation:
        """One new annotation with its tags (new tag names are created with a colour).

        An import passes the file's `created`, `modified` and `creator`, so a round trip
        keeps them; otherwise both times are now. A region annotation gives its `page`
        and `region` (its anchor is then the empty passage at the page's start)."""
        created = created or now()
        modified = modified or created
        if (page is None) != (region is None):
            raise AnnotationError("a region annotation needs both its page and its region")
        with self.store.transaction():
            cursor = self.db.execute(
                "INSERT INTO annotations(uuid, doc, doc_sha256, start, end, exact, prefix, "
                "suffix, note, created, modified, creator, page, region) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (uuid or str(uuid_module.uuid4()), doc, doc_sha256, anchor.start, anchor.end,
                 anchor.exact, anchor.prefix, anchor.suffix, clean_note(note), created,
                 modified, creator, page, region.stored() if region else ""))
            self._set_tags(cursor.lastrowid, tags)
        return self.get(cursor.lastrowid)

    def update(self, annotation_id: int, tags: list[str] | None = None,
               note: str | None = None, modified: str | None = None,
               as_stored: bool = False) -> Annotation:
        """Change an annotation's tags and/or note. Undo passes `modified` (the old time
        stamp) and `as_stored` (tag names exactly as they were) to restore it as it was."""
        self.get(annotation_id)
        stamp = modified or now()
        with self.store.transaction():
            if note is not None:
                self.db.execute("UPDATE annotations SET note = ?, modified = ? WHERE id = ?",
                                (clean_note(note), stamp, annotation_id))
            if tags is not None:
                self.db.execute("DELETE FROM annotation_tags WHERE annotation_id = ?",
                                (annotation_id,))
                self._set_tags(annotation_id, tags, as_stored)
                self.db.execute("UPDATE annotations SET modified = ? WHERE id = ?",
                                (stamp, annotation_id))
        return self.get(annotation_id)

    def delete(self, annotation_id: int) -> Annotation:
        """Remove an annotation and return what it was, so the action can be undone."""
        snapshot = self.get(annotation_id)
        with self.store.transaction():
            self.db.execute("DELETE FROM annotations WHERE id = ?", (annotation_id,))
        return snapshot

    def restore(self, snapshot: Annotation) -> Annotation:
        """Put back an annotation exactly as it was: undo of a deletion, redo of an addition.

        It keeps its id unless another annotation has taken that id meanwhile (made by
        another window or the CLI): that one is never overwritten, and the restored
        annotation gets a new id (the returned Annotation says which).
        """
        with self.store.transaction():
            holder = self.db.execute("SELECT id FROM annotations WHERE uuid = ?",
                                     (snapshot.uuid,)).fetchone()
            if holder is not None and holder[0] != snapshot.id:
                raise AnnotationError("this annotation exists again (as annotation "
                                      f"{holder[0]}), so it is not put back twice")
            taken = self.db.execute("SELECT uuid FROM annotations WHERE id = ?",
                                    (snapshot.id,)).fetchone()
            if taken is not None and taken[0] == snapshot.uuid:
                self.db.execute("DELETE FROM annotations WHERE id = ?", (snapshot.id,))
            annotation_id = None if taken is not None and taken[0] != snapshot.uuid \
                else snapshot.id
            cursor = self.db.execute(
                "INSERT INTO annotations(id, uuid, doc, doc_sha256, start, end, exact, prefix, "
                "suffix, note, color, state, similarity, created, modified, creator, page, "
                "region) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)",
                (annotation_id, snapshot.uuid, snapshot.doc, snapshot.doc_sha256,
                 snapshot.start, snapshot.end, snapshot.exact, snapshot.prefix,
                 snapshot.suffix, snapshot.note, snapshot.state, snapshot.similarity,
                 snapshot.created, snapshot.modified, snapshot.creator, snapshot.page,
                 snapshot.region.stored() if snapshot.region else ""))
            self._set_tags(cursor.lastrowid, snapshot.tags, as_stored=True)
        return self.get(cursor.lastrowid)

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

    def _set_tags(self, annotation_id: int, tags: list[str], as_stored: bool = False) -> None:
        """Link an annotation to its tags in order; `as_stored` puts back names exactly as
        they were (undo), so a tag stored before today's limits can still be restored."""
        names = tags if as_stored else [clean_tag(tag) for tag in tags]
        for position, name in enumerate(dict.fromkeys(names)):
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

    def _existing_name(self, name: str, group: bool = False) -> str:
        """The stored name a request means: as given (spaces tidied), or cleaned; with
        `group`, also a parent that is not a tag itself ('people' over 'people/victims').

        Names are not held to the limits here, so a tag stored before them can still be
        renamed, recoloured or deleted.
        """
        tidy = "/".join(part for part in (" ".join(p.split()) for p in name.split("/")) if part)
        for candidate in dict.fromkeys((tidy, tidy_tag(name))):
            row = self.db.execute("SELECT name FROM tags WHERE name = ?",
                                  (candidate,)).fetchone()
            if row is not None:
                return row[0]
            if group and candidate and self.db.execute(
                    "SELECT 1 FROM tags WHERE name LIKE ? ESCAPE '\\' LIMIT 1",
                    (_like_escape(candidate) + "/%",)).fetchone():
                return candidate
        raise AnnotationError(f"there is no tag '{_preview(name)}'")

    def _tag_row(self, tag_id: int) -> TagRow:
        tag_name, color = self.db.execute("SELECT name, color FROM tags WHERE id = ?",
                                          (tag_id,)).fetchone()
        links = self.db.execute("SELECT annotation_id, position FROM annotation_tags "
                                "WHERE tag_id = ? ORDER BY annotation_id", (tag_id,))
        return TagRow(tag_id, tag_name, color, tuple(links.fetchall()))

    def tags(self) -> list[TagInfo]:
        rows = self.db.execute(
            "SELECT t.name, t.color, count(at.annotation_id) FROM tags t "
            "LEFT JOIN annotation_tags at ON at.tag_id = t.id GROUP BY t.id ORDER BY t.name "
            "COLLATE NOCASE")
        return [TagInfo(*row) for row in rows]

    def tag_names(self) -> set[str]:
        """Every tag name, case-folded (as the store compares them)."""
        return {row[0].casefold() for row in self.db.execute("SELECT name FROM tags")}

    def remove_unused_tags(self, names: Iterable[str]) -> tuple[TagRow, ...]:
        """Remove these tags where no annotation carries them any more: the undo of an
        action that created them. Returns them as they were, for `put_back_tags`."""
        removed = []
        with self.store.transaction():
            for name in names:
                tag_id = self._tag_id(name)
                if tag_id is not None and not self._tag_row(tag_id).links:
                    removed.append(self._tag_row(tag_id))
                    self.db.execute("DELETE FROM tags WHERE id = ?", (tag_id,))
        return tuple(removed)

    def put_back_tags(self, rows: Iterable[TagRow]) -> None:
        """Recreate removed tags with their ids and colours (a redo of their creation)."""
        with self.store.transaction():
            for row in rows:
                self._put_back_tag(row)

    def docs_of(self, annotation_ids: Iterable[int]) -> list[str]:
        """The documents these annotations are on (those that still exist), sorted."""
        ids = sorted(set(annotation_ids))
        docs: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            docs.update(row[0] for row in self.db.execute(
                f"SELECT DISTINCT doc FROM annotations WHERE id IN "
                f"({','.join('?' * len(chunk))})", chunk))
        return sorted(docs)

    def rename_tag(self, old: str, new: str) -> TagRename:
        """Rename a tag (and its sub-tags); renaming onto an existing tag merges them.

        Returns what was moved, so that `undo_rename` can put exactly that back.
        """
        new = clean_tag(new)
        with self.store.transaction():
            old = self._existing_name(old, group=True)
            rows = self.db.execute(
                "SELECT id, name FROM tags WHERE name = ? OR name LIKE ? ESCAPE '\\' "
                "ORDER BY length(name), id", (old, _like_escape(old) + "/%")).fetchall()
            moves = []
            for tag_id, name in rows:
                moves.append(self._move_tag(tag_id, clean_tag(new + name[len(old):])))
        return TagRename(old, new, tuple(moves))

    def merge_tags(self, source: str, target: str) -> TagRename:
        return self.rename_tag(source, target)

    def _move_tag(self, tag_id: int, new_name: str) -> TagMove:
        before = self._tag_row(tag_id)
        existing = self._tag_id(new_name)
        if existing is None or existing == tag_id:
            self.db.execute("UPDATE tags SET name = ? WHERE id = ?", (new_name, tag_id))
            return TagMove(before, new_name)
        had_target = {row[0] for row in self.db.execute(
            "SELECT annotation_id FROM annotation_tags WHERE tag_id = ?", (existing,))}
        self.db.execute("UPDATE OR IGNORE annotation_tags SET tag_id = ? WHERE tag_id = ?",
                        (existing, tag_id))
        self.db.execute("DELETE FROM tags WHERE id = ?", (tag_id,))
        carried = {annotation_id for annotation_id, _ in before.links}
        return TagMove(before, new_name, existing, frozenset(had_target & carried))

    def undo_rename(self, change: TagRename) -> None:
        """Put back what a rename or merge moved, and nothing else: a tag merged away comes
        back with its colour on the passages that carried it, and the target tag leaves
        only those passages that did not have it before."""
        with self.store.transaction():
            for move in reversed(change.moves):
                if move.merged_into is None:
                    self._rename_back(move)
                else:
                    self._unmerge(move)

    def _rename_back(self, move: TagMove) -> None:
        row = self.db.execute("SELECT name FROM tags WHERE id = ?",
                              (move.before.id,)).fetchone()
        if row is None:
            raise AnnotationError(f"the tag '{_preview(move.new_name)}' is gone, so it cannot "
                                  "be renamed back")
        taken = self._tag_id(move.before.name)
        if taken not in (None, move.before.id):
            raise AnnotationError(f"a tag '{_preview(move.before.name)}' exists again, so "
                                  f"'{_preview(row[0])}' cannot be renamed back to it")
        self.db.execute("UPDATE tags SET name = ? WHERE id = ?",
                        (move.before.name, move.before.id))

    def _unmerge(self, move: TagMove) -> None:
        tag_id = self._put_back_tag(move.before)
        for annotation_id, _position in move.before.links:
            if annotation_id not in move.had_target:
                self.db.execute("DELETE FROM annotation_tags WHERE annotation_id = ? AND "
                                "tag_id = ?", (annotation_id, move.merged_into))
        self._put_back_links(tag_id, move.before.links)

    def _put_back_tag(self, row: TagRow) -> int:
        """Recreate a removed tag with its id and colour; if a tag of that name was made
        meanwhile, that one is used as it is."""
        existing = self._tag_id(row.name)
        if existing is not None:
            return existing
        free = self.db.execute("SELECT 1 FROM tags WHERE id = ?", (row.id,)).fetchone() is None
        return self.db.execute("INSERT INTO tags(id, name, color) VALUES (?, ?, ?)",
                               (row.id if free else None, row.name, row.color)).lastrowid

    def _put_back_links(self, tag_id: int, links: tuple[tuple[int, int], ...]) -> None:
        """Link the passages that still exist to the tag again, each in its old place."""
        for annotation_id, position in links:
            self.db.execute("INSERT OR IGNORE INTO annotation_tags(annotation_id, tag_id, "
                            "position) SELECT id, ?, ? FROM annotations WHERE id = ?",
                            (tag_id, position, annotation_id))

    def set_tag_color(self, name: str, color: str) -> str:
        """Give a tag a new colour; returns the colour it had (for undo)."""
        if not color.startswith("#") or len(color) not in (4, 7):
            raise AnnotationError(f"'{color}' is not a colour like #f6c945")
        with self.store.transaction():
            name = self._existing_name(name)
            before = self.db.execute("SELECT color FROM tags WHERE name = ?",
                                     (name,)).fetchone()[0]
            self.db.execute("UPDATE tags SET color = ? WHERE name = ?", (color, name))
        return before

    def delete_tag(self, name: str) -> TagRow:
        """Remove a tag from every annotation; the annotations and notes stay.

        Returns the tag as it was, with its passages, for `undo_delete_tag`.
        """
        with self.store.transaction():
            row = self._tag_row(self._tag_id(self._existing_name(name)))
            self.db.execute("DELETE FROM tags WHERE id = ?", (row.id,))
        return row

    def undo_delete_tag(self, row: TagRow) -> None:
        """The deleted tag again, on the passages that carried it and still exist."""
        with self.store.transaction():
            self._put_back_links(self._put_back_tag(row), row.links)


def tidy_tag(name: str) -> str:
    """A name cleaned as `clean_tag` cleans it, without its checks (lookups, messages)."""
    text = unicodedata.normalize("NFC", _TAG_JUNK.sub("", _TAG_SPACE.sub(" ", name)))
    return "/".join(part for part in (" ".join(p.split()) for p in text.split("/")) if part)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
