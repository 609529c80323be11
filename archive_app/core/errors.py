"""Typed errors that separate a user's problem (bad query, rejected file) from a bug."""

from __future__ import annotations


class ArchiveError(Exception):
    """Base of every error the core raises on purpose; its message is for a person."""


class QueryError(ArchiveError):
    """A query that cannot be parsed; `position` is the character offset of the problem."""

    def __init__(self, message: str, position: int | None = None):
        super().__init__(message)
        self.message = message
        self.position = position

    def __reduce__(self):
        return (QueryError, (self.message, self.position))


class RejectedFile(ArchiveError):
    """A file the importers will not index, with the reason a user should read.

    `code` is a short stable word (``empty``, ``binary``, ``too-large``, ``corrupt``,
    ``unreadable``, ``unsupported``, ``bomb``, ``timeout``) that the summary groups by.
    """

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason

    def __reduce__(self):  # travels back from the importer's child process (isolation.py)
        return (RejectedFile, (self.code, self.reason))


class IndexProblem(ArchiveError):
    """The derived index is missing, locked or damaged; it can be rebuilt from the corpus."""


class Cancelled(ArchiveError):
    """A long job was cancelled by the user; work done so far is committed."""
