"""Stop conditions chosen and configured as a run config does: command-line overrides and Python values."""

from __future__ import annotations

from pathlib import Path

import chz
import pytest

from tinkerer_core import ConfigError, Direction, EvolveConfig, StopCondition, component_field
from tinkerer_core.cli import main
from tinkerer_core.config import component_values, make_config
from tinkerer_plugin_stop_conditions.composite import Composite
from tinkerer_plugin_stop_conditions.limits import MaxIterations, Never
from tinkerer_plugin_stop_conditions.scores import Threshold


@chz.chz
class RunConfig:
    """A run config reduced to its stop condition."""

    stop_condition: StopCondition = component_field("stop_condition", "never")


def test_default_is_never() -> None:
    assert isinstance(make_config(RunConfig).stop_condition, Never)


def test_cli_threshold_with_direction() -> None:
    stop = make_config(
        RunConfig,
        argv=["stop_condition=threshold", "stop_condition.threshold=0.12", "stop_condition.direction=minimize"],
    ).stop_condition
    assert isinstance(stop, Threshold)
    assert (stop.threshold, stop.direction) == (0.12, Direction.MINIMIZE)


def test_cli_threshold_with_maximize_alias() -> None:
    stop = make_config(
        RunConfig, argv=["stop_condition=threshold", "stop_condition.threshold=0.12", "stop_condition.maximize=false"]
    ).stop_condition
    assert stop.maximize is False
    assert stop.direction is None


def test_cli_max_iterations() -> None:
    stop = make_config(RunConfig, argv=["stop_condition=max_iterations", "stop_condition.max_iter=3"]).stop_condition
    assert stop == MaxIterations(max_iter=3)


def test_cli_invalid_direction_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="direction must be one of maximize, minimize, got 'sideways'"):
        make_config(
            RunConfig,
            argv=["stop_condition=threshold", "stop_condition.threshold=0.12", "stop_condition.direction=sideways"],
        )


def test_cli_invalid_patience_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="patience must be at least 1, got -2"):
        make_config(RunConfig, argv=["stop_condition=plateau", "stop_condition.patience=-2"])


def test_python_api_values_build_a_composite() -> None:
    params = {"conditions": [("threshold", {"threshold": 0.9}), ("plateau", {"patience": 5})], "mode": "any"}
    stop = make_config(RunConfig, [component_values("stop_condition", "composite", params)]).stop_condition
    assert isinstance(stop, Composite)
    assert [type(child).__name__ for child in stop.children] == ["Threshold", "Plateau"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["stop_condition=plateau", "stop_condition.min_delta=-1"],
            "stop_condition.min_delta must be at least 0, got -1.0",
        ),
        (
            ["stop_condition=composite", "stop_condition.conditions=plateau"],
            "stop_condition.conditions must be one or more (stop condition name, params) pairs like ('plateau', {'patience': 5}), "
            "got ('plateau',)",
        ),
    ],
)
def test_the_command_line_refuses_bad_values(
    argv: list[str], message: str, capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a run that wrongly started would write under ./runs
    assert main(["evolve", "goal=x", *argv]) == 2
    assert capsys.readouterr().err.strip() == f"error: {message}"


def test_a_run_config_names_the_composite_mode_and_its_closest_spelling() -> None:
    values = {
        "goal": "x",
        "stop_condition": "composite",
        "stop_condition.conditions": [["plateau", {}]],
        "stop_condition.mode": "al",
    }
    with pytest.raises(ConfigError) as raised:
        make_config(EvolveConfig, [values])
    assert str(raised.value) == "stop_condition.mode must be one of 'any', 'all', got 'al'; did you mean 'all'?"
