"""Function focus for small models: each call rewrites one function of the main file, seeing only it.

Small models copy the code they are shown. Asked to fix a two-function file, SmolLM2-135M never fixed
``double`` (``return x + 2``; 0 of 12 answers), nor when shown that function alone with its failing checks
(0 of 16), but shown only its signature and docstring it wrote a right body in 13 of 16. For ``last`` the
opposite held: 7 of 16 right with its body shown, 3 of 16 from the stub. So each
focused call picks one function (one the last run's failures name, when any do) and shows it either whole
or with its body hidden, half and half; the answer is merged back into the file by name.

The functions to choose from are those of every Python file of the program (tests left out): top-level
functions and the methods of top-level classes. A method is shown dedented, as a plain function; the
answer's function of that name is indented back into its class.
"""

from __future__ import annotations

import ast
import random
import re
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from tinkerer_plugin_litellm.python_code import (
    is_docstring,
    is_empty,
    parse,
    recurses_unconditionally,
    span,
    with_parent_docstring,
)

HIDDEN_BODY_SHARE = 0.5  # calls that show the signature and docstring only
WHOLE_FILE_SHARE = 0.25  # calls that show the whole file when no failure names a function
FAILURE_LINE = re.compile(r"fail|error|exception|assert|wrong|expected|got ", re.IGNORECASE)
PASS_LINE = re.compile(r"\s*(pass|ok)\b|traceback \(most recent call last\)", re.IGNORECASE)
# a traceback frame names its function: Python's ``File "x.py", line 3, in f``, pytest's ``x.py:3: in f``
FRAME_LINE = re.compile(r'^\s*(?:File ".*", line \d+,|\S+\.py:\d+:) in (\w+)')
EXCEPTION_LINE = re.compile(r"^(E\s|\w*(Error|Exception|Exit|Interrupt)\b)")  # pytest's detail lines start "E "
OUTPUT_LINES_SHOWN = 12
TEST_FILE = re.compile(r"(^|/)(tests?/|test_[^/]*\.py$|[^/]*_test\.py$|conftest\.py$)")
Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class Focus:
    """The function one call rewrites, as the prompt shows it."""

    name: str
    shown: str  # the whole function, or its signature and docstring when ``body_hidden`` (a method dedented)
    output: str  # the lines of the last output or error about it (else the output's tail)
    body_hidden: bool
    path: str = "main.py"  # the file it is in
    owner: str | None = None  # the class it is a method of

    @property
    def label(self) -> str:
        """``name``, or ``Class.name`` for a method."""
        return f"{self.owner}.{self.name}" if self.owner else self.name


def functions_of(files: Mapping[str, str], main_file: str) -> Iterator[tuple[str, str | None, Function]]:
    """(path, class or None, function) of every top-level function and method, the main file's first."""
    paths = [main_file, *sorted(p for p in files if p != main_file and p.endswith(".py") and not TEST_FILE.search(p))]
    for path in paths:
        tree = parse(files.get(path, ""))
        if tree is None:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield path, None, node
            elif isinstance(node, ast.ClassDef):
                for member in node.body:
                    if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        yield path, node.name, member


def choose_focus(files: Mapping[str, str], main_file: str, output: str, rng: random.Random) -> Focus | None:
    """The function or method of the program's files to rewrite next, or None for a whole-file call.

    ``output``: what the last run printed or failed with, and the evaluator's feedback. Functions that its
    failing lines or traceback frames name come first; with none named, a quarter of the calls
    go to the whole file (the fix may lie outside any function). None when no file defines a function.
    """
    functions = list(functions_of(files, main_file))
    if not functions:
        return None
    lines = output.splitlines()
    failing = [line for line in lines if FAILURE_LINE.search(line) and not PASS_LINE.match(line)]
    in_frames = {match.group(1) for line in lines if (match := FRAME_LINE.match(line))}
    named = [f for f in functions if f[2].name in in_frames or any(_mentions(line, f[2].name) for line in failing)]
    if not named and rng.random() < WHOLE_FILE_SHARE:
        return None
    path, owner, node = rng.choice(named or functions)
    hidden = rng.random() < HIDDEN_BODY_SHARE
    source = files[path].splitlines()
    shown = _stub(source, node) if hidden else _source(source, node)
    if owner:
        shown = textwrap.dedent(shown)
    about = [
        line
        for line in lines
        if (_mentions(line, node.name) and not PASS_LINE.match(line)) or EXCEPTION_LINE.match(line)
    ]
    shown_output = about or output.strip().splitlines()
    return Focus(node.name, shown, "\n".join(shown_output[-OUTPUT_LINES_SHOWN:]), hidden, path, owner)


def method_versions(answers: list[str], focus: Focus, code: str) -> tuple[list[str], bool]:
    """``code`` with the method ``focus`` names replaced by each answer's function of that name (indented into
    its class, the parent's docstring kept), one version per answer that parses (empty bodies skipped), and
    whether an answer gave the method back unchanged."""
    tree = parse(code)
    target = next(
        (
            member
            for node in (tree.body if tree else [])
            if isinstance(node, ast.ClassDef) and node.name == focus.owner
            for member in node.body
            if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)) and member.name == focus.name
        ),
        None,
    )
    if target is None:
        return [], False
    lines = code.splitlines(keepends=True)
    start, end = span(target)
    versions: list[str] = []
    repeated = False
    for answer in answers:
        candidate = _answer_function(answer, focus)
        if candidate is None or is_empty(candidate[1]) or recurses_unconditionally(candidate[1]):
            continue
        text, node = candidate
        source = with_parent_docstring(text.splitlines(keepends=True), node, lines, target)
        indented = textwrap.indent(textwrap.dedent(source), " " * target.col_offset)
        version = "".join([*lines[:start], indented, *lines[end:]])
        repeated = repeated or version == code
        if parse(version) is not None and version != code and version not in versions:
            versions.append(version)
    return versions, repeated


def _answer_function(answer: str, focus: Focus) -> tuple[str, Function] | None:
    """The answer's function named like the focus (top level, or a method of a class of the focus's name), as
    dedented source and the node parsed from it."""
    tree = parse(answer)
    if tree is None:
        return None
    lines = answer.splitlines(keepends=True)
    for node in tree.body:
        members = node.body if isinstance(node, ast.ClassDef) and node.name == focus.owner else [node]
        for member in members:
            if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)) and member.name == focus.name:
                start, end = span(member)
                text = textwrap.dedent("".join(lines[start:end]))
                parsed = parse(text)
                if parsed is not None and isinstance(parsed.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
                    return text, parsed.body[0]
    return None


def _mentions(line: str, name: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\b", line) is not None


def _source(lines: list[str], node: Function) -> str:
    start, end = span(node)
    return "\n".join(lines[start:end])


def _stub(lines: list[str], node: Function) -> str:
    """The function's decorators, signature and docstring, without its body."""
    first = node.body[0]
    if is_docstring(first):
        return "\n".join(lines[span(node)[0] : first.end_lineno or first.lineno])
    if first.lineno == node.lineno:  # a one-line ``def f(x): return x``
        return lines[node.lineno - 1][: first.col_offset].rstrip()
    return "\n".join(lines[span(node)[0] : first.lineno - 1])
