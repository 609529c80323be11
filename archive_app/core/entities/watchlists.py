"""Watch-lists: named lists of entities (people, units, companies), each with aliases in
any script, so "Nouri al-Maliki", "Maliki" and "مالکی" count as one person.

They are the user's own work, kept in the annotation store (store migration 6) with its
backups and transactions. A list comes in and goes out as CSV, one entity a line:
`name,alias,alias,…` (the first cell is the entity's name, which is also matched). Every
cell is cleaned at the door (documents.normalise_field); a name may not hold a comma,
because the index keeps a document's entities comma-separated.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from archive_app.core.annotations.store import UserStore, now
from archive_app.core.atomic_files import write_atomically
from archive_app.core.errors import ArchiveError
from archive_app.core.ingest.documents import normalise_field

MAX_ENTITIES = 100_000
"""Entities in one list: an import past this is refused with a message."""
MAX_ALIASES = 200
MAX_NAME_CHARS = 200
MAX_FILE_BYTES = 32 * 1024 * 1024
COLOR = re.compile(r"#[0-9a-fA-F]{6}")
LIST_COLORS = ["#b5179e", "#3a86ff", "#fb5607", "#2a9d8f", "#8338ec", "#e63946"]
"""Colours lists are given in turn: strong, so an underline shows on any tag colour."""


class WatchListError(ArchiveError):
    """A watch-list that cannot be made as asked (bad file, empty name, too large)."""


@dataclass(frozen=True)
class Entity:
    name: str
    aliases: tuple[str, ...] = ()

    @property
    def forms(self) -> tuple[str, ...]:
        """Every written form matched: the name and its aliases."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class WatchList:
    name: str
    color: str
    entities: tuple[Entity, ...] = field(default_factory=tuple)


def clean_name(text: str, what: str = "a name") -> str:
    """A list's or an entity's name as kept: one line, no control characters, no comma."""
    cleaned = " ".join(normalise_field(text).replace(",", " ").split())
    if cleaned.startswith("'") and cleaned[1:2] in _FORMULA_START:
        cleaned = cleaned[1:]  # an exported formula-safe cell read back
    if not cleaned:
        raise WatchListError(f"{what} is empty")
    if len(cleaned) > MAX_NAME_CHARS:
        raise WatchListError(f"{what} is longer than {MAX_NAME_CHARS} characters: "
                             f"'{cleaned[:40]}…'")
    return cleaned


def entities_from_csv(text: str) -> tuple[list[Entity], list[str]]:
    """The entities of a CSV watch-list, and a message for each line left out."""
    entities: dict[str, Entity] = {}
    problems: list[str] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), 1):
        cells = [cell for cell in row if cell.strip()]
        if not cells or cells[0].lstrip().startswith("#"):
            continue
        try:
            name = clean_name(cells[0], f"line {number}'s name")
            aliases = []
            for cell in cells[1:MAX_ALIASES + 1]:
                alias = clean_name(cell, f"an alias on line {number}")
                if alias.casefold() != name.casefold() and alias not in aliases:
                    aliases.append(alias)
        except WatchListError as problem:
            problems.append(str(problem))
            continue
        if len(cells) > MAX_ALIASES + 1:
            problems.append(f"line {number}: only the first {MAX_ALIASES} aliases kept")
        key = name.casefold()
        if key in entities:  # the same entity twice: its aliases are merged
            known = entities[key]
            aliases = [*known.aliases, *(a for a in aliases if a not in known.aliases)]
            name = known.name
        entities[key] = Entity(name, tuple(aliases))
        if len(entities) > MAX_ENTITIES:
            raise WatchListError(f"the list has more than {MAX_ENTITIES:,} entities")
    return list(entities.values()), problems


def read_csv_file(path: Path) -> tuple[list[Entity], list[str]]:
    """A CSV file's entities (UTF-8, a BOM allowed); WatchListError when unreadable."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise WatchListError(f"{path} is larger than {MAX_FILE_BYTES >> 20} MB")
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise WatchListError(f"{path} is not UTF-8 text") from None
    except OSError as error:
        raise WatchListError(f"cannot read {path}: {error.strerror or error}") from None
    return entities_from_csv(text)


def changed_entities(before: tuple[Entity, ...], after: tuple[Entity, ...]) -> list[Entity]:
    """The entities an edit adds, removes or changes (their old and new forms): only
    the documents these can name need their fields again."""
    old, new = set(before), set(after)
    return sorted(old ^ new, key=lambda entity: entity.name)


def batched(items: list, size: int) -> list[list]:
    return [items[start:start + size] for start in range(0, len(items), size)]


def write_csv_file(path: Path, entities: tuple[Entity, ...], overwrite: bool = False) -> None:
    """The list as CSV, written atomically (a temporary file beside it, then a rename);
    an existing file is replaced only with `overwrite`."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise WatchListError(f"{path} is a folder; give a file name to export to")
    if path.exists() and not overwrite:
        raise WatchListError(f"{path} already exists; choose another name or --force")
    if not folder.is_dir():
        raise WatchListError(f"the folder {folder} does not exist")
    write_atomically(path, entities_to_csv(entities))


def entities_to_csv(entities: list[Entity] | tuple[Entity, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for entity in entities:
        writer.writerow([_formula_safe(form) for form in entity.forms])
    return buffer.getvalue()


_FORMULA_START = ("=", "+", "-", "@")


def _formula_safe(cell: str) -> str:
    """A cell a spreadsheet shows as text and never runs ('=HYPERLINK(…)' -> "'=…");
    `clean_name` takes the quote off again on import."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


class WatchListStore:
    """Watch-lists in the user's store: one transaction per change."""

    def __init__(self, store: UserStore):
        self.store = store
        self.db = store.connection

    def all(self) -> list[WatchList]:
        lists = []
        for list_id, name, color in self.db.execute(
                "SELECT id, name, color FROM watchlists ORDER BY name COLLATE NOCASE"):
            entities = tuple(
                Entity(entity, tuple(json.loads(aliases)))
                for entity, aliases in self.db.execute(
                    "SELECT name, aliases FROM watch_entities WHERE list_id = ? "
                    "ORDER BY position", (list_id,)))
            lists.append(WatchList(name, color, entities))
        return lists

    def get(self, name: str) -> WatchList:
        for found in self.all():
            if found.name.casefold() == name.strip().casefold():
                return found
        raise WatchListError(f"there is no watch-list '{name[:60]}'")

    def save(self, name: str, entities: list[Entity], color: str = "") -> WatchList:
        """Create the list, or replace the entities of the list of that name."""
        name = clean_name(name, "the list's name")
        if color and not COLOR.fullmatch(color):
            raise WatchListError(f"'{color[:20]}' is not a colour like #b5179e")
        with self.store.transaction():
            row = self.db.execute("SELECT id, color FROM watchlists WHERE name = ?",
                                  (name,)).fetchone()
            if row is None:
                count = self.db.execute("SELECT COUNT(*) FROM watchlists").fetchone()[0]
                color = color or LIST_COLORS[count % len(LIST_COLORS)]
                list_id = self.db.execute(
                    "INSERT INTO watchlists(name, color, modified) VALUES (?, ?, ?)",
                    (name, color, now())).lastrowid
            else:
                list_id, color = row[0], color or row[1]
                self.db.execute("UPDATE watchlists SET color = ?, modified = ? WHERE id = ?",
                                (color, now(), list_id))
                self.db.execute("DELETE FROM watch_entities WHERE list_id = ?", (list_id,))
            self.db.executemany(
                "INSERT INTO watch_entities(list_id, position, name, aliases) "
                "VALUES (?, ?, ?, ?)",
                [(list_id, position, entity.name,
                  json.dumps(list(entity.aliases), ensure_ascii=False))
                 for position, entity in enumerate(entities)])
        return self.get(name)

    def delete(self, name: str) -> WatchList:
        found = self.get(name)
        with self.store.transaction():
            self.db.execute("DELETE FROM watchlists WHERE name = ?", (found.name,))
        return found
