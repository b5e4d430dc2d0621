"""Stop conditions on the scores: a threshold reached, or no more improvement."""

from __future__ import annotations

from typing import Any

import chz

from tinkerer_core import ConfigError, Direction, RunState, StopCondition, StopDecision
from tinkerer_core.validation import at_least, finite

DIRECTIONS = ", ".join(direction.value for direction in Direction)


def to_direction(value: Direction | str | None, chzself: Any = None) -> Direction | None:
    """Read ``"minimize"`` (from Python or a config file) as ``Direction.MINIMIZE``; None stays None."""
    if value is None:
        return None
    try:
        return Direction(value)
    except ValueError:
        raise ConfigError(f"direction must be one of {DIRECTIONS}, got {value!r}") from None


@chz.chz
class Threshold(StopCondition):
    """Stops once the best score reaches ``threshold`` (at or above when maximizing, at or below when minimizing)."""

    threshold: float = chz.field(validator=finite(), doc="the score to reach")
    direction: Direction | None = chz.field(
        default=None,
        converter=to_direction,
        x_type=Direction | str | None,
        doc=f"{DIRECTIONS}; None uses the run's direction",
    )
    maximize: bool | None = chz.field(default=None, doc="alias of direction: true = maximize, false = minimize")

    @chz.validate
    def _one_direction(self) -> None:
        if self.direction is not None and self.maximize is not None:
            raise ConfigError("give direction or its alias maximize, not both")

    def direction_for(self, state: RunState) -> Direction:
        """The direction this threshold is reached in: its own if given, else the run's."""
        if self.maximize is not None:
            return Direction.MAXIMIZE if self.maximize else Direction.MINIMIZE
        return self.direction or state.direction

    def check(self, state: RunState) -> StopDecision:
        direction = self.direction_for(state)
        best = direction.best(state.scores)
        if best is None or not direction.reaches(best, self.threshold):
            return StopDecision(False)
        return StopDecision(True, f"score {best:g} reached threshold {self.threshold:g} ({direction})")


@chz.chz
class Plateau(StopCondition):
    """Stops when the best score has not improved by more than ``min_delta`` over the last ``patience`` experiments.

    Experiments without a score count as not improving; before any score, the count starts at the first experiment.
    """

    patience: int = chz.field(default=5, validator=at_least(1), doc="experiments without improvement before stopping")
    min_delta: float = chz.field(default=0.001, validator=at_least(0), doc="the smallest change that is an improvement")

    def check(self, state: RunState) -> StopDecision:
        if len(state.scores) < self.patience:
            return StopDecision(False)
        direction = state.direction
        incumbent = direction.best(state.scores[: -self.patience])
        recent = direction.best(state.scores[-self.patience :])
        if direction.is_better(recent, incumbent, self.min_delta):
            return StopDecision(False)
        if incumbent is None:
            return StopDecision(True, f"no score in {len(state.scores)} experiments")
        return StopDecision(
            True,
            f"best score {incumbent:g} not improved by more than {self.min_delta:g} "
            f"in the last {self.patience} experiments ({direction})",
        )
