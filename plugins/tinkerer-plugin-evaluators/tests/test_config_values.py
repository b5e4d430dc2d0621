"""Bad evaluator settings are refused before a run starts, naming the field, the value and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinkerer_core import ConfigError, EvolveConfig
from tinkerer_core.cli import main
from tinkerer_core.config import make_config


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a run that wrongly started would write under ./runs


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["evaluator=command", "evaluator.command=python score.py", "evaluator.timeout_s=0"],
            "evaluator.timeout_s must be greater than 0, got 0.0",
        ),
        (["evaluator=command", "evaluator.command= "], "evaluator.command must be non-empty, got ' '"),
        (
            ["evaluator=regex_pattern", "evaluator.pattern=SCORE: (["],
            "evaluator.pattern must be a valid regular expression, got 'SCORE: (['",
        ),
        (
            ["evaluator=file_json", "evaluator.default_score=nan"],
            "evaluator.default_score must be a finite number, got nan",
        ),
        (
            ["evaluator=file_json", "evaluator.filename=../results.json"],
            "evaluator.filename must be a path inside the workspace, like results.json, got '../results.json'",
        ),
        (["evaluator=llm_judge", "evaluator.scale=0"], "evaluator.scale must be at least 1, got 0"),
    ],
)
def test_the_command_line_refuses_bad_values(argv: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["evolve", "goal=x", *argv]) == 2
    assert capsys.readouterr().err.strip() == f"error: {message}"


def run_config(**values: object) -> EvolveConfig:
    return make_config(EvolveConfig, [{"goal": "x", **values}])


def test_a_composite_aggregation_is_checked_with_the_closest_spelling() -> None:
    children = [("no_score", {}, 1.0)]
    with pytest.raises(ConfigError) as raised:
        run_config(
            **{"evaluator": "composite", "evaluator.evaluators": children, "evaluator.aggregation": "weighted_average"}
        )
    assert str(raised.value) == (
        "evaluator.aggregation must be one of 'weighted_avg', 'min', 'max', 'product', got 'weighted_average'; "
        "did you mean 'weighted_avg'?"
    )


def test_nested_children_are_checked_for_their_shape() -> None:
    with pytest.raises(ConfigError) as raised:
        run_config(**{"evaluator": "composite", "evaluator.evaluators": [("no_score", {})]})
    assert str(raised.value) == (
        "evaluator.evaluators must be one or more (evaluator name, params, weight) triples, each weight a number "
        "greater than 0, got [('no_score', {})]"
    )


def test_nested_values_may_be_lists_as_in_a_json_config() -> None:
    composite = run_config(**{"evaluator": "composite", "evaluator.evaluators": [["no_score", {}, 2]]}).evaluator
    assert composite.evaluators == (("no_score", {}, 2.0),)
    metrics = run_config(**{"evaluator": "multi_metric", "evaluator.patterns": {"f1": [r"f1: ([\d.]+)", 1]}}).evaluator
    assert metrics.patterns == {"f1": (r"f1: ([\d.]+)", 1.0)}


def test_an_inverted_metric_must_be_one_of_the_patterns() -> None:
    with pytest.raises(ConfigError) as raised:
        run_config(
            **{
                "evaluator": "multi_metric",
                "evaluator.patterns": {"f1": ("f1: (.*)", 1.0)},
                "evaluator.invert": ("f2",),
            }
        )
    assert str(raised.value) == "evaluator.invert must be names of metrics in patterns (f1), got ('f2',)"


def test_a_dotted_score_key_has_no_empty_part() -> None:
    with pytest.raises(ConfigError) as raised:
        run_config(**{"evaluator": "file_json", "evaluator.score_key": "metrics..auc"})
    assert str(raised.value) == (
        "evaluator.score_key must be a key, or keys joined by dots (metrics.auc), none of them empty, got 'metrics..auc'"
    )
