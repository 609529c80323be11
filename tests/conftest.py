"""Shared fixtures: a throw-away archive home and small real corpora on disk.

Tests never touch the real user data folder: ARCHIVE_APP_HOME points into tmp_path, and
Qt runs offscreen (set here, before any test imports PySide6).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from archive_app.core.indexing.index import ArchiveIndex  # noqa: E402
from archive_app.core.paths import AppPaths  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own ARCHIVE_APP_HOME so nothing reaches the real one."""
    home = tmp_path / "home"
    monkeypatch.setenv("ARCHIVE_APP_HOME", str(home))
    return home


@pytest.fixture
def app_paths(isolated_home: Path) -> AppPaths:
    return AppPaths(isolated_home)


def write_files(folder: Path, files: dict[str, str | bytes]) -> Path:
    """Write {relative path: content} under folder (text as UTF-8) and return folder."""
    for relative, content in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


@pytest.fixture
def archive(app_paths: AppPaths) -> Iterator[ArchiveIndex]:
    index = ArchiveIndex(app_paths)
    yield index
    index.close()
