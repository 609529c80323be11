"""Where Archive App keeps its data: --home DIR, else $ARCHIVE_APP_HOME, else platformdirs.

Nothing is created at import time; `AppPaths.ensure()` makes the folders when a command
actually needs them, so tests that pass their own home never touch the real one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_HOME = "ARCHIVE_APP_HOME"


@dataclass(frozen=True)
class AppPaths:
    """The files of one archive home."""

    home: Path

    @property
    def index_dir(self) -> Path:
        """The Whoosh index: derived data, always rebuildable from the corpus."""
        return self.home / "index"

    @property
    def catalog_db(self) -> Path:
        """Derived bookkeeping of the index (file signatures, skip reasons, corpus roots)."""
        return self.index_dir / "catalog.sqlite3"

    @property
    def annotations_db(self) -> Path:
        """The user's own work (annotations, metadata edits): precious."""
        return self.home / "annotations.sqlite3"

    @property
    def roots_file(self) -> Path:
        """The corpus folders the user added: kept outside the index so a rebuild knows them."""
        return self.home / "roots.json"

    @property
    def backups_dir(self) -> Path:
        return self.home / "backups"

    def ensure(self) -> AppPaths:
        self.index_dir.mkdir(parents=True, exist_ok=True)
        return self


def resolve_home(cli_home: str | os.PathLike[str] | None = None) -> AppPaths:
    """Pick the home: an explicit folder wins, then the environment, then the platform's."""
    if cli_home:
        return AppPaths(Path(cli_home).expanduser().resolve())
    env = os.environ.get(ENV_HOME)
    if env:
        return AppPaths(Path(env).expanduser().resolve())
    from platformdirs import user_data_dir

    return AppPaths(Path(user_data_dir("archive-app", appauthor=False)))
