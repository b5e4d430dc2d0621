"""Function focus: which function a small model's call rewrites, and how it is shown."""

from __future__ import annotations

import random

from tinkerer_plugin_litellm.focus import choose_focus

PROGRAM = '''import functools


def double(x):
    """Return x times 2."""
    return x + 2


@functools.cache
def last(items: tuple) -> object:
    """Return the last element."""
    first = items[0]
    return first


def quiet(x): return x
'''
OUTPUT = """PASS quiet(1) == 1
FAIL last((1, 2)) == 2 (got 1)
Traceback (most recent call last):
  File "main.py", line 13, in last
IndexError: tuple index out of range
SCORE: 0.33
"""


def focuses(output: str, draws: int = 40) -> list:
    return [choose_focus({"main.py": PROGRAM}, "main.py", output, random.Random(seed)) for seed in range(draws)]


def test_the_function_the_failures_name_is_rewritten() -> None:
    chosen = focuses(OUTPUT)
    assert {focus.name for focus in chosen} == {"last"}  # never a function that passes or is not named
    assert {focus.body_hidden for focus in chosen} == {True, False}  # shown whole, and as its stub
    focus = chosen[0]
    assert focus.output.splitlines() == [
        "FAIL last((1, 2)) == 2 (got 1)",
        '  File "main.py", line 13, in last',
        "IndexError: tuple index out of range",
    ]  # only the lines about it, and the exception


def test_a_crash_names_its_function_through_the_traceback() -> None:
    crash = 'Traceback (most recent call last):\n  File "main.py", line 5, in double\nTypeError: bad operand\n'
    assert {focus.name for focus in focuses(crash)} == {"double"}
    pytest_feedback = "1/3 tests passed; not passed: test_twice\nmain.py:5: in double\n    return x + 2\nE   TypeError"
    chosen = focuses(pytest_feedback)
    assert {focus.name for focus in chosen} == {"double"}
    assert chosen[0].output == "main.py:5: in double\nE   TypeError"


def test_a_stub_hides_the_body_and_keeps_decorators_signature_and_docstring() -> None:
    hidden = next(focus for focus in focuses(OUTPUT) if focus.body_hidden)
    assert hidden.shown == '@functools.cache\ndef last(items: tuple) -> object:\n    """Return the last element."""'
    shown = next(focus for focus in focuses(OUTPUT) if not focus.body_hidden)
    assert shown.shown.endswith("    first = items[0]\n    return first")
    one_liner = next(focus for focus in focuses("FAIL quiet(1) (got 2)") if focus.name == "quiet" and focus.body_hidden)
    assert one_liner.shown == "def quiet(x):"


def test_without_named_failures_calls_spread_over_functions_and_the_whole_file() -> None:
    chosen = focuses("SCORE: 0.5", draws=80)
    names = {focus.name for focus in chosen if focus is not None}
    assert names == {"double", "last", "quiet"}
    assert 5 <= sum(focus is None for focus in chosen) <= 35  # a quarter go to the whole file
    assert next(focus for focus in chosen if focus is not None).output == "SCORE: 0.5"  # the tail, unnamed


def test_code_without_functions_or_that_does_not_parse_has_no_focus() -> None:
    assert choose_focus({"main.py": "print(1)\n"}, "main.py", OUTPUT, random.Random(0)) is None
    assert choose_focus({"main.py": "def f(:\n"}, "main.py", OUTPUT, random.Random(0)) is None
