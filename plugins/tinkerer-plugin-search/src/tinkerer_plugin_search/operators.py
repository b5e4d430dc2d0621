"""Edits that need no LLM: new programs made from the ones the run already has.

``mutate_literals`` perturbs numeric constants of a parent (one to three of them, by a step whose scale is
drawn log-uniformly, so both coarse and fine moves happen): the literals inside functions and classes and
the module's constants (``NAME = 0.5``, ``SIZES = (3, 4)``), never the module's other statements (a script's
own scoring or printing code, its ``__main__`` block); after a mutation that improved on its parent,
``step_further`` takes the same step again, twice as far (a pattern move, as in Hooke and Jeeves' search);
``crossover`` takes some definitions (functions,
methods, module constants) of one parent from another. Both work on the Python files of the program (tests
left out), rewrite only the spans they change (comments and formatting stay) and return None when they have
nothing new to offer.
"""

from __future__ import annotations

import ast
import math
import random
import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TypeGuard

MUTATE_LITERALS = "mutate_literals"
CROSSOVER = "crossover"
RESTART = "restart"
FREE_OPERATORS = (MUTATE_LITERALS, CROSSOVER)  # the operators that write code themselves
OPERATORS = (*FREE_OPERATORS, RESTART)
TEST_FILE = re.compile(r"(^|/)(tests?/|test_[^/]*\.py$|[^/]*_test\.py$|conftest\.py$)")
MAX_LITERALS_CHANGED = 3
SMALLEST_STEP, LARGEST_STEP = 0.01, 1.0  # the relative step of a mutation, drawn log-uniformly between them
PATTERN_FACTOR = 2.0  # a winning mutation's step, taken again this many times as far


@dataclass(frozen=True)
class Edit:
    """New contents for some files of a parent, and what was done, as the experiment's idea."""

    files: dict[str, str]
    idea: str
    operator: str


@dataclass(frozen=True)
class Literal:
    """A numeric constant in a file: where it stands (1-based line, 0-based columns) and its value."""

    path: str
    line: int
    start: int
    end: int
    value: int | float


def _parse(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def program_files(files: Mapping[str, str]) -> dict[str, str]:
    """The Python files of a program that parse, tests left out."""
    return {path: text for path, text in files.items() if path.endswith(".py") and not TEST_FILE.search(path)}


def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of docstring nodes (their constants are text, not parameters)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _parameter_nodes(tree: ast.Module) -> Iterator[ast.AST]:
    """The parts of a module whose literals are parameters: definitions, and constants' values."""
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield statement
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
            value = statement.value
            items = value.elts if isinstance(value, (ast.Tuple, ast.List)) else [value]
            if all(_is_number(item) or _is_negative_number(item) for item in items):
                yield value


def numeric_literals(path: str, text: str) -> list[Literal]:
    """The int and float constants of ``text``'s definitions and module constants, each on one line (a leading
    minus sign included)."""
    tree = _parse(text)
    if tree is None:
        return []
    skip = _docstrings(tree)
    nodes = [node for part in _parameter_nodes(tree) for node in ast.walk(part)]
    literals: list[Literal] = []
    negated: set[int] = set()
    for node in nodes:
        if _is_negative_number(node):
            negated.add(id(node.operand))
            literals.append(_literal(path, node, -node.operand.value))  # type: ignore[attr-defined]
    for node in nodes:
        if _is_number(node) and id(node) not in negated and id(node) not in skip:
            literals.append(_literal(path, node, node.value))  # type: ignore[arg-type]  # _is_number: int or float
    return sorted((lit for lit in literals if lit.end > lit.start), key=lambda lit: (lit.path, lit.line, lit.start))


def _is_negative_number(node: ast.AST) -> TypeGuard[ast.UnaryOp]:
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and _is_number(node.operand)


def _is_number(node: ast.AST) -> TypeGuard[ast.Constant]:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float))
        and not isinstance(node.value, bool)
        and math.isfinite(node.value)
    )


def _literal(path: str, node: ast.expr, value: int | float) -> Literal:
    one_line = node.end_lineno == node.lineno and node.end_col_offset is not None
    return Literal(path, node.lineno, node.col_offset, node.end_col_offset if one_line else node.col_offset, value)  # type: ignore[arg-type]


def mutated_value(value: int | float, rng: random.Random) -> int | float:
    """A new value near ``value``: a relative step drawn log-uniformly, ints by at least 1, never the same."""
    step = math.exp(rng.uniform(math.log(SMALLEST_STEP), math.log(LARGEST_STEP)))
    if isinstance(value, int):
        delta = max(1, round(abs(value) * step))
        candidate = value + rng.choice((-1, 1)) * delta
        return candidate if value < 0 or candidate >= 0 else value + delta
    scale = abs(value) if value else 1.0
    new = value + rng.gauss(0.0, 1.0) * step * scale
    return float(f"{new:.4g}") if float(f"{new:.4g}") != value else value + step * scale


def _written(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    text = repr(float(f"{value:.6g}"))
    return text


def _replace_spans(text: str, spans: list[tuple[int, int, int, str]]) -> str:
    """``text`` with each (line, start, end, new) span replaced; spans must not overlap."""
    lines = text.splitlines(keepends=True)
    for line, start, end, new in sorted(spans, reverse=True):
        row = lines[line - 1]
        lines[line - 1] = row[:start] + new + row[end:]
    return "".join(lines)


def _name(experiment_id: int | None) -> str:
    return f"#{experiment_id}" if experiment_id is not None else "the starting code"


def mutate_literals(files: Mapping[str, str], rng: random.Random, parent_id: int | None) -> Edit | None:
    """``files`` with one to three numeric literals moved; None when the program has none."""
    literals = [lit for path, text in program_files(files).items() for lit in numeric_literals(path, text)]
    if not literals:
        return None
    count = min(len(literals), rng.choice((1, 1, 1, 2, 2, MAX_LITERALS_CHANGED)))
    chosen = sorted(rng.sample(literals, count), key=lambda lit: (lit.path, lit.line, lit.start))
    by_file: dict[str, list[tuple[int, int, int, str]]] = {}
    changes: list[str] = []
    for lit in chosen:
        new = _written(mutated_value(lit.value, rng))
        by_file.setdefault(lit.path, []).append((lit.line, lit.start, lit.end, new))
        changes.append(f"{lit.path}:{lit.line} {_written(lit.value)} -> {new}")
    edited = {path: _replace_spans(files[path], spans) for path, spans in by_file.items()}
    if any(_parse(text) is None for text in edited.values()):
        return None
    return Edit(edited, f"Mutate numeric literals of {_name(parent_id)}: {', '.join(changes)}.", MUTATE_LITERALS)


def step_further(
    files: Mapping[str, str], before: Mapping[str, str], experiment_id: int, factor: float = PATTERN_FACTOR
) -> Edit | None:
    """A pattern move: ``files`` with each numeric literal that differs from ``before`` moved on by ``factor``
    times that difference (a step that improved the score, taken further); None unless the two programs
    differ in their literals only."""
    ours = [lit for path, text in program_files(files).items() for lit in numeric_literals(path, text)]
    theirs = [lit for path, text in program_files(before).items() for lit in numeric_literals(path, text)]
    if _without_literals(files, ours) != _without_literals(before, theirs):
        return None
    by_file: dict[str, list[tuple[int, int, int, str]]] = {}
    changes: list[str] = []
    for lit, old in zip(ours, theirs, strict=True):
        if lit.value == old.value:
            continue
        moved: int | float = lit.value + factor * (lit.value - old.value)
        new = _written(round(moved) if isinstance(lit.value, int) and isinstance(old.value, int) else moved)
        by_file.setdefault(lit.path, []).append((lit.line, lit.start, lit.end, new))
        changes.append(f"{lit.path}:{lit.line} {_written(lit.value)} -> {new}")
    if not changes:
        return None
    edited = {path: _replace_spans(files[path], spans) for path, spans in by_file.items()}
    if any(_parse(text) is None for text in edited.values()):
        return None
    return Edit(edited, f"Take the step that improved #{experiment_id} further: {', '.join(changes)}.", MUTATE_LITERALS)


def _without_literals(files: Mapping[str, str], literals: list[Literal]) -> dict[str, str]:
    """The Python files with each of ``literals`` replaced by one mark: what is left when the numbers go."""
    spans: dict[str, list[tuple[int, int, int, str]]] = {}
    for lit in literals:
        spans.setdefault(lit.path, []).append((lit.line, lit.start, lit.end, "#"))
    return {path: _replace_spans(text, spans.get(path, [])) for path, text in program_files(files).items()}


def definitions(tree: ast.Module) -> Iterator[tuple[str, ast.stmt]]:
    """(qualified name, node) of the top-level functions, the methods of top-level classes and the module's
    constants (``NAME = ...`` with one target): the units crossover swaps."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node
        elif isinstance(node, ast.ClassDef):
            for member in node.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield f"{node.name}.{member.name}", member
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            yield node.targets[0].id, node


def _lines(node: ast.stmt) -> tuple[int, int]:
    """The 0-based line range of a definition, decorators included."""
    decorators = getattr(node, "decorator_list", [])
    start = min([node.lineno, *(d.lineno for d in decorators)]) - 1
    return start, node.end_lineno or node.lineno


def _indent(node: ast.stmt) -> int:
    return node.col_offset


def crossover(
    files: Mapping[str, str], donor: Mapping[str, str], rng: random.Random, parent_id: int | None, donor_id: int
) -> Edit | None:
    """``files`` with some of the definitions that differ in ``donor`` taken from it (at least one, not all);
    None when fewer than two definitions differ (the child would equal a parent)."""
    differing: list[tuple[str, str, ast.stmt, ast.stmt]] = []  # (path, name, ours, theirs)
    trees: dict[str, ast.Module] = {}
    for path, text in program_files(files).items():
        ours, theirs = _parse(text), _parse(donor.get(path, ""))
        if ours is None or theirs is None:
            continue
        trees[path] = ours
        their_defs = dict(definitions(theirs))
        for name, node in definitions(ours):
            other = their_defs.get(name)
            if other is not None and _indent(other) == _indent(node) and ast.dump(other) != ast.dump(node):
                differing.append((path, name, node, other))
    if len(differing) < 2:
        return None
    taken = rng.sample(differing, rng.randint(1, len(differing) - 1))
    edited: dict[str, str] = {}
    for path in {path for path, *_ in taken}:
        lines = files[path].splitlines(keepends=True)
        donor_lines = donor[path].splitlines(keepends=True)
        spans = sorted(((_lines(ours), _lines(theirs)) for p, _, ours, theirs in taken if p == path), reverse=True)
        for (start, end), (their_start, their_end) in spans:
            lines[start:end] = donor_lines[their_start:their_end]
        edited[path] = "".join(lines)
    if any(_parse(text) is None for text in edited.values()):
        return None
    names = ", ".join(sorted(name for _, name, *_ in taken))
    return Edit(edited, f"Cross {_name(parent_id)} with #{donor_id}: take {names} from #{donor_id}.", CROSSOVER)
