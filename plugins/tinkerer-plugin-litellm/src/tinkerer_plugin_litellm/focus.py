"""Function focus for small models: each call rewrites one function of the main file, seeing only it.

Small models copy the code they are shown. Asked to fix a two-function file, SmolLM2-135M never fixed
``double`` (``return x + 2``; 0 of 12 answers), nor when shown that function alone with its failing checks
(0 of 16), but shown only its signature and docstring it wrote a right body in 13 of 16. For ``last`` the
opposite held: 7 of 16 right with its body shown, 3 of 16 from the stub. So each
focused call picks one function (one the last run's failures name, when any do) and shows it either whole
or with its body hidden, half and half; the answer is merged back into the file by name.
"""

from __future__ import annotations

import ast
import random
import re
from dataclasses import dataclass

from tinkerer_plugin_litellm.python_code import is_docstring, parse, span

HIDDEN_BODY_SHARE = 0.5  # calls that show the signature and docstring only
WHOLE_FILE_SHARE = 0.25  # calls that show the whole file when no failure names a function
FAILURE_LINE = re.compile(r"fail|error|exception|assert|wrong|expected|got ", re.IGNORECASE)
PASS_LINE = re.compile(r"\s*(pass|ok)\b|traceback \(most recent call last\)", re.IGNORECASE)
# a traceback frame names its function: Python's ``File "x.py", line 3, in f``, pytest's ``x.py:3: in f``
FRAME_LINE = re.compile(r'^\s*(?:File ".*", line \d+,|\S+\.py:\d+:) in (\w+)')
EXCEPTION_LINE = re.compile(r"^(E\s|\w*(Error|Exception|Exit|Interrupt)\b)")  # pytest's detail lines start "E "
OUTPUT_LINES_SHOWN = 12


@dataclass(frozen=True)
class Focus:
    """The function one call rewrites, as the prompt shows it."""

    name: str
    shown: str  # the whole function, or its signature and docstring when ``body_hidden``
    output: str  # the lines of the last output or error about it (else the output's tail)
    body_hidden: bool


def choose_focus(code: str, output: str, rng: random.Random) -> Focus | None:
    """The function of ``code`` to rewrite next, or None for a whole-file call.

    ``output``: what the last run printed or failed with, and the evaluator's feedback. Functions that its
    failing lines or traceback frames name come first; with none named, a quarter of the calls
    go to the whole file (the fix may lie outside any function). None when ``code`` defines no function.
    """
    tree = parse(code)
    if tree is None:
        return None
    functions = {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if not functions:
        return None
    lines = output.splitlines()
    failing = [line for line in lines if FAILURE_LINE.search(line) and not PASS_LINE.match(line)]
    in_frames = {match.group(1) for line in lines if (match := FRAME_LINE.match(line))}
    named = [name for name in functions if name in in_frames or any(_mentions(line, name) for line in failing)]
    if not named and rng.random() < WHOLE_FILE_SHARE:
        return None
    name = rng.choice(named or list(functions))
    hidden = rng.random() < HIDDEN_BODY_SHARE
    source, node = code.splitlines(), functions[name]
    shown = _stub(source, node) if hidden else _source(source, node)
    about = [
        line for line in lines if (_mentions(line, name) and not PASS_LINE.match(line)) or EXCEPTION_LINE.match(line)
    ]
    shown_output = about or output.strip().splitlines()
    return Focus(name, shown, "\n".join(shown_output[-OUTPUT_LINES_SHOWN:]), hidden)


def _mentions(line: str, name: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\b", line) is not None


def _source(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    start, end = span(node)
    return "\n".join(lines[start:end])


def _stub(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The function's decorators, signature and docstring, without its body."""
    first = node.body[0]
    if is_docstring(first):
        return "\n".join(lines[span(node)[0] : first.end_lineno or first.lineno])
    if first.lineno == node.lineno:  # a one-line ``def f(x): return x``
        return lines[node.lineno - 1][: first.col_offset].rstrip()
    return "\n".join(lines[span(node)[0] : first.lineno - 1])
