"""Reward functions: user code named ``path/to/file.py:function`` or ``package.module:function``.

A reward is called as ``reward(completion: str, row: dict) -> float`` where ``row`` is the prompt's data row.
It is checked on the data before any training starts, so a broken reward costs seconds, not a run.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tinkerer_core import ConfigError
from tinkerer_core.validation import FieldValueError, Rule

Reward = Callable[[str, dict[str, Any]], float]


def _is_spec(spec: Any) -> bool:
    location, sep, name = str(spec).rpartition(":")
    return bool(sep and location.strip() and name.strip())


REWARD_SPEC = Rule("a function named like 'rewards.py:score' or 'package.module:score'", test=_is_spec)


def load_reward(spec: str) -> Reward:
    """Import the reward function ``spec`` names."""
    if not _is_spec(spec):
        raise FieldValueError("reward", spec, REWARD_SPEC.requirement)
    location, _, name = spec.rpartition(":")
    if location.endswith(".py"):
        file = Path(location).expanduser()
        if not file.is_file():
            raise ConfigError(f"reward file {location!r} does not exist")
        module_spec = importlib.util.spec_from_file_location(f"tinkerer_reward_{file.stem}", file)
        assert module_spec is not None and module_spec.loader is not None
        module = importlib.util.module_from_spec(module_spec)
        try:
            module_spec.loader.exec_module(module)
        except Exception as error:
            raise ConfigError(f"reward file {location} failed to import: {type(error).__name__}: {error}") from None
    else:
        try:
            module = importlib.import_module(location)
        except ImportError as error:
            raise ConfigError(f"reward module {location!r} cannot be imported: {error}") from None
    function = getattr(module, name, None)
    if not callable(function):
        raise ConfigError(f"{location} defines no function {name!r}")
    return function


def score(reward: Reward, completion: str, row: dict[str, Any]) -> float:
    """Call the reward; an exception or a non-number becomes a clear error naming the prompt."""
    try:
        value = reward(completion, row)
    except Exception as error:
        raise ConfigError(f"the reward raised {type(error).__name__}: {error} (prompt {row['prompt']!r:.80})") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"the reward must return a finite number, got {value!r} (prompt {row['prompt']!r:.80})")
    return float(value)


def validate_reward(reward: Reward, rows: list[dict[str, Any]], examples: int = 8) -> None:
    """Before training: the reward scores empty answers and, where rows carry an ``answer``, ranks it above empty."""
    checked = rows[:examples]
    empty = [score(reward, "", row) for row in checked]
    answered = [
        (score(reward, str(row["answer"]), row), blank)
        for row, blank in zip(checked, empty, strict=True)
        if "answer" in row
    ]
    if answered and not any(right > blank for right, blank in answered):
        raise ConfigError(
            "the reward gives the reference 'answer' of the first prompts no more than an empty completion; "
            "it cannot tell right from wrong, so training would learn nothing: check the reward function"
        )
