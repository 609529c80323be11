"""The house rules: archive_app.core never imports Qt, the faces import only the layers
below them, and only core/engine touches Whoosh.

The import contract (imports read with `ast`, at module level and inside functions):

    __main__ -> cli -> commands -> core
                cli -> core
                cli -> gui.app   (only inside a function: the `gui` verb)
                       gui      -> core

core imports nothing of the faces; gui and commands never import each other or cli.
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import archive_app.core
from tests.conftest import PROJECT_ROOT

CORE_MODULES = sorted(m.name for m in pkgutil.walk_packages(archive_app.core.__path__,
                                                           "archive_app.core."))
PACKAGE = PROJECT_ROOT / "archive_app"

ALLOWED = {
    "core": {"core"},
    "commands": {"commands", "core"},
    "gui": {"gui", "core"},
    "cli": {"cli", "commands", "core"},
    "__main__": {"cli"},
    "archive_app": set(),
}
"""Layer -> the layers its modules may import at all (module level or in a function)."""

FUNCTION_LEVEL_ONLY = {("archive_app.cli", "archive_app.gui.app")}
"""(importing module, imported module) allowed only inside a function, never at import."""


@dataclass(frozen=True)
class Import:
    importer: str  # dotted name of the module holding the import
    imported: str  # dotted name imported (for `from X import y`: X.y when y is a module)
    line: int
    in_function: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(path: Path, node: ast.ImportFrom) -> str:
    """The absolute module of a `from ... import`, relative ones included."""
    if not node.level:
        return node.module or ""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(path: Path, source: str | None = None) -> list[Import]:
    """Every import statement in one file (or in `source`, read as that file), with
    whether it sits inside a function."""
    importer = module_name(path)
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend(Import(importer, alias.name, node.lineno, in_function)
                         for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(path, node)
            found.append(Import(importer, module, node.lineno, in_function))
            # `from archive_app import gui` or `from archive_app.gui import app` names a module
            found.extend(Import(importer, f"{module}.{alias.name}", node.lineno, in_function)
                         for alias in node.names if alias.name != "*")
        inner = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef |
                                          ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    if source is None:
        source = path.read_text(encoding="utf-8")
    visit(ast.parse(source, str(path)), False)
    return found


def all_imports() -> list[Import]:
    return [found for path in sorted(PACKAGE.rglob("*.py")) for found in imports_of(path)]


def layer_of(module: str) -> str | None:
    """core, commands, gui, cli, __main__ or archive_app (the package itself); None for a
    module outside archive_app."""
    parts = module.split(".")
    if parts[0] != "archive_app":
        return None
    return parts[1] if len(parts) > 1 else "archive_app"


def _is_module(dotted: str) -> bool:
    """Whether a dotted archive_app name is a module or package (not a name inside one)."""
    relative = Path(*dotted.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").exists() or \
        (PACKAGE / relative / "__init__.py").exists()


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


def test_every_module_belongs_to_a_layer():
    layers = {layer_of(module_name(path)) for path in PACKAGE.rglob("*.py")}
    assert layers <= set(ALLOWED), layers - set(ALLOWED)


def test_layers_import_only_the_layers_below_them():
    broken = []
    for found in all_imports():
        target = layer_of(found.imported)
        if target is None or not _is_module(found.imported):
            continue
        source = layer_of(found.importer)
        if target in ALLOWED[source]:
            continue
        allowed_lazily = any(found.importer == importer and
                             (found.imported == imported or
                              found.imported.startswith(imported + "."))
                             for importer, imported in FUNCTION_LEVEL_ONLY)
        if allowed_lazily and found.in_function:
            continue
        broken.append(f"{found.importer}:{found.line} imports {found.imported}"
                      f"{' at module level' if allowed_lazily else ''}")
    assert not broken, "\n".join(broken)


def test_core_never_imports_a_face():
    faces = [f"{found.importer}:{found.line} imports {found.imported}"
             for found in all_imports()
             if layer_of(found.importer) == "core"
             and layer_of(found.imported) in ("gui", "commands", "cli", "__main__")]
    assert not faces, "\n".join(faces)


def test_the_cli_imports_the_gui_only_inside_the_gui_verb():
    gui = [found for found in all_imports()
           if found.importer == "archive_app.cli" and layer_of(found.imported) == "gui"]
    assert gui, "the gui verb's import was not found: is this test still reading cli.py?"
    assert all(found.in_function for found in gui), gui


def test_the_contract_reader_sees_function_level_imports():
    """The checks above are only as good as the reader: it must find imports in methods
    and in `if TYPE_CHECKING` blocks, and tell module level from function level."""
    code = ("from __future__ import annotations\n"
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n"
            "    from archive_app.gui import app\n"
            "class A:\n"
            "    def f(self):\n"
            "        import archive_app.commands.printing\n"
            "        from . import paths\n")
    found = imports_of(PACKAGE / "core" / "sample.py", code)
    in_function = {item.imported: item.in_function for item in found}
    assert in_function["archive_app.gui.app"] is False
    assert in_function["archive_app.commands.printing"] is True
    assert in_function["archive_app.core.paths"] is True


def test_only_the_engine_package_imports_whoosh():
    importing = {found.importer for found in all_imports()
                 if found.imported.split(".")[0] == "whoosh"}
    engine = {name for name in importing if name.startswith("archive_app.core.engine")}
    assert importing == engine
    assert "archive_app.core.engine.codec" in engine


def test_the_forkserver_preloads_modules_that_exist():
    """multiprocessing skips a preload name it cannot import without a word, so a module
    moved without its name here would only make every child slower."""
    import importlib.util

    from archive_app.core.indexing.processes import PRELOADED_MODULES

    missing = [name for name in PRELOADED_MODULES if importlib.util.find_spec(name) is None]
    assert not missing
