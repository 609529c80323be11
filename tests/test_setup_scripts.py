"""The setup scripts, run by bash against fake system tools on PATH (no root, no network).

`ensure-system.sh` must read a library cache larger than a pipe buffer without failing
(a `| grep -q` there lost the race with SIGPIPE), name the Debian package of what is
missing, and call apt-get only when something is missing. `setup-venv.sh` must be silent
when pip succeeds and show pip's log when it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

ENSURE = PROJECT_ROOT / "scripts" / "ensure-system.sh"
SETUP_VENV = PROJECT_ROOT / "scripts" / "setup-venv.sh"
# every [library]=package pair the script checks, read from the script itself
NEEDED = dict(re.findall(r"\[(lib[^\]]+)\]=(\S+)", ENSURE.read_text(encoding="utf-8")))
X11_ONLY = "libxcb-cursor.so.0"


def _fake(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    path.chmod(0o755)


def _library_cache(leave_out: set[str]) -> str:
    """`ldconfig -p` as a desktop prints it: the needed libraries early, then >200 KB more."""
    lines = [f"\t{lib} (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/{lib}"
             for lib in sorted(NEEDED) if lib not in leave_out]
    lines += [f"\tlibfiller{i}.so.{i % 7} (libc6,x86-64) => "
              f"/usr/lib/x86_64-linux-gnu/libfiller{i}.so.{i % 7}" for i in range(3000)]
    text = f"{len(lines)} libs found in cache `/etc/ld.so.cache'\n" + "\n".join(lines) + "\n"
    assert len(text.encode()) > 200_000
    return text


@pytest.fixture
def system(tmp_path):
    """A fake system on PATH: ldconfig, fc-list, python3, id, apt-get and sudo."""
    fakes = tmp_path / "bin"
    fakes.mkdir()
    calls = tmp_path / "calls.log"
    fonts = "".join(f"/usr/share/fonts/truetype/other/Font{i}.ttf: Font {i}:style=Book\n"
                    for i in range(2000))
    (tmp_path / "fonts.txt").write_text(
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf: DejaVu Sans:style=Book\n" + fonts,
        encoding="utf-8")
    _fake(fakes, "fc-list", f'exec cat "{tmp_path / "fonts.txt"}"')
    _fake(fakes, "python3", "exit 0")
    _fake(fakes, "apt-get", f'echo "apt-get $*" >> "{calls}"')
    _fake(fakes, "sudo", f'echo "sudo $*" >> "{calls}"; exit 1')

    def run(mode: str = "app", *, leave_out: frozenset[str] = frozenset(), root: bool = False,
            no_install: bool = True) -> subprocess.CompletedProcess:
        (tmp_path / "ldconfig.txt").write_text(_library_cache(set(leave_out)), encoding="utf-8")
        _fake(fakes, "ldconfig", f'exec cat "{tmp_path / "ldconfig.txt"}"')
        _fake(fakes, "id", "echo 0" if root else "echo 1000")
        env = {"PATH": f"{fakes}:/usr/bin:/bin", "HOME": str(tmp_path), "LC_ALL": "C"}
        if no_install:
            env["ARCHIVE_APP_NO_INSTALL"] = "1"
        return subprocess.run(["bash", str(ENSURE), mode], capture_output=True, text=True,
                              env=env, timeout=60)

    run.calls = calls  # type: ignore[attr-defined]
    return run


def test_the_script_checks_the_libraries_qt_needs():
    assert len(NEEDED) >= 20
    assert NEEDED["libEGL.so.1"] == "libegl1" and NEEDED[X11_ONLY] == "libxcb-cursor0"


@pytest.mark.parametrize("root", [False, True], ids=["user", "root"])
def test_a_large_library_cache_passes_every_time_without_apt_get(system, root):
    for attempt in range(20):
        result = system("app", root=root, no_install=not root)
        assert result.returncode == 0, f"run {attempt + 1}: {result.stderr}"
        assert result.stdout == "" and result.stderr == ""
    assert not system.calls.exists(), system.calls.read_text()


def test_a_missing_library_is_named_by_its_debian_package(system):
    result = system("app", leave_out=frozenset({X11_ONLY}))
    assert result.returncode == 1
    assert "Archive App needs these Debian packages: libxcb-cursor0" in result.stderr
    assert "sudo apt-get install libxcb-cursor0" in result.stderr
    assert not system.calls.exists()
    # the offscreen test run does not need Qt's X11 libraries
    assert system("test", leave_out=frozenset({X11_ONLY})).returncode == 0


def test_as_root_only_the_missing_package_is_installed(system):
    result = system("app", leave_out=frozenset({X11_ONLY, "libEGL.so.1"}), root=True,
                    no_install=False)
    assert result.returncode == 0, result.stderr
    assert system.calls.read_text().splitlines() == [
        "apt-get update -qq", "apt-get install -y -qq libegl1 libxcb-cursor0"]


def test_no_install_never_installs_even_as_root(system):
    result = system("app", leave_out=frozenset({X11_ONLY}), root=True, no_install=True)
    assert result.returncode == 1 and "libxcb-cursor0" in result.stderr
    assert not system.calls.exists()


# --- setup-venv.sh ----------------------------------------------------------------------

FAKE_PYTHON = """#!/bin/sh
# stands in for python3 and for .venv/bin/python
if [ "$1" = -m ] && [ "$2" = venv ]; then
  mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && exit 0
fi
if [ "$1" = -m ] && [ "$2" = pip ]; then
  echo "pip $*" >> "$PIP_CALLS"
  i=0; while [ $i -lt 60 ]; do
    echo "SetuptoolsDeprecationWarning: line $i of a wall of warnings" >&2; i=$((i+1)); done
  echo "Successfully installed something"
  [ -n "$PIP_FAIL" ] && case "$*" in *" -e "*) echo "ERROR: no matching distribution" >&2
                                              exit 1;; esac
  exit 0
fi
exit 0
"""


@pytest.fixture
def project(tmp_path):
    """A copy of the project's pyproject.toml and setup-venv.sh with a fake python."""
    root = tmp_path / "project"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(SETUP_VENV, root / "scripts" / "setup-venv.sh")
    shutil.copy(PROJECT_ROOT / "pyproject.toml", root / "pyproject.toml")
    fake = tmp_path / "fake-python"
    fake.write_text(FAKE_PYTHON, encoding="utf-8")
    fake.chmod(0o755)

    def run(*, fail: bool = False) -> subprocess.CompletedProcess:
        env = {"PATH": os.environ["PATH"], "PYTHON": str(fake),
               "PIP_CALLS": str(tmp_path / "pip-calls.log"), "PIP_FAIL": "1" if fail else ""}
        return subprocess.run(["bash", str(root / "scripts" / "setup-venv.sh"), "test"],
                              capture_output=True, text=True, env=env, timeout=60)

    run.root = root  # type: ignore[attr-defined]
    run.calls = tmp_path / "pip-calls.log"  # type: ignore[attr-defined]
    return run


def test_setup_venv_is_silent_on_success_and_keeps_the_log(project):
    result = project()
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    log = (project.root / ".venv" / "pip-install.log").read_text(encoding="utf-8")
    assert "wall of warnings" in log and "Successfully installed" in log
    assert (project.root / ".venv" / ".installed-test").is_file()
    assert "-e .[test]" in project.calls.read_text(encoding="utf-8")
    # nothing changed: no second install
    before = project.calls.read_text(encoding="utf-8")
    assert project().returncode == 0
    assert project.calls.read_text(encoding="utf-8") == before


def test_setup_venv_shows_the_log_when_pip_fails(project):
    result = project(fail=True)
    assert result.returncode == 1
    assert "ERROR: no matching distribution" in result.stderr
    assert str(project.root / ".venv" / "pip-install.log") in result.stderr
    assert result.stderr.count("wall of warnings") < 40  # the tail, not the whole wall
    assert not (project.root / ".venv" / ".installed-test").exists()
