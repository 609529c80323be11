"""A `git worktree` of an older revision, so the bench can run its engine beside this one's.

`python -m bench --old REV` measures the engine at REV in the same run as this checkout's:
the same corpus, the same machine state, the same worker code (bench/worker.py of this
checkout, run with PYTHONPATH at the worktree), so the "old" column differs from "ours"
by the engine alone. The worktree is /tmp/bench-old-<short commit>, made once and reused:
a commit's code does not change, and checking out again for every run would only cost
time. Making it touches no file of this checkout (only git's list of worktrees).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLACE = Path("/tmp")


@dataclass(frozen=True)
class Checkout:
    rev: str      # as given: "HEAD", a tag, a short hash
    commit: str   # the full hash it named when the worktree was made
    short: str
    subject: str
    path: Path

    def as_dict(self) -> dict:
        return {"rev": self.rev, "commit": self.commit, "short": self.short,
                "subject": self.subject, "worktree": str(self.path)}


def _git(*args: str, cwd: Path = ROOT, check: bool = True) -> str | None:
    done = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True)
    if done.returncode != 0:
        if check:
            raise RuntimeError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
        return None
    return done.stdout.strip()


def _checked_out(path: Path) -> str | None:
    """The commit a worktree has checked out, or None when git cannot read it (its
    repository moved or was deleted, or git has forgotten it)."""
    return _git("rev-parse", "HEAD", cwd=path, check=False)


def commit_of(rev: str, root: Path = ROOT) -> str:
    commit = _git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", cwd=root,
                  check=False)
    if not commit:
        raise RuntimeError(f"--old {rev}: no such commit in {root}")
    return commit


def worktree(rev: str, root: Path = ROOT) -> Checkout:
    """The worktree of `rev`, made with `git worktree add --detach` unless already there.

    One that exists must have exactly that commit checked out and no changes to tracked
    files: it stands for that commit's engine. A stale one (a `.git` file git can no
    longer follow, as a CI clone leaves when it is deleted) is removed and made again;
    anything else in the way is an error, not something to delete."""
    commit = commit_of(rev, root)
    short = _git("rev-parse", "--short", commit, cwd=root)
    subject = _git("log", "-1", "--format=%s", commit, cwd=root)
    path = PLACE / f"bench-old-{short}"
    found = Checkout(rev, commit, short, subject, path)
    if path.exists():
        here = _checked_out(path)
        if here == commit:
            changed = _git("status", "--porcelain", "--untracked-files=no", cwd=path)
            if changed:
                raise RuntimeError(f"{path} has changes to {commit[:12]}'s files; remove "
                                   f"it (git worktree remove --force {path}) to start anew")
            return found
        if here is None and (path / ".git").is_file():
            shutil.rmtree(path)
        else:
            raise RuntimeError(f"{path} exists but is not a checkout of {commit[:12]}: "
                               "remove it, or give the revision in full")
    _git("worktree", "prune", cwd=root)  # forgets a registered worktree whose folder is gone
    _git("worktree", "add", "--detach", str(path), commit, cwd=root)
    return found
