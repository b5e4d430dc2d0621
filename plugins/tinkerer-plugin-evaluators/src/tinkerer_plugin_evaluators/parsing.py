"""Parsing shared by the evaluators: user regexes, numbers, and short tails of long text."""

from __future__ import annotations

import math
import re

SCORE_PATTERN = r"SCORE:\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"  # 1e+06 is a million, not 1
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
TAIL_CHARS = 600


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a user's regex (checked by its field's ``valid_regex`` rule) case-insensitively."""
    return re.compile(pattern, re.IGNORECASE)


def is_weight(value: object) -> bool:
    """Whether ``value`` is a finite number greater than 0 (a child's or a metric's weight)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def as_number(text: str | None) -> float | None:
    """``text`` as a finite float, or None."""
    try:
        number = float(text or "")
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def json_number(value: object) -> float | None:
    """A JSON value as a finite float when it is a number (not a string or boolean), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def last_match(regex: re.Pattern[str], text: str) -> tuple[str, float | None] | None:
    """The last match of ``regex`` in ``text`` and its number (first group, or whole match); None if none."""
    matches = list(regex.finditer(text))
    if not matches:
        return None
    match = matches[-1]  # programs print progress: the final value counts
    raw = match.group(1) if regex.groups else match.group(0)
    return match.group(0), as_number(raw)


def tail(text: str, chars: int = TAIL_CHARS) -> str:
    """The end of ``text``, marked when cut; ``(empty)`` for blank text."""
    text = text.rstrip()
    if not text:
        return "(empty)"
    return text if len(text) <= chars else "..." + text[-chars:]
