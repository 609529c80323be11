"""Writing a file the user asked for so that it is either all there or not there.

The content goes to a temporary file beside the target, is flushed to disk, given the
target's permissions (or 0644: mkstemp makes 0600, which others who may read the
folder could not open), then renamed over the target: a crash or a full disk mid-write
leaves the previous file, never half of the new one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomically(target: Path, content: str | bytes,
                     before_replace: Callable[[], None] | None = None) -> None:
    """Write `content` (text as UTF-8) to `target` at once; raises OSError.
    `before_replace` runs just before the rename (an export checks again that the
    target may be replaced: the file may have appeared while it was written) and may
    raise to leave the target untouched."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    folder = target.parent if str(target.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.",
                                         suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        if before_replace is not None:
            before_replace()
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
