"""Finding a corpus folder's files with stat only: the cheap half of an incremental sync.

A file's signature (mtime, size, and those of its metadata sidecar and the root's
catalog.csv) is compared with the one the catalog recorded; only files whose signature
changed are opened. `.archiveignore` keeps a corpus's own notes out of the index.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path

from archive_app.core import ingest
from archive_app.core.catalog import Root


@dataclass
class Scan:
    """One root's files as found on disk: key -> (path, signature)."""

    root: Root
    found: dict[str, tuple[Path, str]] = field(default_factory=dict)
    unreadable: dict[str, tuple[Path, str]] = field(default_factory=dict)


def _signature(stat: os.stat_result, *extra: str) -> str:
    return ":".join([str(stat.st_mtime_ns), str(stat.st_size), *extra])


def _stat_signature(path: Path) -> str:
    try:
        return _signature(os.stat(path))
    except OSError:
        return "-"


IGNORE_FILE = ".archiveignore"


def read_ignore_patterns(folder: Path) -> list[str]:
    """Glob patterns from FOLDER/.archiveignore (one a line, '#' comments), like .gitignore.

    A pattern without '/' matches a file name anywhere; one with '/' matches the
    corpus-relative path. Lets a corpus keep its README or provenance notes unindexed.
    """
    try:
        lines = (folder / IGNORE_FILE).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def is_ignored(relative: str, patterns: list[str]) -> bool:
    name = relative.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(relative if "/" in p else name, p.lstrip("/"))
               for p in patterns)


def scan_root(root: Root) -> Scan:
    """Walk a corpus folder with stat only: no file is opened."""
    scan = Scan(root)
    ignored = read_ignore_patterns(root.path)
    catalog_sig = _stat_signature(root.path / "catalog.csv")
    for dirpath, dirnames, filenames in os.walk(root.path, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        names = set(filenames)
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if not ingest.is_document_file(path):
                continue
            relative = path.relative_to(root.path).as_posix()
            if ignored and is_ignored(relative, ignored):
                continue
            key = f"{root.name}/{relative}"
            sidecar = ingest.sidecar_path(path)
            stem_sidecar = path.with_name(path.stem + ".meta.json")
            sidecar_sig = "-"
            for candidate in (sidecar, stem_sidecar):
                if candidate.name in names:
                    sidecar_sig = _stat_signature(candidate)
                    break
            try:
                stat = os.stat(path)
            except OSError as error:
                scan.unreadable[key] = (path, f"cannot read the file: {error.strerror or error}")
                continue
            scan.found[key] = (path, _signature(stat, sidecar_sig, catalog_sig))
    return scan
