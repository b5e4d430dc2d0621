"""The composite stop condition: combines child conditions with any or all."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import chz

from tinkerer_core import RunState, StopCondition, StopDecision, create_component
from tinkerer_core.validation import Rule, one_of

MODES = {"any": any, "all": all}

Conditions = tuple[tuple[str, dict[str, Any]], ...]


def _is_pair(entry: Any) -> bool:
    """Whether ``entry`` reads as ``(stop condition name, params)``."""
    return (
        isinstance(entry, Sequence)
        and not isinstance(entry, str)
        and len(entry) == 2
        and isinstance(entry[0], str)
        and bool(entry[0].strip())
        and isinstance(entry[1], Mapping)
    )


def _are_pairs(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str) and len(value) > 0 and all(map(_is_pair, value))


CONDITIONS = Rule("one or more (stop condition name, params) pairs like ('plateau', {'patience': 5})", test=_are_pairs)


def to_conditions(value: Any, chzself: Any = None) -> Any:
    """Pairs given as lists (config files, JSON) as tuples; anything else is left for ``CONDITIONS`` to refuse."""
    return tuple((name, dict(params)) for name, params in value) if _are_pairs(value) else value


@chz.chz
class Composite(StopCondition):
    """Stops when any (or all) of its child conditions would stop; children may be composites too."""

    conditions: Conditions = chz.field(
        converter=to_conditions,
        x_type=Sequence[Any],
        validator=CONDITIONS,
        doc="(stop condition name, its params) for each child",
    )
    mode: str = chz.field(
        default="any",
        validator=one_of(*MODES),
        doc="any: stop when one child stops; all: stop when every child stops",
    )

    @chz.init_property
    def children(self) -> tuple[StopCondition, ...]:
        return tuple(create_component("stop_condition", name, params) for name, params in self.conditions)

    def check(self, state: RunState) -> StopDecision:
        decisions = [child.check(state) for child in self.children]
        if not MODES[self.mode](decision.stop for decision in decisions):
            return StopDecision(False)
        return StopDecision(True, "; ".join(decision.reason for decision in decisions if decision.stop))
