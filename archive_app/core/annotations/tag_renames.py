"""The tags the user renamed or merged, so a query naming an old tag can say so.

A search for `tag:witnesses` after `witnesses` became `eyewitnesses` would otherwise just
find nothing. The history is a small JSON list in the home (HOME/tag-renames.json,
newest last): not precious (losing it loses only the notices) and kept outside the
annotation database, so no schema change; the command line, a separate process, sees
what the window renamed. A home that cannot be written keeps it for the session only.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archive_app.core.errors import QueryError
from archive_app.core.search import query as q

KEEP_RENAMES = 200


@dataclass(frozen=True)
class TagRename:
    old: str
    new: str
    merged: bool = False


@dataclass(frozen=True)
class RenamedTag:
    """A tag a query names that is now called something else."""

    typed: str
    """The name as the query has it."""
    current: str
    merged: bool

    def notice(self) -> str:
        verb = "was merged into" if self.merged else "was renamed to"
        return f"tag '{self.typed}' {verb} '{self.current}'"


class TagRenames:
    """The rename history of one home; `resolve` follows a name through it."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._renames = _load(path)

    def record(self, old: str, new: str, merged: bool = False) -> None:
        """Remember a rename (of a tag and the tags below it) or a merge."""
        with self._lock:
            self._renames.append(TagRename(_name(old), _clean(new), merged))
            del self._renames[:-KEEP_RENAMES]
            _save(self.path, self._renames)

    def resolve(self, name: str) -> tuple[str, bool] | None:
        """The current name of a tag once called `name` (full path or last levels), and
        whether a merge was on the way; None if no rename touched it."""
        current, merged, changed = _clean(name), False, False
        with self._lock:
            renames = list(self._renames)
        for rename in renames:
            folded = current.lower()
            if folded == rename.old or folded.startswith(rename.old + "/"):
                current = rename.new + current[len(rename.old):]
            elif rename.old.endswith("/" + folded):  # a leaf name, as `tag:` allows
                current = rename.new
            else:
                continue
            merged, changed = merged or rename.merged, True
        return (current, merged) if changed and _name(current) != _name(name) else None

    def renamed_in(self, query: str, live: Callable[[], set[str]]) -> list[RenamedTag]:
        """The tags a query names that no tag is called now but a rename changed.

        `live()` gives every current tag name with its ancestors, lower case (asked only
        when the query names a tag); a name is still in use when one of them equals it
        or ends with '/' + it.
        """
        if not self._renames or "tag" not in query.lower():
            return []
        try:
            names = _tag_words(q.parse_query(query))
        except QueryError:  # the search itself reports a bad query
            return []
        in_use = live() if names else set()
        found = []
        for typed in names:
            name = _name(typed)
            if not name or any(tag == name or tag.endswith("/" + name) for tag in in_use):
                continue
            resolved = self.resolve(name)
            if resolved is not None:
                found.append(RenamedTag(typed, *resolved))
        return found


def rewrite_query(query: str, renamed: list[RenamedTag]) -> str:
    """The query with each renamed tag replaced by its current name (quoted if needed)."""
    for tag in renamed:
        new = f'"{tag.current}"' if re.search(r'[\s()"]', tag.current) else tag.current
        pattern = re.compile(rf'(?i)\b(tags?:)("?){re.escape(tag.typed)}\2(?=$|[\s)])')
        query = pattern.sub(lambda match, new=new: match.group(1) + new, query, count=1)
    return query


def _tag_words(node: q.Node) -> list[str]:
    """The tag names of a query's positive `tag:word` and `tag:"phrase"` parts."""
    if isinstance(node, q.Word | q.Phrase) and node.field == "tags":
        return [node.text]
    if isinstance(node, q.And | q.Or):
        return [name for item in node.items for name in _tag_words(item)]
    return []


def _clean(text: str) -> str:
    """'People / Witnesses ' -> 'People/Witnesses', as tags are stored."""
    parts = (" ".join(part.split()) for part in text.split("/"))
    return "/".join(part for part in parts if part)


def _name(text: str) -> str:
    """A tag name as the index holds it, for comparing: 'people/witnesses'."""
    return _clean(text).lower()


def _load(path: Path) -> list[TagRename]:
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
        return [TagRename(str(item["old"]), str(item["new"]), bool(item.get("merged")))
                for item in items][-KEEP_RENAMES:]
    except (OSError, ValueError, TypeError, KeyError):
        return []  # none yet, or damaged: only notices are lost


def _save(path: Path, renames: list[TagRename]) -> None:
    data = [{"old": r.old, "new": r.new, "merged": r.merged} for r in renames]
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n",
                             encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        pass  # a read-only or full home: the history lasts this session
