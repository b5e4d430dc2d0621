"""composite: any and all, nesting, and the errors of its children."""

from __future__ import annotations

import re

import pytest

from tinkerer_core import ConfigError, StopDecision

SEED_EXAMPLE = [("threshold", {"threshold": 0.9}), ("plateau", {"patience": 5})]


def test_any_stops_when_one_child_stops(create, make_state) -> None:
    condition = create("composite", conditions=SEED_EXAMPLE, mode="any")
    assert not condition.check(make_state([0.5, 0.6])).stop
    assert condition.check(make_state([0.5, 0.95])) == StopDecision(True, "score 0.95 reached threshold 0.9 (maximize)")
    assert condition.check(make_state([0.5] * 6)).reason.startswith("best score 0.5 not improved")


def test_any_is_the_default_and_combines_the_reasons(create, make_state) -> None:
    condition = create("composite", conditions=(("max_iterations", {"max_iter": 2}), ("cost_limit", {"max_cost": 1.0})))
    assert condition.mode == "any"
    assert condition.check(make_state([0.1, 0.2], total_cost=3.0)) == StopDecision(
        True, "2 experiments reached max_iter 2; cost $3.00 reached max_cost $1.00"
    )


def test_all_stops_only_when_every_child_stops(create, make_state) -> None:
    conditions = [["max_iterations", {"max_iter": 3}], ["threshold", {"threshold": 0.12, "direction": "minimize"}]]
    condition = create("composite", conditions=conditions, mode="all")
    assert not condition.check(make_state([0.5, 0.5, 0.5])).stop
    assert not condition.check(make_state([0.1])).stop
    assert condition.check(make_state([0.5, 0.1, 0.5])) == StopDecision(
        True, "3 experiments reached max_iter 3; score 0.1 reached threshold 0.12 (minimize)"
    )


def test_nested_composites(create, make_state) -> None:
    budget = (
        "composite",
        {"conditions": [("max_iterations", {"max_iter": 4}), ("time_limit", {"max_seconds": 60})], "mode": "all"},
    )
    condition = create("composite", conditions=[("threshold", {"threshold": 0.9}), budget])
    assert not condition.check(make_state([0.1] * 4, elapsed_s=10)).stop
    assert condition.check(make_state([0.1] * 4, elapsed_s=61)) == StopDecision(
        True, "4 experiments reached max_iter 4; elapsed 61.0s reached max_seconds 60s"
    )
    assert condition.check(make_state([0.91])).stop


PAIRS = re.escape("one or more (stop condition name, params) pairs like ('plateau', {'patience': 5})")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"conditions": SEED_EXAMPLE, "mode": "al"},
            "mode must be one of 'any', 'all', got 'al'; did you mean 'all'\\?",
        ),
        ({"conditions": []}, rf"conditions must be {PAIRS}, got \(\)"),
        # a string is cast as on the command line, into one malformed pair
        ({"conditions": "plateau"}, rf"conditions must be {PAIRS}, got \('plateau',\)"),
        ({"conditions": [("plateau",)]}, rf"conditions must be {PAIRS}, got \(\('plateau',\),\)"),
        ({"conditions": [("plateau", 5)]}, rf"conditions must be {PAIRS}, got \(\('plateau', 5\),\)"),
        ({"conditions": [("nope", {})]}, "unknown stop condition 'nope'; installed stop conditions: composite, .*"),
        (
            {"conditions": [("plateau", {"patience": 0})]},
            "stop condition 'plateau': patience must be at least 1, got 0",
        ),
        (
            {"conditions": [("composite", {"conditions": [("max_iterations", {"max_iter": 0})]})]},
            "stop condition 'composite': stop condition 'max_iterations': max_iter must be at least 1, got 0",
        ),
    ],
)
def test_invalid_composite_is_a_config_error(create, params: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=f"^stop condition 'composite': {message}$"):
        create("composite", **params)
