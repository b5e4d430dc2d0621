"""Field validators for stop-condition parameters; they raise ``ConfigError`` naming the field."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from tinkerer_core.errors import ConfigError

FieldValidator = Callable[[Any, str], None]


def _requires(ok: Callable[[float], bool], requirement: str) -> FieldValidator:
    def check(obj: Any, attr: str) -> None:
        value = getattr(obj, attr)
        if not ok(value):
            raise ConfigError(f"{attr.removeprefix('X_')} must be {requirement}, got {value!r}")

    return check


def at_least(minimum: float) -> FieldValidator:
    """The value must be ``>= minimum``."""
    return _requires(lambda value: value >= minimum, f"at least {minimum:g}")


def positive() -> FieldValidator:
    """The value must be greater than zero."""
    return _requires(lambda value: value > 0, "greater than 0")


def finite() -> FieldValidator:
    """The value must be a finite number (not NaN or infinite)."""
    return _requires(math.isfinite, "a finite number")
