"""The undo/redo history of one session: every change to the user's work, in order.

One history for all of them (annotations, tags, metadata edits), so that Ctrl+Z always
undoes the user's last change and nothing else. Each entry knows how to apply itself
backwards and forwards and what it touched; it is made by `Library`, which records
exactly what an action changed (not a copy of everything), so an undo never touches data
the action did not change.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from archive_app.core.annotations.store import StoreError
from archive_app.core.errors import ArchiveError

LIMIT = 100
"""Changes kept for undo; older ones are forgotten."""


class HistoryError(ArchiveError):
    """An undo or redo could not be applied (the store changed under it elsewhere)."""


@dataclass
class Change:
    """One user action on the history.

    `undo` and `redo` each apply it and return the keys of the documents whose index
    entries must learn of it. `kind` tells a face what to re-read: "annotation", "tag"
    or "metadata".
    """

    description: str
    """In the user's words: "merge 'numbers' into 'displacement'"."""
    kind: str
    undo: Callable[[], list[str]]
    redo: Callable[[], list[str]]
    docs: list[str] = field(default_factory=list)
    """The documents the last undo or redo touched."""


class History:
    """Two stacks; a new change clears the redo stack. Safe to call from any thread."""

    def __init__(self) -> None:
        self._undo: list[Change] = []
        self._redo: list[Change] = []
        self._lock = threading.RLock()

    def record(self, change: Change) -> None:
        with self._lock:
            self._undo.append(change)
            del self._undo[:-LIMIT]
            self._redo.clear()

    def can_undo(self) -> str | None:
        with self._lock:
            return self._undo[-1].description if self._undo else None

    def can_redo(self) -> str | None:
        with self._lock:
            return self._redo[-1].description if self._redo else None

    def undo(self) -> Change | None:
        """Undo the newest change; it moves to the redo stack."""
        return self._step(self._undo, self._redo, "undo")

    def redo(self) -> Change | None:
        """Apply again the change undone last; it moves back to the undo stack."""
        return self._step(self._redo, self._undo, "redo")

    def _step(self, source: list[Change], target: list[Change], verb: str) -> Change | None:
        """Apply the top of `source` and move it to `target`.

        If it cannot be applied (another window or the CLI changed the same data), it is
        dropped rather than left to block every later undo, and the error says so. If the
        store could not save it (the database busy with another process, a full disk),
        nothing was changed: it stays where it was, to be tried again.
        """
        with self._lock:
            if not source:
                return None
            change = source.pop()
            try:
                change.docs = (change.undo if verb == "undo" else change.redo)()
            except StoreError as error:
                source.append(change)
                raise HistoryError(f"could not {verb} {change.description}: {error}; it is "
                                   f"still in the {verb} list: try again") from error
            except ArchiveError as error:
                raise HistoryError(f"could not {verb} {change.description}: {error}; it is "
                                   f"no longer in the {verb} list") from error
            target.append(change)
            return change
