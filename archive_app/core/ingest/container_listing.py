"""What the zip, tar and 7z importers share: one container's members as they are read,
the listing text a user sees when opening the container itself, and the guard that
turns any failure into a RejectedFile after removing the members folder.

Each importer walks its own entries and decides what its format makes of them (links,
encryption, overlapping entries); `Listing` does the rest the same way for all three:
names made into key parts, duplicates told apart, which members are written (only
those an importer will read), the size and bomb limits of members.py, the limit on the
number of members, and the text "path — size" / "path — skipped: reason".
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from archive_app.core.errors import RejectedFile
from archive_app.core.indexing import names
from archive_app.core.ingest import limits, members
from archive_app.core.ingest.documents import Extracted, Member

LINK_REASON = "a link inside the container is not followed"
ENCRYPTED_REASON = "the member is encrypted (needs a password)"
REST = "(the rest of the archive)"
"""The key part of the one skipped entry that stands for what could not be read after
a damaged or hostile spot (tar and 7z cannot skip past it)."""
CONTAINER_SUFFIXES = frozenset({".zip", ".7z", ".tar", ".tgz", ".tbz2", ".txz"})
"""Nested containers are always kept as members: the loader opens them in turn."""

Classifier = Callable[[Exception], "tuple[str, str] | None"]
"""Turns a library's error while unpacking one member into (code, reason), or None
when the error is not the member's fault (a full disk) and must stop the container."""


def not_the_data(error: BaseException) -> bool:
    """Whether an error while reading a container is not its data's fault, and must stop
    the whole read instead of skipping one member: memory (the loader's bound) and OS
    errors with an errno (a full disk, an I/O error). EINVAL is the data's: a seek to
    the negative offset a damaged header gives."""
    if isinstance(error, MemoryError):
        return True
    return isinstance(error, OSError) and error.errno not in (None, errno.EINVAL)


def clean_name(name: str) -> str:
    """A member's path as a POSIX path: backslashes as '/', no empty or '.' segments, no
    trailing '/'. A leading '/' and '..' segments are kept, so that a refused name
    still reads as what the container holds."""
    name = name.replace("\\", "/")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    return ("/" if name.startswith("/") else "") + "/".join(parts)


def size_text(size: int) -> str:
    """A size as people read it in the listing: '512 bytes', '12.1 KB', '3.0 GB'."""
    if size < 1024:
        return "1 byte" if size == 1 else f"{size} bytes"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            break
    return f"{value:.1f} {unit}"


def utc_date(timestamp: float | None) -> str:
    """An entry's modification time (seconds since 1970) as ISO 8601 in UTC, '' when the
    container gives none or an impossible one."""
    try:
        if timestamp is None or timestamp <= 0:
            return ""
        return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError, TypeError):
        return ""


def readable_suffixes() -> frozenset[str]:
    """Suffixes whose members are written for the loader: those with an importer, and
    the containers. Imported here, not at the top: ingest/__init__ imports this module's
    users lazily, and they would import it back."""
    from archive_app.core.ingest import supported_suffixes

    return supported_suffixes() | CONTAINER_SUFFIXES


@dataclass
class Entry:
    """One file of the container in the listing: read (with `path`), listed only (no
    importer for it, or empty), or skipped (`code`, `reason`)."""

    key: str
    place: str
    size: int = 0
    path: Path | None = None
    date: str = ""
    code: str = ""
    reason: str = ""

    def fail(self, code: str, reason: str) -> None:
        """Turn a member that was to be read into a skipped one, removing its bytes."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)
        self.path, self.code, self.reason = None, code, reason

    def member(self) -> Member | None:
        if self.code:
            return members.skipped(self.key, self.place, self.code, self.reason)
        if self.path is None:
            return None
        return Member(key_part=self.key, place=self.place, path=str(self.path),
                      metadata={"date": self.date} if self.date else {})

    def line(self) -> str:
        if self.code:
            return f"{self.place} — skipped: {self.reason}"
        return f"{self.place} — {size_text(self.size)}"


class Listing:
    """The members of one container as its importer finds them, in the container's order.

    Makes the members folder; `result()` hands it over in the Extracted, and
    `read_container` removes it if anything fails first.
    """

    def __init__(self, kind: str, path: Path) -> None:
        self.kind = kind
        packed = os.stat(path).st_size
        self.budget = members.Budget(members.MAX_TOTAL_BYTES, packed_total=packed)
        self.entries: list[Entry] = []
        self.folder = members.new_members_dir()
        self._keys: set[str] = set()
        self._readable = readable_suffixes()
        self._written = 0

    def full(self) -> bool:
        """Whether MAX_MEMBERS entries are listed: the rest go in one `too_many` entry."""
        return len(self.entries) >= members.MAX_MEMBERS

    def _claim(self, name: str) -> tuple[str, str]:
        """The (key part, place) of a member: its cleaned path, odd bytes kept distinct
        in the key (`\\xe9`) and shown as U+FFFD in the place; a later duplicate gets
        " (2)", " (3)"..."""
        cleaned = clean_name(name) or "(no name)"
        key, place = names.key_text(cleaned), names.shown(cleaned)
        unique, number = key, 1
        while unique in self._keys:
            number += 1
            unique = f"{key} ({number})"
        self._keys.add(unique)
        suffix = unique[len(key):]
        return unique, place + suffix

    def skip(self, name: str, code: str, reason: str) -> Entry:
        key, place = self._claim(name)
        entry = Entry(key, place, code=code, reason=reason)
        self.entries.append(entry)
        return entry

    def listed(self, name: str, size: int, date: str = "") -> Entry:
        """A file the listing names but that is not written (no importer, or empty)."""
        key, place = self._claim(name)
        entry = Entry(key, place, size=max(size, 0), date=date)
        self.entries.append(entry)
        return entry

    def too_many(self, remaining: int | None) -> None:
        """The one entry that stands for every file past MAX_MEMBERS."""
        limit = f"{members.MAX_MEMBERS:,}"
        more = f"{remaining:,} more files" if remaining else "more files"
        self.skip(f"(files past the first {limit})", "too-many",
                  f"the container holds {more} past the limit of {limit}; they are not read")

    def stop(self, code: str, reason: str) -> None:
        """The entry that stands for what could not be read after a damaged spot."""
        self.skip(REST, code, reason)

    def _target(self, name: str, size: int) -> Path | None:
        """Where a member is written, or None when the loader would not read it."""
        if size == 0:
            return None
        target = members.member_file(self.folder, self._written + 1, name)
        if target.suffix not in self._readable:
            return None
        self._written += 1
        return target

    def plan(self, name: str, size: int, packed: int | None, date: str = "") -> Entry:
        """The entry of a file to unpack, checked against the size and bomb limits: a
        listed-only entry, a skipped one, or one with a `path` to write to."""
        if size < 0:
            return self.skip(name, "corrupt", "the member's header declares a negative size")
        target = self._target(name, size)
        if target is None:
            return self.listed(name, size, date)
        code, reason = self.budget.refusal(size, packed)
        if code:
            return self.skip(name, code, reason)
        entry = self.listed(name, size, date)
        entry.path = target
        self.budget.take(size)
        return entry

    def unpack(self, name: str, size: int, packed: int | None, date: str,
               opener: Callable[[], AbstractContextManager[IO[bytes]]],
               classify: Classifier) -> Entry:
        """Plan a member and copy its stream to its file, bounded whatever its header
        said; a member that fails is skipped with its reason and the walk goes on."""
        entry = self.plan(name, size, packed, date)
        if entry.path is None:
            return entry
        try:
            with opener() as source:
                entry.size = members.copy_bounded(source, entry.path, members.MAX_MEMBER_BYTES)
        except RejectedFile as rejection:
            entry.fail(rejection.code, rejection.reason)
        except Exception as error:
            verdict = classify(error)
            if verdict is None:
                raise
            entry.fail(*verdict)
        return entry

    def result(self) -> Extracted:
        files = sum(1 for entry in self.entries if not entry.code)
        skips = len(self.entries) - files
        heading = f"{self.kind} archive: {files} file{'' if files == 1 else 's'}, " \
                  f"{skips} skipped"
        text = "\n".join([heading, *(entry.line() for entry in self.entries)])
        found = [member for member in map(Entry.member, self.entries) if member is not None]
        return Extracted(text=text, members=found, members_dir=str(self.folder))


def read_container(path: Path, kind: str, read: Callable[[Path, Listing], None]) -> Extracted:
    """Run one importer's walk over its container. Whatever fails, the members folder is
    removed first; a library's error becomes RejectedFile("corrupt"), an OS error
    "unreadable" (a MemoryError or the loader's own time limit pass on unchanged: the
    loader's bounds report them)."""
    path = Path(path)
    try:
        listing = Listing(kind, path)
    except OSError as error:
        raise limits.unreadable(path, error) from error
    try:
        read(path, listing)
        return listing.result()
    except BaseException as error:
        members.remove_members_dir(listing.folder)
        if isinstance(error, RejectedFile | MemoryError) or not isinstance(error, Exception):
            raise
        if not_the_data(error):
            raise limits.unreadable(path, error) from error
        message = str(error) or type(error).__name__
        raise RejectedFile("corrupt", f"the {kind} archive could not be read: "
                                      f"{message[:160]}") from error

