"""The house rules: archive_app.core never imports Qt, and only core/engine touches Whoosh."""

from __future__ import annotations

import pkgutil
import re
import subprocess
import sys

import archive_app.core
from tests.conftest import PROJECT_ROOT

CORE_MODULES = sorted(m.name for m in pkgutil.walk_packages(archive_app.core.__path__,
                                                           "archive_app.core."))


def test_every_core_module_imports_without_qt():
    script = ("import sys, importlib\n"
              "sys.modules['PySide6'] = None\n"
              "sys.modules['shiboken6'] = None\n"
              f"for name in {CORE_MODULES!r}:\n"
              "    importlib.import_module(name)\n"
              "import archive_app.cli\n"
              "print('ok')\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=PROJECT_ROOT)
    assert result.stdout.strip() == "ok", result.stderr
    assert len(CORE_MODULES) > 10


def test_only_the_engine_package_imports_whoosh():
    importing = {path.relative_to(PROJECT_ROOT).as_posix()
                 for path in (PROJECT_ROOT / "archive_app").rglob("*.py")
                 if re.search(r"^\s*(from|import)\s+whoosh", path.read_text(), re.MULTILINE)}
    engine = {path for path in importing if path.startswith("archive_app/core/engine/")}
    assert importing == engine
    assert "archive_app/core/engine/codec.py" in engine
