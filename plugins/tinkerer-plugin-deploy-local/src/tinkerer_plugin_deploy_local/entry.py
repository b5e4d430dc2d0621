"""Which function of a solution a deployment serves, read from the solution's files without running them.

A solution names its entry in ``tinkerer.toml``::

    [deploy]
    entry = "main:predict"              # module:function, called with the inputs dict
    requirements = "requirements.txt"   # optional, for container deployers

Without one, the first top-level ``predict``, ``run`` or ``handler`` function (taking the inputs as
its first argument) in ``main.py``, ``solution.py``, ``app.py`` or ``predict.py`` is the entry; a
solution with none of those but a ``main.py`` is served as a program: each call runs
``python main.py --key value ...`` and returns what it printed.
"""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from tinkerer_core import TinkererError
from tinkerer_core.workspace_files import read_file_text

CONFIG_FILE = "tinkerer.toml"
ENTRY_FILES = ("main.py", "solution.py", "app.py", "predict.py")
ENTRY_FUNCTIONS = ("predict", "run", "handler")
PROGRAM_FILE = "main.py"
_SPEC = re.compile(r"^(?P<module>[A-Za-z_][\w.]*)(?::(?P<function>[A-Za-z_]\w*))?$")


class EntryError(TinkererError):
    """A solution has no usable entry point; the message says what would be one."""


@dataclass(frozen=True)
class Entry:
    """The module (and function) a deployment serves, and the solution's requirements file if any."""

    module: str
    function: str | None = None  # None: run the module as a program per call
    requirements: str | None = None

    @property
    def spec(self) -> str:
        return f"{self.module}:{self.function}" if self.function else self.module

    @property
    def module_file(self) -> str:
        return self.module.replace(".", "/") + ".py"


def find_entry(solution_dir: Path) -> Entry:
    """The entry of the solution in ``solution_dir``; raises ``EntryError`` saying what is missing."""
    solution_dir = Path(solution_dir)
    if not solution_dir.is_dir():
        raise EntryError(f"solution directory {str(solution_dir)!r} does not exist")
    configured = _configured(solution_dir)
    if configured is not None:
        return configured
    requirements = "requirements.txt" if (solution_dir / "requirements.txt").is_file() else None
    for file in ENTRY_FILES:
        function = _entry_function(solution_dir / file)
        if function:
            return Entry(file.removesuffix(".py"), function, requirements)
    if (solution_dir / PROGRAM_FILE).is_file():
        return Entry(PROGRAM_FILE.removesuffix(".py"), None, requirements)
    raise EntryError(
        f"no entry point in {solution_dir}: define `def predict(inputs)` in one of {', '.join(ENTRY_FILES)}, "
        f'or name one in {CONFIG_FILE}: [deploy] entry = "module:function"'
    )


def _configured(solution_dir: Path) -> Entry | None:
    path = solution_dir / CONFIG_FILE
    if not path.is_file():
        return None
    text = read_file_text(path)
    if text is None:
        raise EntryError(f"{path} is a binary file, not TOML")
    try:
        deploy = tomllib.loads(text).get("deploy", {})
    except tomllib.TOMLDecodeError as error:
        raise EntryError(f"{path} is not valid TOML: {error}") from None
    spec = deploy.get("entry")
    if spec is None:
        return None
    match = _SPEC.match(str(spec))
    if not match:
        raise EntryError(f'{path}: entry {spec!r} should look like "module:function", e.g. "main:predict"')
    entry = Entry(match["module"], match["function"], deploy.get("requirements"))
    if not (solution_dir / entry.module_file).is_file():
        raise EntryError(f"{path}: entry {spec!r} names {entry.module_file}, which does not exist")
    if entry.function and _entry_function(solution_dir / entry.module_file, (entry.function,)) is None:
        raise EntryError(f"{path}: {entry.module_file} has no top-level function {entry.function}(inputs)")
    return entry


def _entry_function(path: Path, names: tuple[str, ...] = ENTRY_FUNCTIONS) -> str | None:
    """The first of ``names`` defined at the top level of ``path`` with at least one parameter."""
    if not path.is_file():
        return None
    try:
        tree = ast.parse(read_file_text(path) or "")
    except (SyntaxError, ValueError):  # ValueError: a NUL byte past the first 8000
        return None
    defined = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (node.args.posonlyargs or node.args.args)
    }
    return next((name for name in names if name in defined), None)
