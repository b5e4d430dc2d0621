"""never, max_iterations, cost_limit, llm_call_limit, time_limit and consecutive_errors."""

from __future__ import annotations

import pytest

from tinkerer_core import ConfigError, StopDecision


def test_never_stops(create, make_state) -> None:
    state = make_state([None] * 50, elapsed_s=1e6, total_cost=1e6, consecutive_errors=50)
    assert create("never").check(state) == StopDecision(False)


def test_max_iterations_stops_at_max_iter(create, make_state) -> None:
    condition = create("max_iterations", max_iter=3)
    assert not condition.check(make_state([0.1, 0.2])).stop
    assert condition.check(make_state([0.1, 0.2, 0.3])) == StopDecision(True, "3 experiments reached max_iter 3")


def test_cost_limit_stops_at_max_cost(create, make_state) -> None:
    condition = create("cost_limit", max_cost=5.0)
    assert not condition.check(make_state([0.1], total_cost=4.99)).stop
    assert condition.check(make_state([0.1], total_cost=5.2)) == StopDecision(True, "cost $5.20 reached max_cost $5.00")


def test_a_sub_cent_budget_reads_with_the_digits_it_needs(create, make_state) -> None:
    condition = create("cost_limit", max_cost=0.005)
    assert not condition.check(make_state([0.1], total_cost=0.0042)).stop
    stopped = condition.check(make_state([0.1], total_cost=0.0051))
    assert stopped == StopDecision(True, "cost $0.0051 reached max_cost $0.0050")


def test_llm_call_limit_stops_at_max_calls(create, make_state) -> None:
    condition = create("llm_call_limit", max_calls=30)
    assert not condition.check(make_state([0.1] * 40, llm_calls=29)).stop
    assert condition.check(make_state([0.1] * 41, llm_calls=30)) == StopDecision(
        True, "30 LLM calls reached max_calls 30"
    )


def test_time_limit_stops_at_max_seconds(create, make_state) -> None:
    condition = create("time_limit", max_seconds=3600)
    assert not condition.check(make_state([0.1], elapsed_s=3599.9)).stop
    assert condition.check(make_state([0.1], elapsed_s=3600.25)) == StopDecision(
        True, "elapsed 3600.2s reached max_seconds 3600s"
    )


def test_consecutive_errors_defaults_to_five(create, make_state) -> None:
    condition = create("consecutive_errors")
    assert not condition.check(make_state([None] * 4, consecutive_errors=4)).stop
    assert condition.check(make_state([None] * 5, consecutive_errors=5)) == StopDecision(
        True, "5 consecutive errors reached max_errors 5"
    )


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("max_iterations", {"max_iter": 0}, "max_iter must be at least 1, got 0"),
        ("cost_limit", {"max_cost": 0.0}, "max_cost must be greater than 0, got 0.0"),
        ("time_limit", {"max_seconds": -1.0}, "max_seconds must be greater than 0, got -1.0"),
        ("consecutive_errors", {"max_errors": 0}, "max_errors must be at least 1, got 0"),
    ],
)
def test_invalid_limits_are_config_errors(create, name: str, params: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=f"^stop condition '{name}': {message}$"):
        create(name, **params)


def test_required_limit_is_a_config_error(create) -> None:
    with pytest.raises(ConfigError, match="max_iter"):
        create("max_iterations")
