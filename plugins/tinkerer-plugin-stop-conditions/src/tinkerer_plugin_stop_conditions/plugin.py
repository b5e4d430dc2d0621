"""Registers this distribution's stop conditions with Tinkerer."""

from __future__ import annotations

from typing import Any

from tinkerer_core import hookimpl
from tinkerer_plugin_stop_conditions.composite import Composite
from tinkerer_plugin_stop_conditions.limits import (
    ConsecutiveErrors,
    CostLimit,
    LLMCallLimit,
    MaxIterations,
    Never,
    TimeLimit,
)
from tinkerer_plugin_stop_conditions.scores import Plateau, Threshold

STOP_CONDITIONS = {
    "never": Never,
    "threshold": Threshold,
    "max_iterations": MaxIterations,
    "plateau": Plateau,
    "cost_limit": CostLimit,
    "llm_call_limit": LLMCallLimit,
    "time_limit": TimeLimit,
    "consecutive_errors": ConsecutiveErrors,
    "composite": Composite,
}


@hookimpl
def tinkerer_register_stop_conditions(register: Any) -> None:
    """Register every stop condition of this plugin under its config name."""
    for name, cls in STOP_CONDITIONS.items():
        register(name, cls)
