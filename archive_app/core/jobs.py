"""Progress and cancellation handed to long core jobs as plain Python objects (never Qt)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from archive_app.core.errors import Cancelled

ProgressCallback = Callable[[int, int, str], None]
"""Called as ``progress(done, total, message)``; ``total`` is 0 while it is unknown."""


def no_progress(done: int, total: int, message: str) -> None:
    """The default progress callback: report nothing."""


@dataclass
class JobControl:
    """What a long job receives: where to report progress and how to learn it was cancelled."""

    progress: ProgressCallback = no_progress
    cancel_event: threading.Event = field(default_factory=threading.Event)

    def check_cancelled(self) -> None:
        """Raise `Cancelled` when the user asked to stop; called between units of work."""
        if self.cancel_event.is_set():
            raise Cancelled("cancelled by the user")
