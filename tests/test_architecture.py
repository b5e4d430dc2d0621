"""The core's shape, held by tests: no import cycle, a public surface plugins keep to, a private engine.

Imports are read from the source (every ``import`` statement, those inside functions and under
``TYPE_CHECKING`` included), so a cycle held open by a lazy import still counts.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import tinkerer_core

ROOT = Path(__file__).parents[1]
CORE = ROOT / "tinkerer_core"
PUBLIC = {"tinkerer_core", *tinkerer_core.TOOLKIT}
API = {"tinkerer_core.api", "tinkerer_core.cli"}  # the Python API and the command: they run the engine


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


CORE_MODULES = {module_name(path): path for path in CORE.rglob("*.py")}


def imports(path: Path) -> Iterator[tuple[str, list[str], int]]:
    """Each ``tinkerer_core`` import of a file: the module, the names taken from it, the line."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "tinkerer_core":
            yield node.module, [alias.name for alias in node.names], node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "tinkerer_core":
                    yield alias.name, [], node.lineno


def core_graph() -> dict[str, set[str]]:
    """Core module -> the core modules it imports (``from tinkerer_core import engine`` names the submodule)."""
    graph: dict[str, set[str]] = {}
    for name, path in CORE_MODULES.items():
        targets = set()
        for module, names, _ in imports(path):
            submodules = [f"{module}.{item}" for item in names if f"{module}.{item}" in CORE_MODULES]
            targets.update(submodules)
            if len(submodules) < len(names) or not names:
                targets.add(module)
        graph[name] = {target for target in targets if target in CORE_MODULES and target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, pending = set(), [start]
    while pending:
        for target in graph[pending.pop()] - seen:
            seen.add(target)
            pending.append(target)
    return seen


def test_the_core_has_no_import_cycle() -> None:
    graph = core_graph()
    found = cycles(graph)
    report = ["; ".join(f"{module} -> {sorted(graph[module] & set(cycle))}" for module in cycle) for cycle in found]
    assert found == [], "import cycles in the core:\n" + "\n".join(report)


def test_the_public_surface_resolves_and_is_listed() -> None:
    assert sorted(tinkerer_core.__all__) == sorted(tinkerer_core._EXPORTS)
    for name in tinkerer_core.__all__:
        assert getattr(tinkerer_core, name) is getattr(importlib.import_module(tinkerer_core._EXPORTS[name]), name)
    for module in tinkerer_core.TOOLKIT:
        assert importlib.import_module(module).__doc__, f"{module} says what it is for"


def test_plugins_import_only_the_public_surface() -> None:
    stray = []
    for path in sorted(ROOT.glob("plugins/*/src/*/**/*.py")):
        for module, names, line in imports(path):
            where = f"{path.relative_to(ROOT)}:{line}"
            if module not in PUBLIC:
                stray.append(f"{where}: {module}")
            elif module == "tinkerer_core":
                stray += [
                    f"{where}: tinkerer_core.{name}"
                    for name in names
                    if name not in tinkerer_core.__all__ and f"tinkerer_core.{name}" not in PUBLIC
                ]
    assert stray == [], "plugins reach past tinkerer_core's public surface:\n" + "\n".join(stray)


def test_nothing_public_depends_on_the_engine() -> None:
    """The engine is private: what the public names live in, and the toolkit, never import it (API aside)."""
    graph = core_graph()
    homes = {*tinkerer_core._EXPORTS.values(), *tinkerer_core.TOOLKIT} - API
    leaks = {home: sorted(m for m in reachable(graph, home) if m.startswith("tinkerer_core.engine")) for home in homes}
    assert {home: engine for home, engine in leaks.items() if engine} == {}


def test_core_modules_do_not_import_the_package_itself() -> None:
    """The package re-exports everything: a core module importing a name from it would close a cycle through it
    (its own ``__version__`` aside)."""
    offenders = [
        f"{name}: {names}"
        for name, path in CORE_MODULES.items()
        if name != "tinkerer_core"
        for module, names, _ in imports(path)
        if module == "tinkerer_core"
        and any(f"tinkerer_core.{item}" not in CORE_MODULES and item != "__version__" for item in names)
    ]
    assert offenders == []


def test_no_private_module_of_a_library_is_imported() -> None:
    """``chz.blueprint._entrypoint`` and the like change without notice: the core and the plugins use public names
    (``_typeshed``, the type checker's own stubs, is meant to be imported under ``TYPE_CHECKING``)."""
    private = []
    for path in [*CORE.rglob("*.py"), *ROOT.glob("plugins/*/src/*/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            for module in modules:
                if module != "_typeshed" and any(
                    part.startswith("_") and part != "__future__" for part in module.split(".")
                ):
                    private.append(f"{path.relative_to(ROOT)}:{node.lineno}: {module}")
    assert private == []


def test_with_only_the_core_the_tests_that_need_a_plugin_skip_and_say_which() -> None:
    """The core alone (TINKERER_PLUGINS=tinkerer-core: every plugin left out) passes its own tests; the others
    skip, naming the plugin and what to install."""
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "tests/test_knowledge.py",
            "tests/test_cli.py",
        ],
        cwd=ROOT,
        env={**os.environ, "TINKERER_PLUGINS": "tinkerer-core", "COLUMNS": "1000"},  # whole summary lines
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert re.search(r"\d+ passed, \d+ skipped", completed.stdout), completed.stdout[-500:]
    assert "needs evaluators, stop_conditions, search, litellm, knowledge-sqlite, not installed or not in " in (
        completed.stdout
    )
    assert "tinkerer-plugin-search tinkerer-plugin-litellm tinkerer-plugin-knowledge-sqlite\n" in completed.stdout
