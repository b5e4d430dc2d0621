"""Stop conditions on budgets and counters: iterations, cost, LLM calls, time and consecutive errors."""

from __future__ import annotations

import chz

from tinkerer_core import RunState, StopCondition, StopDecision
from tinkerer_core.formatting import format_cost
from tinkerer_core.validation import at_least, positive


def _reached(value: float, limit: float, reason: str) -> StopDecision:
    """Stop with ``reason`` once ``value`` is at or past ``limit``."""
    return StopDecision(True, reason) if value >= limit else StopDecision(False)


@chz.chz
class Never(StopCondition):
    """Never stops early: the run ends at its iteration budget."""

    def check(self, state: RunState) -> StopDecision:
        return StopDecision(False)


@chz.chz
class MaxIterations(StopCondition):
    """Stops once ``max_iter`` experiments have finished."""

    max_iter: int = chz.field(validator=at_least(1), doc="experiments to finish before stopping")

    def check(self, state: RunState) -> StopDecision:
        return _reached(
            state.iteration, self.max_iter, f"{state.iteration} experiments reached max_iter {self.max_iter}"
        )


@chz.chz
class CostLimit(StopCondition):
    """Stops once the run has spent ``max_cost`` dollars."""

    max_cost: float = chz.field(validator=positive(), doc="dollars to spend before stopping")

    def check(self, state: RunState) -> StopDecision:
        reason = f"cost {format_cost(state.total_cost)} reached max_cost {format_cost(self.max_cost)}"
        return _reached(state.total_cost, self.max_cost, reason)


@chz.chz
class LLMCallLimit(StopCondition):
    """Stops once the run has made ``max_calls`` LLM calls (a budget of calls, whatever each experiment spends)."""

    max_calls: int = chz.field(validator=at_least(1), doc="LLM calls to make before stopping")

    def check(self, state: RunState) -> StopDecision:
        reason = f"{state.llm_calls} LLM calls reached max_calls {self.max_calls}"
        return _reached(state.llm_calls, self.max_calls, reason)


@chz.chz
class TimeLimit(StopCondition):
    """Stops once the run has taken ``max_seconds`` of wall-clock time."""

    max_seconds: float = chz.field(validator=positive(), doc="seconds of run time before stopping")

    def check(self, state: RunState) -> StopDecision:
        reason = f"elapsed {state.elapsed_s:.1f}s reached max_seconds {self.max_seconds:g}s"
        return _reached(state.elapsed_s, self.max_seconds, reason)


@chz.chz
class ConsecutiveErrors(StopCondition):
    """Stops after ``max_errors`` failed experiments in a row."""

    max_errors: int = chz.field(default=5, validator=at_least(1), doc="failed experiments in a row before stopping")

    def check(self, state: RunState) -> StopDecision:
        reason = f"{state.consecutive_errors} consecutive errors reached max_errors {self.max_errors}"
        return _reached(state.consecutive_errors, self.max_errors, reason)
