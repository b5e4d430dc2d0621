"""The search-efficiency task type and its harness: a score the harness prints (the tasks are in ``suite.py``).

Each task is a starting ``main.py`` and a harness that imports it, runs fixed checks and prints one line
per check and ``SCORE: <value>`` last. Both systems run the same harness: Tinkerer as the experiment's
command, OpenEvolve from its ``evaluate(program_path)``. Every evaluation is appended to a JSON-lines log
(time, score), which the benchmark joins with the LLM calls to tell the best score by call k.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Task:
    """A starting program, the checks that score it, a reference program no system sees, and its family."""

    name: str
    family: str
    goal: str
    program: str
    checks: str  # Python source of ``def score(main) -> float`` using ``check``, ``attempt``, ``timed``
    reference: str  # a good program: its score is 1 on the normalized scale
    direction: str = "maximize"
    solve_at: float = 1.0  # solved once the normalized improvement reaches this


@dataclass(frozen=True)
class Scale:
    """A task's scores on this machine: the starting program's and the reference's."""

    task: Task
    initial: float
    reference: float

    def better(self, a: float | None, b: float | None) -> bool:
        """Whether score ``a`` beats ``b`` (None is worst)."""
        if a is None:
            return False
        if b is None:
            return True
        return a > b if self.task.direction == "maximize" else a < b

    def normalized(self, score: float | None) -> float:
        """How far ``score`` went from the starting score (0) toward the reference's (1), within [0, 1]."""
        if score is None or self.reference == self.initial:
            return 0.0
        return max(0.0, min(1.0, (score - self.initial) / (self.reference - self.initial)))

    @property
    def threshold(self) -> float:
        """The raw score at which the task counts as solved."""
        return self.initial + self.task.solve_at * (self.reference - self.initial) * (1 - 1e-9)

    def solved(self, score: float | None) -> bool:
        """Whether ``score`` solves the task."""
        return score is not None and self.normalized(score) >= self.task.solve_at - 1e-9


HARNESS = '''"""Scores {name}: python harness.py PROGRAM [--log FILE]; prints one line per check, then SCORE."""
import importlib.util
import json
import sys
import time
import warnings

warnings.filterwarnings("ignore")  # a model's convergence warnings are not checks


def check(label, passed, got):
    print(("PASS " if passed else "FAIL ") + label + ("" if passed else f" (got {{got!r}})"))
    return bool(passed)


def attempt(function, *args):
    try:
        return function(*args)
    except Exception as error:
        return f"{{type(error).__name__}}: {{error}}"


def timed(function, *args):
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def function_right(main, name, cases):
    function = getattr(main, name, None)
    ok = True
    for args, expected in cases:
        got = attempt(function, *args)
        ok = check(f"{{name}}{{args!r}} == {{expected!r}}".replace(",)", ")"), got == expected, got) and ok
    return ok


{checks}

def main(argv):
    path, log = argv[1], argv[argv.index("--log") + 1] if "--log" in argv else None
    spec = importlib.util.spec_from_file_location("main", path)
    module = importlib.util.module_from_spec(spec)
    value, error = None, None
    try:
        spec.loader.exec_module(module)
        value = float(score(module))
        print(f"SCORE: {{value:g}}")
    except BaseException as problem:
        error = "syntax_error" if isinstance(problem, SyntaxError) else "crash"
        raise
    finally:
        if log:
            with open(log, "a") as handle:
                handle.write(json.dumps({{"t": time.time(), "score": value, "error": error}}) + "\\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
'''


def write_harness(task: Task, directory: Path) -> Path:
    """The task's harness script, written into ``directory``."""
    path = directory / f"harness_{task.name}.py"
    path.write_text(HARNESS.format(name=task.name, checks=task.checks))
    return path


def read_evaluations(log: Path) -> list[tuple[float, float | None]]:
    """The (time, score) of every evaluation in a harness log, in order."""
    return [(row["t"], row["score"]) for row in _rows(log)]


def evaluation_failures(log: Path) -> dict[str, int]:
    """How many evaluations failed, by cause (``syntax_error``, ``crash``)."""
    causes: dict[str, int] = {}
    for row in _rows(log):
        if row.get("error"):
            causes[row["error"]] = causes.get(row["error"], 0) + 1
    return causes


def _rows(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
