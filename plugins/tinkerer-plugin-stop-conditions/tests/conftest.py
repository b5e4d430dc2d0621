"""Builders for run states and stop conditions resolved through the plugin manager."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from tinkerer_core import Direction, RunState, StopCondition, create_component


@pytest.fixture
def create() -> Callable[..., StopCondition]:
    """Build an installed stop condition by name, as a config does."""

    def build(name: str, **params: Any) -> StopCondition:
        return create_component("stop_condition", name, params)

    return build


@pytest.fixture
def make_state() -> Callable[..., RunState]:
    """A run state after ``scores`` (one per finished experiment); other fields default to zero."""

    def make(
        scores: Sequence[float | None] = (),
        *,
        direction: Direction = Direction.MAXIMIZE,
        elapsed_s: float = 0.0,
        total_cost: float = 0.0,
        consecutive_errors: int = 0,
        llm_calls: int = 0,
    ) -> RunState:
        return RunState(
            iteration=len(scores),
            elapsed_s=elapsed_s,
            total_cost=total_cost,
            scores=list(scores),
            consecutive_errors=consecutive_errors,
            direction=direction,
            llm_calls=llm_calls,
        )

    return make
