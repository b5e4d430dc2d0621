"""The search-efficiency tasks: tiny programs, deterministic checks, a score the harness prints.

Each task is a starting ``main.py`` and a harness that imports it, runs fixed checks and prints one line
per check and ``SCORE: <value>`` last. Both systems run the same harness: Tinkerer as the experiment's
command, OpenEvolve from its ``evaluate(program_path)``. Every evaluation is appended to a JSON-lines log
(time, score), which the benchmark joins with the LLM calls to tell the best score by call k.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Task:
    """A starting program, the checks that score it, and when it counts as solved."""

    name: str
    goal: str
    program: str
    checks: str  # Python source of ``def score(main) -> float`` using ``check(label, passed, got)``
    direction: str = "maximize"
    solved_at: float = 1.0  # maximize: score >= solved_at; minimize: score <= solved_at

    def solved(self, score: float | None) -> bool:
        """Whether ``score`` solves the task."""
        if score is None:
            return False
        return score >= self.solved_at if self.direction == "maximize" else score <= self.solved_at

    def better(self, a: float | None, b: float | None) -> bool:
        """Whether score ``a`` beats ``b`` (None is worst)."""
        if a is None:
            return False
        if b is None:
            return True
        return a > b if self.direction == "maximize" else a < b


REPAIR = Task(
    name="repair",
    goal=(
        "Fix count_even in main.py so that every check passes: count_even([2, 4, 5]) == 2, "
        "count_even([]) == 0, count_even([1, 3]) == 0, count_even([6]) == 1, count_even([0, 2, 4, 6]) == 4."
    ),
    program=textwrap.dedent(
        '''\
        def count_even(numbers):
            """Return how many numbers in the list are even."""
            count = 0
            for i in range(1, len(numbers)):
                if numbers[i] % 2 == 0:
                    count += 1
            return count
        '''
    ),
    checks=textwrap.dedent(
        """\
        def score(main):
            cases = [([2, 4, 5], 2), ([], 0), ([1, 3], 0), ([6], 1), ([0, 2, 4, 6], 4)]
            passed = 0
            for numbers, expected in cases:
                got = attempt(main.count_even, list(numbers))
                passed += check(f"count_even({numbers}) == {expected}", got == expected, got)
            return passed / len(cases)
        """
    ),
)

MINIMIZE = Task(
    name="minimize",
    goal=(
        "Make total(numbers) in main.py as short as possible while it still returns the sum of the numbers. "
        "The score is the number of statements in total's body (1000 when a check fails): lower is better."
    ),
    program=textwrap.dedent(
        '''\
        def total(numbers):
            """Return the sum of the numbers."""
            result = 0
            for n in numbers:
                result = result + n
            return result
        '''
    ),
    checks=textwrap.dedent(
        """\
        def score(main):
            import ast, inspect

            cases = [([1, 2, 3], 6), ([], 0), ([-4, 4, 10], 10)]
            right = all(check(f"total({n}) == {e}", attempt(main.total, list(n)) == e, attempt(main.total, list(n))) for n, e in cases)
            if not right:
                return 1000.0
            function = ast.parse(inspect.getsource(main.total)).body[0]
            body = [node for node in function.body if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
            statements = sum(1 for node in body for _ in ast.walk(node) if isinstance(_, ast.stmt))
            check(f"total's body has {statements} statement(s); 1 is the fewest", statements <= 1, statements)
            return float(statements)
        """
    ),
    direction="minimize",
    solved_at=1.0,
)

MULTI_STEP = Task(
    name="multi_step",
    goal=(
        "Fix the three functions in main.py: double(x) returns x times 2, last(items) returns the last element "
        "of the list, and middle(items) returns the middle element of a list of odd length. The score is the "
        "fraction of functions that are right."
    ),
    program=textwrap.dedent(
        '''\
        def double(x):
            """Return x times 2."""
            return x + 2


        def last(items):
            """Return the last element of the list."""
            return items[0]


        def middle(items):
            """Return the middle element of a list of odd length."""
            return items[len(items) / 2]
        '''
    ),
    checks=textwrap.dedent(
        """\
        def score(main):
            groups = {
                "double": [((3,), 6), ((0,), 0), ((-4,), -8)],
                "last": [(([1, 2, 3],), 3), ((["a"],), "a"), (([5, 9],), 9)],
                "middle": [(([1, 2, 3],), 2), (([7],), 7), (([4, 5, 6, 7, 8],), 6)],
            }
            right = 0
            for name, cases in groups.items():
                function = getattr(main, name, None)
                ok = True
                for args, expected in cases:
                    got = attempt(function, *args)
                    ok = check(f"{name}{args!r} == {expected!r}".replace(",)", ")"), got == expected, got) and ok
                right += ok
            return right / len(groups)
        """
    ),
)

TASKS = {task.name: task for task in (REPAIR, MINIMIZE, MULTI_STEP)}

HARNESS = '''"""Scores {name}: python harness.py PROGRAM [--log FILE]; prints one line per check, then SCORE."""
import importlib.util
import json
import sys
import time


def check(label, passed, got):
    print(("PASS " if passed else "FAIL ") + label + ("" if passed else f" (got {{got!r}})"))
    return bool(passed)


def attempt(function, *args):
    try:
        return function(*args)
    except Exception as error:
        return f"{{type(error).__name__}}: {{error}}"


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
