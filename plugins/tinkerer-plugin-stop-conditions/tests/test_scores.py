"""threshold and plateau, in both directions."""

from __future__ import annotations

import pytest

from tinkerer_core import ConfigError, Direction, StopDecision
from tinkerer_plugin_stop_conditions.scores import Threshold

MIN = Direction.MINIMIZE


# --- threshold -------------------------------------------------------------------------------


def test_threshold_maximizing_stops_on_the_best_score(create, make_state) -> None:
    condition = create("threshold", threshold=0.9)
    assert not condition.check(make_state([0.5, None, 0.89])).stop
    assert condition.check(make_state([0.5, 0.95, 0.2])) == StopDecision(
        True, "score 0.95 reached threshold 0.9 (maximize)"
    )
    assert condition.check(make_state([0.9])).stop  # reaching is enough


def test_threshold_follows_the_runs_direction(create, make_state) -> None:
    condition = create("threshold", threshold=0.12)
    assert not condition.check(make_state([0.5, 0.13], direction=MIN)).stop
    assert condition.check(make_state([0.5, 0.11, 0.3], direction=MIN)) == StopDecision(
        True, "score 0.11 reached threshold 0.12 (minimize)"
    )


@pytest.mark.parametrize("params", [{"direction": "minimize"}, {"direction": MIN}, {"maximize": False}])
def test_threshold_direction_overrides_the_runs(create, make_state, params: dict) -> None:
    condition = create("threshold", threshold=0.12, **params)
    assert condition.direction_for(make_state()) is MIN
    assert condition.check(make_state([0.5, 0.11])).stop  # the run maximizes, the threshold minimizes
    assert not condition.check(make_state([0.5, 0.9])).stop


def test_threshold_maximize_alias_true(create, make_state) -> None:
    condition = create("threshold", threshold=0.9, maximize=True)
    assert condition.check(make_state([0.95], direction=MIN)) == StopDecision(
        True, "score 0.95 reached threshold 0.9 (maximize)"
    )


def test_threshold_without_scores_never_stops(create, make_state) -> None:
    assert not create("threshold", threshold=0.0).check(make_state([None, None])).stop


def test_threshold_built_directly_converts_a_direction_string() -> None:
    assert Threshold(threshold=1.0, direction="minimize").direction is MIN


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"threshold": 0.5, "direction": "up"}, "direction must be one of maximize, minimize, got 'up'"),
        ({"threshold": float("nan")}, "threshold must be a finite number, got nan"),
        (
            {"threshold": 0.5, "direction": "minimize", "maximize": True},
            "give direction or its alias maximize, not both",
        ),
    ],
)
def test_invalid_threshold_is_a_config_error(create, params: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=f"^stop condition 'threshold': {message}$"):
        create("threshold", **params)


# --- plateau ---------------------------------------------------------------------------------


def test_plateau_waits_for_patience_experiments(create, make_state) -> None:
    condition = create("plateau", patience=3)
    assert not condition.check(make_state([0.5, 0.5])).stop
    assert condition.check(make_state([0.5, 0.5, 0.5, 0.5])) == StopDecision(
        True, "best score 0.5 not improved by more than 0.001 in the last 3 experiments (maximize)"
    )


def test_plateau_maximizing_resets_on_improvement(create, make_state) -> None:
    condition = create("plateau", patience=2, min_delta=0.1)
    assert not condition.check(make_state([0.5, 0.4, 0.7])).stop  # 0.7 beats 0.5 by more than 0.1
    assert condition.check(make_state([0.5, 0.55, 0.59])).stop  # improvements of at most min_delta do not count
    assert not condition.check(make_state([0.5, 0.3, 0.2, 0.61])).stop


def test_plateau_minimizing_counts_lower_as_better(create, make_state) -> None:
    condition = create("plateau", patience=2)
    assert not condition.check(make_state([0.5, 0.6, 0.4], direction=MIN)).stop
    assert condition.check(make_state([0.5, 0.4, 0.6, 0.9], direction=MIN)) == StopDecision(
        True, "best score 0.4 not improved by more than 0.001 in the last 2 experiments (minimize)"
    )


def test_plateau_counts_missing_scores_as_not_improving(create, make_state) -> None:
    condition = create("plateau", patience=2)
    assert condition.check(make_state([0.5, None, None])).stop
    assert not condition.check(make_state([None, None, 0.1])).stop  # the first score is an improvement
    assert condition.check(make_state([None, None])) == StopDecision(True, "no score in 2 experiments")


def test_plateau_defaults(create, make_state) -> None:
    condition = create("plateau")
    assert (condition.patience, condition.min_delta) == (5, 0.001)
    assert not condition.check(make_state([0.5, 0.5, 0.5, 0.5, 0.5])).stop  # the first score improved
    assert condition.check(make_state([0.5, 0.5, 0.5, 0.5, 0.5, 0.5])).stop


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"patience": -1}, "patience must be at least 1, got -1"),
        ({"patience": 0}, "patience must be at least 1, got 0"),
        ({"min_delta": -0.1}, "min_delta must be at least 0, got -0.1"),
    ],
)
def test_invalid_plateau_is_a_config_error(create, params: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=f"^stop condition 'plateau': {message}$"):
        create("plateau", **params)
