"""The composite stop condition: combines child conditions with any or all."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import chz

from tinkerer_core.components import RunState, StopCondition, StopDecision
from tinkerer_core.errors import ConfigError
from tinkerer_core.plugins import get_manager

MODES = {"any": any, "all": all}

Conditions = tuple[tuple[str, dict[str, Any]], ...]


def to_conditions(value: Sequence[Any], chzself: Any = None) -> Conditions:
    """Read a list of ``(name, params)`` pairs (lists from config files too) as a tuple of pairs."""
    if isinstance(value, str):
        raise ConfigError(f"conditions must be a list of (name, params) pairs, got {value!r}")
    return tuple(_pair(entry) for entry in value)


def _pair(entry: Any) -> tuple[str, dict[str, Any]]:
    """One ``(name, params)`` entry, checked and copied."""
    if isinstance(entry, Sequence) and len(entry) == 2:
        name, params = entry
        if isinstance(name, str) and isinstance(params, Mapping):
            return name, dict(params)
    raise ConfigError(f"conditions must be (name, params) pairs like ('plateau', {{'patience': 5}}), got {entry!r}")


@chz.chz
class Composite(StopCondition):
    """Stops when any (or all) of its child conditions would stop; children may be composites too."""

    conditions: Conditions = chz.field(
        converter=to_conditions,
        x_type=Sequence[Any],
        doc="(stop condition name, its params) for each child",
    )
    mode: str = chz.field(default="any", doc="any: stop when one child stops; all: stop when every child stops")

    @chz.validate
    def _check(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if not self.conditions:
            raise ConfigError("conditions must not be empty: give (name, params) pairs")

    @chz.init_property
    def children(self) -> tuple[StopCondition, ...]:
        manager = get_manager()
        return tuple(manager.create("stop_condition", name, params) for name, params in self.conditions)

    def check(self, state: RunState) -> StopDecision:
        decisions = [child.check(state) for child in self.children]
        if not MODES[self.mode](decision.stop for decision in decisions):
            return StopDecision(False)
        return StopDecision(True, "; ".join(decision.reason for decision in decisions if decision.stop))
