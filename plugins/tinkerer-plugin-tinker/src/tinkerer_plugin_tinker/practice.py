"""Practice tasks: concrete programming tasks drawn from parameterized templates, for a model to evolve on alone.

Four families, each task a goal, a starting ``main.py``, a checks script (``python checks.py main.py`` prints one
line per check and ``SCORE: <value>`` last), a direction, a threshold that solves it and a reference program:

- ``docstring``: implement a function from its docstring (the start raises NotImplementedError); the score is the
  fraction of asserted cases that pass.
- ``repair``: fix a function with a planted bug; the goal lists the asserts.
- ``constants``: set the constants of a curve so it fits measured points; the score is the mean squared error.
- ``strings``: make a string or data processing function do what its docstring says, from a naive start.

The same seed gives the same tasks; goals are distinct. Every task is verified before it is returned: its
reference, run through its checks in a real subprocess, reaches the threshold and its start does not. No
template uses a function name or a goal of the search-efficiency suite (``SUITE_NAMES``, ``SUITE_GOALS``), so
runs on practice tasks never train on the benchmark's dev or held-out tasks.
"""

from __future__ import annotations

import math
import random
import re
import sys
import tempfile
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinkerer_core import ConfigError, Direction
from tinkerer_core.processes import run_supervised
from tinkerer_plugin_tinker.experience import normalized_goal

# The search-efficiency suite: benchmarks/efficiency/suite.py on branch issue-19-search (``SPLIT`` dev and
# held_out, 16 tasks): the functions and classes its programs define, and its goals, verbatim. Frozen here so the
# check runs where that branch is not checked out; a practice task never uses one of them.
SUITE_NAMES = frozenset(
    {
        # dev
        "count_even", "factorial", "predict", "fib", "slugify", "double", "last", "middle", "make_model", "tour",
        # held out
        "largest", "count_vowels", "control", "count_primes", "word_count", "Rectangle", "area", "perimeter",
        "is_square", "pack",
    }
)  # fmt: skip
SUITE_GOALS = (
    "Fix count_even in main.py so that every check passes: count_even([2, 4, 5]) == 2, count_even([]) == 0, "
    "count_even([1, 3]) == 0, count_even([6]) == 1, count_even([0, 2, 4, 6]) == 4.",
    "Implement factorial(n) in main.py as its docstring says. The score is the fraction of checks that pass.",
    "Change the constants A, B and C in main.py so that predict(x) matches the measurements the checks hold. "
    "The score is the mean squared error over the measurements: lower is better.",
    "Make fib(n) in main.py fast while it stays correct. The score is the milliseconds fib(25) takes (1e4 when a "
    "check fails): lower is better.",
    "Make slugify(title) in main.py do what its docstring says. The score is the fraction of checks that pass.",
    "Fix the three functions in main.py: double(x) returns x times 2, last(items) returns the last element of the "
    "list, and middle(items) returns the middle element of a list of odd length. The score is the fraction of "
    "functions that are right.",
    "Improve make_model() in main.py: the regressor it returns is fitted on scikit-learn's diabetes data "
    "(load_diabetes) and scored by R^2 on a held-back quarter. The score is that R^2: higher is better.",
    "Improve tour(points) in main.py: it returns the order (indices, each once) in which to visit 30 points and "
    "come back. The score is 1000 divided by the length of that closed tour: higher is better.",
    "Fix largest in main.py so that every check passes: largest([3, 1, 2]) == 3, largest([-5, -2, -9]) == -2, "
    "largest([7]) == 7, largest([-1]) == -1, largest([0, -3]) == 0, largest([2, 8, 8]) == 8.",
    "Implement count_vowels(text) in main.py as its docstring says. The score is the fraction of checks that pass.",
    "Tune the constants of the controller in main.py: control(error, velocity) pushes a cart toward its target in "
    "a simulation of 200 steps. The score is the accumulated squared distance from the target: lower is better.",
    "Make count_primes(limit) in main.py fast while it stays correct. The score is the milliseconds "
    "count_primes(3000) takes (1e4 when a check fails): lower is better.",
    "Make word_count(text) in main.py do what its docstring says. The score is the fraction of checks that pass.",
    "Fix the three methods of Rectangle in main.py: area() returns width times height, perimeter() returns twice "
    "the sum of width and height, is_square() says whether width equals height. The score is the fraction of "
    "methods that are right.",
    "Improve make_model() in main.py: the classifier it returns is fitted on scikit-learn's wine data (load_wine) "
    "and scored by accuracy on a held-back 30%. The score is that accuracy: higher is better.",
    "Improve pack(sizes, capacity) in main.py: it puts 40 items into bins whose total size is at most capacity, "
    "and returns the bins as lists of item indices. The score is how full the bins are on average (the sum of "
    "the sizes over capacity times the number of bins): higher is better.",
)
_SUITE_GOALS_NORMALIZED = frozenset(map(normalized_goal, SUITE_GOALS))  # compared as from-runs compares goals

SCORE_PATTERN = r"SCORE:\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"  # the checks print ``SCORE: 1.5e-05``
CHECK_TIMEOUT_S = 30.0
MAX_DRAWS = 50  # draws per task before the families count as exhausted

HARNESS = '''"""Checks {name}: python checks.py PROGRAM prints one line per check, then SCORE."""
import importlib.util
import sys

FUNCTION = {function!r}
{data}


def load(path):
    spec = importlib.util.spec_from_file_location("main", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, FUNCTION)


{score}


if __name__ == "__main__":
    print(f"SCORE: {{score(load(sys.argv[1])):.6g}}")
'''
CASES_SCORE = '''def call(function, args):
    try:
        return function(*args)
    except Exception as error:
        return f"{type(error).__name__}: {error}"


def score(function):
    """The fraction of the cases the function gets right."""
    passed = 0
    for args, expected in CASES:
        label = f"{FUNCTION}({', '.join(map(repr, args))}) == {expected!r}"  # before a call that changes args
        got = call(function, args)
        print(("PASS " if got == expected else "FAIL ") + label + ("" if got == expected else f" (got {got!r})"))
        passed += got == expected
    return passed / len(CASES)'''
POINTS_SCORE = '''def score(function):
    """The mean squared error of the function over the measured points."""
    errors = []
    for x, measured in POINTS:
        got = float(function(x))
        print(f"{FUNCTION}({x!r}) = {got:.6g}, measured {measured!r}")
        errors.append((got - measured) ** 2)
    return sum(errors) / len(errors)'''


@dataclass(frozen=True)
class PracticeTask:
    """A practice task: what to achieve, where to start, how it is scored and a program that solves it."""

    name: str  # its folder: number, family and function
    family: str
    function: str
    goal: str
    program: str  # the starting main.py
    checks: str  # checks.py: ``python checks.py main.py`` prints one line per check and ``SCORE: <value>`` last
    reference: str  # a main.py that reaches the threshold
    direction: Direction
    threshold: float  # the score that solves the task

    def solved(self, score: float | None) -> bool:
        """Whether ``score`` reaches the threshold in the task's direction."""
        return score is not None and (score == self.threshold or self.direction.is_better(score, self.threshold))


# --- function templates: docstring, repair and strings ------------------------------------------------------


@dataclass(frozen=True)
class FunctionTemplate:
    """A function with ``{parameters}`` in its docstring and bodies: the reference body, a naive or buggy one."""

    name: str
    args: str
    doc: str
    body: str  # the reference
    wrong: str  # the planted bug (repair) or the naive start (strings)
    parameters: Callable[[random.Random], dict[str, Any]]
    inputs: Callable[[random.Random, dict[str, Any]], list[tuple[Any, ...]]]

    def source(self, values: dict[str, Any], body: str) -> str:
        """The function's source with ``body``; ``values`` fill the parameters."""
        doc = self.doc.format(**values)
        code = textwrap.indent(textwrap.dedent(body).format(**values).strip(), "    ")
        return f'def {self.name}({self.args}):\n    """{doc}"""\n{code}\n'


def _ints(rng: random.Random, count: int, low: int, high: int) -> list[int]:
    return [rng.randint(low, high) for _ in range(count)]


def _word(rng: random.Random, letters: str = "abcdefghijklmnopqrstuvwxyz") -> str:
    return "".join(rng.choice(letters) for _ in range(rng.randint(2, 7)))


NUMERIC_TEMPLATES = (
    FunctionTemplate(
        name="sum_multiples",
        args="limit",
        doc="Return the sum of the positive integers below limit that are multiples of {a} or {b}.",
        body="return sum(n for n in range(1, limit) if n % {a} == 0 or n % {b} == 0)",
        wrong="return sum(n for n in range(1, limit) if n % {a} == 0 and n % {b} == 0)",
        parameters=lambda rng: dict(zip("ab", sorted(rng.sample(range(2, 10), 2)), strict=True)),
        inputs=lambda rng, p: [(p["b"] + 2,), (0,), *((n,) for n in _ints(rng, 4, 10, 200))],
    ),
    FunctionTemplate(
        name="digit_sum",
        args="n",
        doc="Return the sum of the digits of the integer n written in base {base}; the sign of n is ignored.",
        body="""
            n = abs(n)
            total = 0
            while n:
                total += n % {base}
                n //= {base}
            return total
        """,
        wrong="""
            n = abs(n)
            total = 0
            while n > {base}:
                total += n % {base}
                n //= {base}
            return total
        """,
        parameters=lambda rng: {"base": rng.choice((2, 3, 5, 7, 8, 10, 16))},
        inputs=lambda rng, p: [(0,), (-rng.randint(1, 999),), *((n,) for n in _ints(rng, 4, 1, 100_000))],
    ),
    FunctionTemplate(
        name="power_sum",
        args="n",
        doc="Return 1**{k} + 2**{k} + ... + n**{k}, the sum of i**{k} for i from 1 to n (0 when n < 1).",
        body="return sum(i ** {k} for i in range(1, n + 1))",
        wrong="return sum(i ** {k} for i in range(1, n))",
        parameters=lambda rng: {"k": rng.randint(1, 4)},
        inputs=lambda rng, p: [(0,), (1,), *((n,) for n in _ints(rng, 4, 2, 30))],
    ),
    FunctionTemplate(
        name="count_above",
        args="numbers",
        doc="Return how many numbers in the list are greater than {t}.",
        body="return sum(1 for x in numbers if x > {t})",
        wrong="return sum(1 for x in numbers if x >= {t})",
        parameters=lambda rng: {"t": rng.randint(-5, 20)},
        inputs=lambda rng, p: [([],), ([p["t"], p["t"] + 1],), *((_ints(rng, 6, -10, 30),) for _ in range(4))],
    ),
    FunctionTemplate(
        name="rotate_left",
        args="items",
        doc="Return a new list: items rotated left by {k} places, wrapping around for lists shorter than {k}.",
        body="""
            if not items:
                return []
            shift = {k} % len(items)
            return items[shift:] + items[:shift]
        """,
        wrong="""
            if not items:
                return []
            return items[{k}:] + items[:{k}]
        """,
        parameters=lambda rng: {"k": rng.randint(3, 6)},
        inputs=lambda rng, p: [
            ([],),
            (list(range(1, p["k"])),),  # shorter than k: the shift wraps
            *((_ints(rng, rng.randint(1, 9), 0, 9),) for _ in range(4)),
        ],
    ),
    FunctionTemplate(
        name="running_total",
        args="numbers",
        doc="Return the running sums starting from {s}: element i is {s} + numbers[0] + ... + numbers[i].",
        body="""
            total = {s}
            sums = []
            for x in numbers:
                total += x
                sums.append(total)
            return sums
        """,
        wrong="""
            total = {s}
            sums = []
            for x in numbers:
                sums.append(total)
                total += x
            return sums
        """,
        parameters=lambda rng: {"s": rng.randint(-10, 10)},
        inputs=lambda rng, p: [([],), ([rng.randint(1, 9)],), *((_ints(rng, 5, -9, 9),) for _ in range(4))],
    ),
    FunctionTemplate(
        name="sequence_term",
        args="n",
        doc="Return term n (n >= 0) of the sequence that starts at {a}, each term {m} times the previous plus {c}.",
        body="""
            term = {a}
            for _ in range(n):
                term = {m} * term + {c}
            return term
        """,
        wrong="""
            term = {a}
            for _ in range(n - 1):
                term = {m} * term + {c}
            return term
        """,
        parameters=lambda rng: {"a": rng.randint(1, 5), "m": rng.randint(2, 4), "c": rng.randint(1, 7)},
        inputs=lambda rng, p: [(0,), (1,), *((n,) for n in _ints(rng, 4, 2, 12))],
    ),
    FunctionTemplate(
        name="neighbour_gaps",
        args="numbers",
        doc="Return the differences of neighbours times {m}: [{m} * (numbers[1] - numbers[0]), ...].",
        body="return [{m} * (b - a) for a, b in zip(numbers, numbers[1:])]",
        wrong="return [{m} * (a - b) for a, b in zip(numbers, numbers[1:])]",
        parameters=lambda rng: {"m": rng.randint(1, 5)},
        inputs=lambda rng, p: [([],), ([3],), ([1, 4],), *((_ints(rng, 5, -20, 20),) for _ in range(3))],
    ),
    FunctionTemplate(
        name="divisible_not",
        args="n",
        doc="Return True when the integer n is divisible by {a} but not by {b}, else False.",
        body="return n % {a} == 0 and n % {b} != 0",
        wrong="return n % {a} == 0 or n % {b} != 0",
        parameters=lambda rng: {"a": (a := rng.randint(2, 6)), "b": a * rng.randint(2, 4)},
        inputs=lambda rng, p: [(p["a"],), (p["b"],), (p["a"] + 1,), *((n,) for n in _ints(rng, 3, 1, 100))],
    ),
)

STRING_TEMPLATES = (
    FunctionTemplate(
        name="initials",
        args="name",
        doc="Return the upper-case first letters of the words of name, joined by {sep!r}.",
        body="return {sep!r}.join(word[0].upper() for word in name.split())",
        wrong="return name[:1].upper()",
        parameters=lambda rng: {"sep": rng.choice((".", "", "-", " "))},
        inputs=lambda rng, p: [
            ("",),
            ("ada lovelace",),
            *((" ".join(_word(rng) for _ in range(rng.randint(1, 4))),) for _ in range(4)),
        ],
    ),
    FunctionTemplate(
        name="run_length",
        args="text",
        doc="Encode each run of equal characters as {order}: 'aaab' becomes {example!r}.",
        body="""
            out = []
            i = 0
            while i < len(text):
                j = i
                while j < len(text) and text[j] == text[i]:
                    j += 1
                out.append({piece})
                i = j
            return "".join(out)
        """,
        wrong="return text",
        parameters=lambda rng: rng.choice(
            (
                {"order": "the character then its count", "example": "a3b1", "piece": "text[i] + str(j - i)"},
                {"order": "its count then the character", "example": "3a1b", "piece": "str(j - i) + text[i]"},
            )
        ),
        inputs=lambda rng, p: [
            ("",),
            *(("".join(rng.choice("xyz") * rng.randint(1, 4) for _ in range(4)),) for _ in range(5)),
        ],
    ),
    FunctionTemplate(
        name="caesar_shift",
        args="text",
        doc="Shift each lower-case letter {k} places forward in the alphabet, z wrapping to a; the rest stays.",
        body="""
            return "".join(
                chr((ord(c) - ord("a") + {k}) % 26 + ord("a")) if "a" <= c <= "z" else c for c in text
            )
        """,
        wrong="return text",
        parameters=lambda rng: {"k": rng.randint(1, 25)},
        inputs=lambda rng, p: [("",), ("Zz 9!",), *((f"{_word(rng)} {_word(rng)}",) for _ in range(4))],
    ),
    FunctionTemplate(
        name="split_camel",
        args="name",
        doc="Put {sep!r} before every upper-case letter of name but the first character, then lower-case it all.",
        body="""
            return "".join(({sep!r} + c if c.isupper() and i else c) for i, c in enumerate(name)).lower()
        """,
        wrong="return name.lower()",
        parameters=lambda rng: {"sep": rng.choice(("_", "-", "."))},
        inputs=lambda rng, p: [
            ("",),
            ("x",),
            *(("".join(_word(rng).capitalize() for _ in range(rng.randint(2, 3))),) for _ in range(4)),
        ],
    ),
    FunctionTemplate(
        name="mask_tail",
        args="text",
        doc="Return text with every character but the last {k} replaced by {c!r}; texts of {k} or fewer stay.",
        body="return {c!r} * max(len(text) - {k}, 0) + text[-{k}:] if text else text",
        wrong="return text",
        parameters=lambda rng: {"k": rng.randint(2, 5), "c": rng.choice("*#x")},
        inputs=lambda rng, p: [
            ("",),
            ("ab",),
            *(("".join(map(str, _ints(rng, rng.randint(6, 12), 0, 9))),) for _ in range(4)),
        ],
    ),
    FunctionTemplate(
        name="unique_in_order",
        args="items",
        doc="Return the items without repeats, each kept where it first occurs{detail}.",
        body="""
            seen = set()
            kept = []
            for item in items:
                key = {key}
                if key not in seen:
                    seen.add(key)
                    kept.append(item)
            return kept
        """,
        wrong="return sorted(set(items))",
        parameters=lambda rng: rng.choice(
            (
                {"detail": "", "key": "item"},
                {"detail": " (words that differ only in case are repeats)", "key": "item.lower()"},
            )
        ),
        inputs=lambda rng, p: [
            ([],),
            (["b", "a", "b"],),
            *(([rng.choice(("b", "a", "B", "c", "A")) for _ in range(rng.randint(3, 7))],) for _ in range(4)),
        ],
    ),
    FunctionTemplate(
        name="squeeze_spaces",
        args="text",
        doc="Return text with every run of spaces replaced by one {c!r} and no spaces at either end.",
        body="return {c!r}.join(part for part in text.split(' ') if part)",
        wrong="return text.strip()",
        parameters=lambda rng: {"c": rng.choice((" ", "_", "+"))},
        inputs=lambda rng, p: [
            ("",),
            (" to  be ",),
            *(
                (" " * rng.randint(0, 2) + (" " * rng.randint(1, 3)).join(_word(rng) for _ in range(3)),)
                for _ in range(4)
            ),
        ],
    ),
    FunctionTemplate(
        name="parse_pairs",
        args="text",
        doc="Parse 'a=1{sep}b=2' into a dict of names to ints; an empty text gives an empty dict.",
        body="""
            pairs = [part.split("=") for part in text.split({sep!r}) if part]
            return dict((key.strip(), int(value)) for key, value in pairs)
        """,
        wrong="return dict()",
        parameters=lambda rng: {"sep": rng.choice((";", ",", "&"))},
        inputs=lambda rng, p: [
            ("",),
            *(
                (p["sep"].join(f"{_word(rng)}={rng.randint(0, 99)}" for _ in range(rng.randint(1, 4))),)
                for _ in range(5)
            ),
        ],
    ),
)


def _run_reference(source: str, name: str) -> Callable[..., Any]:
    """The function ``name`` of the template's own reference source (never a model's reply)."""
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<reference {name}>", "exec"), namespace)  # the generator's own template, never a reply
    function: Callable[..., Any] = namespace[name]
    return function


def _cases(template: FunctionTemplate, rng: random.Random) -> tuple[dict[str, Any], list[tuple[tuple[Any, ...], Any]]]:
    values = template.parameters(rng)
    reference = _run_reference(template.source(values, template.body), template.name)
    return values, [(args, reference(*args)) for args in template.inputs(rng, values)]


def _label(name: str, args: tuple[Any, ...], expected: Any) -> str:
    return f"{name}({', '.join(map(repr, args))}) == {expected!r}"


def _function_task(family: str, template: FunctionTemplate, rng: random.Random) -> dict[str, Any]:
    values, cases = _cases(template, rng)
    signature = f"{template.name}({template.args})"
    doc = template.doc.format(**values)
    reference = template.source(values, template.body)
    example = f"For example {_label(template.name, *cases[-1])}. The score is the fraction of checks that pass."
    if family == "docstring":
        program = template.source(values, "raise NotImplementedError")
        goal = f"Implement {signature} in main.py as its docstring says: {doc} {example}"
    elif family == "repair":
        program = template.source(values, template.wrong)
        asserts = ", ".join(_label(template.name, args, expected) for args, expected in cases)
        goal = f"Fix {template.name} in main.py so that every check passes: {asserts}."
    else:
        program = template.source(values, template.wrong)
        goal = f"Make {signature} in main.py do what its docstring says: {doc} {example}"
    return {
        "function": template.name,
        "goal": goal,
        "program": program,
        "reference": reference,
        "data": f"CASES = {cases!r}",
        "score": CASES_SCORE,
        "direction": Direction.MAXIMIZE,
        "threshold": 1.0,
    }


# --- constants: fit a curve to measured points ---------------------------------------------------------------


@dataclass(frozen=True)
class Curve:
    """A curve ``formula`` in x with constants to fit, the names it may go by and where it is measured."""

    names: tuple[str, ...]
    formula: str  # a Python expression of x and the constants, ``math`` imported
    constants: Callable[[random.Random], dict[str, float]]  # nonzero: all-zero constants (the start) fit badly
    xs: tuple[float, ...]


def _nonzero(rng: random.Random, low: float, high: float) -> float:
    value = 0.0
    while abs(value) < 0.3:
        value = round(rng.uniform(low, high), 2)
    return value


CURVES = (
    Curve(
        ("trend", "line_fit"),
        "A * x + B",
        lambda r: {"A": _nonzero(r, -4, 4), "B": _nonzero(r, -5, 5)},
        (0, 1, 2, 3, 4, 5),
    ),
    Curve(
        ("parabola", "trajectory"),
        "A * x ** 2 + B * x + C",
        lambda r: {"A": _nonzero(r, -2, 2), "B": _nonzero(r, -3, 3), "C": _nonzero(r, -5, 5)},
        (-2, -1, 0, 1, 2, 3),
    ),
    Curve(
        ("decay", "cooling"),
        "A * math.exp(-B * x)",
        lambda r: {"A": _nonzero(r, 1, 10), "B": _nonzero(r, 0.3, 1.5)},
        (0, 0.5, 1, 2, 3, 4),
    ),
    Curve(
        ("wave", "oscillation"),
        "A * math.sin(B * x) + C",
        lambda r: {"A": _nonzero(r, 0.5, 3), "B": _nonzero(r, 0.5, 2), "C": _nonzero(r, -2, 2)},
        (0, 0.5, 1, 1.5, 2, 2.5, 3),
    ),
    Curve(
        ("power_law", "scaling"),
        "A * x ** B",
        lambda r: {"A": _nonzero(r, 0.5, 4), "B": _nonzero(r, 0.5, 2.5)},
        (1, 2, 3, 4, 5, 6),
    ),
    Curve(
        ("logistic", "growth"),
        "A / (1 + math.exp(-B * (x - C)))",
        lambda r: {"A": _nonzero(r, 2, 10), "B": _nonzero(r, 0.5, 2), "C": _nonzero(r, 1, 4)},
        (0, 1, 2, 3, 4, 5, 6),
    ),
)


def _curve_program(name: str, formula: str, constants: dict[str, float]) -> str:
    assignments = "".join(f"{key} = {value!r}\n" for key, value in constants.items())
    return f'import math\n\n{assignments}\n\ndef {name}(x):\n    """Return {formula}."""\n    return {formula}\n'


def _constants_task(curve: Curve, rng: random.Random) -> dict[str, Any]:
    name = rng.choice(curve.names)
    constants = curve.constants(rng)
    reference = _curve_program(name, curve.formula, constants)
    fitted = _run_reference(reference, name)
    points = [(x, round(float(fitted(x)), 4)) for x in curve.xs]
    ys = [y for _, y in points]
    mean = sum(ys) / len(ys)
    threshold = float(f"{0.01 * sum((y - mean) ** 2 for y in ys) / len(ys):.3g}")  # 1% of the points' variance
    keys = list(constants)
    listed = ", ".join(keys[:-1]) + f" and {keys[-1]}"
    measured = ", ".join(f"({x:g}, {y:g})" for x, y in points)
    goal = (
        f"Set the constants {listed} in main.py so that {name}(x) = {curve.formula} fits the measured points "
        f"(x, y): {measured}. The score is the mean squared error over the points: lower is better; "
        f"{threshold:g} or less solves the task."
    )
    return {
        "function": name,
        "goal": goal,
        "program": _curve_program(name, curve.formula, dict.fromkeys(keys, 0.0)),
        "reference": reference,
        "data": f"POINTS = {points!r}",
        "score": POINTS_SCORE,
        "direction": Direction.MINIMIZE,
        "threshold": threshold,
    }


# --- the generator --------------------------------------------------------------------------------------------

FAMILIES: dict[str, Callable[[random.Random], dict[str, Any]]] = {
    "docstring": lambda rng: _function_task("docstring", rng.choice(NUMERIC_TEMPLATES), rng),
    "repair": lambda rng: _function_task("repair", rng.choice(NUMERIC_TEMPLATES), rng),
    "constants": lambda rng: _constants_task(rng.choice(CURVES), rng),
    "strings": lambda rng: _function_task("strings", rng.choice(STRING_TEMPLATES), rng),
}


def generate(count: int, seed: int = 0, families: Sequence[str] = tuple(FAMILIES)) -> list[PracticeTask]:
    """``count`` verified practice tasks with distinct goals, the families taken in turn; the same for a seed."""
    check_request(count, families)
    rng = random.Random(seed)
    goals: set[str] = set()
    tasks = []
    for index in range(count):
        family = families[index % len(families)]
        for _ in range(MAX_DRAWS):
            drawn = FAMILIES[family](rng)
            if drawn["goal"] not in goals:
                break
        else:
            raise ConfigError(
                f"--count {count}: the {family} family ran out of distinct goals after {len(goals)} tasks: "
                "give a smaller count"
            )
        goals.add(drawn["goal"])
        task = build_task(f"{index:03d}-{family}-{drawn['function']}", family, drawn)
        verify(task)
        tasks.append(task)
    return tasks


def check_request(count: int, families: Sequence[str]) -> None:
    """Refuse, naming the option, a count below 1 or a family that is not one."""
    if count < 1:
        raise ConfigError(f"--count {count} is below 1: give how many practice tasks to write, 1 or more")
    unknown = [family for family in families if family not in FAMILIES]
    if unknown or not families:
        allowed = ", ".join(FAMILIES)
        raise ConfigError(f"--family {', '.join(unknown) or '(none)'} is not a family: give some of {allowed}")


def build_task(name: str, family: str, drawn: dict[str, Any]) -> PracticeTask:
    """The task named ``name`` from what a family drew; a template that copies the suite is refused."""
    if drawn["function"] in SUITE_NAMES or normalized_goal(drawn["goal"]) in _SUITE_GOALS_NORMALIZED:
        raise AssertionError(f"practice task {name} uses the search-efficiency suite's {drawn['function']!r}")
    checks = HARNESS.format(name=name, function=drawn["function"], data=drawn["data"], score=drawn["score"])
    fields = {key: drawn[key] for key in ("function", "goal", "program", "reference", "direction", "threshold")}
    return PracticeTask(name=name, family=family, checks=checks, **fields)


def score_of(task: PracticeTask, program: str) -> float | None:
    """The score ``task``'s checks give ``program``, run in a real subprocess; None when none was printed."""
    with tempfile.TemporaryDirectory(prefix="tinkerer-practice-") as folder:
        root = Path(folder)
        (root / "main.py").write_text(program, encoding="utf-8")
        (root / "checks.py").write_text(task.checks, encoding="utf-8")
        finished = run_supervised(
            [sys.executable, "checks.py", "main.py"],
            cwd=root,
            env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
            timeout_s=CHECK_TIMEOUT_S,
            merge_stderr=True,
        )
    found = re.findall(SCORE_PATTERN, finished.stdout)
    return float(found[-1]) if found else None


def verify(task: PracticeTask) -> None:
    """Raise unless the task's reference reaches its threshold and its starting program does not."""
    reference, start = score_of(task, task.reference), score_of(task, task.program)
    if not task.solved(reference):
        raise AssertionError(f"practice task {task.name}: its reference scores {reference}, not {task.threshold}")
    if task.solved(start) or (start is not None and not math.isfinite(start)):
        raise AssertionError(f"practice task {task.name}: its starting program already scores {start}")


# --- the files ------------------------------------------------------------------------------------------------

CONFIG = '''"""Practice task {name} ({family}): tinkerer evolve THIS_FILE [overrides]."""

import shlex
from pathlib import Path

HERE = Path(__file__).resolve().parent

config = {{
    "goal": {goal!r},
    "starting_repo": str(HERE / "start"),
    "command": "python " + shlex.quote(str(HERE / "checks.py")) + " main.py",
    "direction": {direction!r},
    "max_iterations": 8,
    "timeout_s": 30,
    "evaluator": "regex_pattern",
    "evaluator.pattern": {pattern!r},
    "stop_condition": "threshold",
    "stop_condition.threshold": {threshold!r},
}}
'''
GOALS_FILE = "goals.txt"


def write(tasks: Sequence[PracticeTask], out: Path) -> None:
    """One folder per task in ``out`` (``start/main.py``, ``checks.py``, ``reference.py``, ``config.py``) and
    ``goals.txt``, one goal per line."""
    for task in tasks:
        folder = out / task.name
        (folder / "start").mkdir(parents=True, exist_ok=True)
        (folder / "start" / "main.py").write_text(task.program, encoding="utf-8")
        (folder / "checks.py").write_text(task.checks, encoding="utf-8")
        (folder / "reference.py").write_text(task.reference, encoding="utf-8")
        config = CONFIG.format(
            name=task.name,
            family=task.family,
            goal=task.goal,
            direction=task.direction.value,
            pattern=SCORE_PATTERN,
            threshold=task.threshold,
        )
        (folder / "config.py").write_text(config, encoding="utf-8")
    (out / GOALS_FILE).write_text("".join(task.goal + "\n" for task in tasks), encoding="utf-8")
