"""no_score, regex_pattern and multi_metric read real run output."""

from __future__ import annotations

import pytest

from tinkerer_core import ConfigError

PROGRESS = "epoch 1 SCORE: 0.41\nepoch 2 SCORE: 0.57\nepoch 3 score: 0.73\ndone\n"


def test_no_score_always_scores_zero(create, make_ctx) -> None:
    evaluation = create("no_score").evaluate(make_ctx("Accuracy: 0.99"))
    assert evaluation.score == 0.0
    assert "0" in evaluation.feedback


def test_regex_pattern_last_match_wins(create, make_ctx) -> None:
    evaluation = create("regex_pattern").evaluate(make_ctx(PROGRESS))
    assert evaluation.score == 0.73
    assert "score: 0.73" in evaluation.feedback


def test_the_default_pattern_reads_exponents(create, make_ctx) -> None:
    evaluator = create("regex_pattern")
    assert evaluator.evaluate(make_ctx("SCORE: 1e+06\n")).score == 1e6  # Python's :g format of a million
    assert evaluator.evaluate(make_ctx("SCORE: -2.5E-05\n")).score == -2.5e-05
    assert evaluator.evaluate(make_ctx("SCORE: .5\n")).score == 0.5


def test_regex_pattern_without_group_uses_the_whole_match(create, make_ctx) -> None:
    evaluation = create("regex_pattern", pattern=r"-?\d+\.\d+").evaluate(make_ctx("loss -1.5 then -0.25"))
    assert evaluation.score == -0.25


@pytest.mark.parametrize("default", [None, 0.0])
def test_regex_pattern_no_match_gives_the_default_and_the_output_tail(create, make_ctx, default) -> None:
    output = "x" * 5000 + "\nTraceback: boom"
    pattern = r"RMSE: ([\d.]+)"
    evaluation = create("regex_pattern", pattern=pattern, default_score=default).evaluate(make_ctx(output))
    assert evaluation.score == default
    assert f"pattern {pattern!r} did not match" in evaluation.feedback
    assert evaluation.feedback.endswith("Traceback: boom")
    assert len(evaluation.feedback) < 1000


def test_regex_pattern_match_that_is_not_a_number(create, make_ctx) -> None:
    evaluation = create("regex_pattern", pattern=r"SCORE: (\S+)").evaluate(make_ctx("SCORE: n/a"))
    assert evaluation.score is None
    assert "'SCORE: n/a' matched but is not a number" in evaluation.feedback


def test_regex_pattern_invalid_regex_is_a_config_error(create) -> None:
    with pytest.raises(
        ConfigError, match=r"^evaluator 'regex_pattern': pattern must be a valid regular expression, got 'SCORE: \(\['$"
    ):
        create("regex_pattern", pattern="SCORE: ([")


METRICS = {"accuracy": (r"accuracy: ([\d.]+)", 3.0), "time": (r"time: ([\d.]+)s", 1.0)}


def test_multi_metric_weighted_average_with_inverted_metric(create, make_ctx) -> None:
    output = "accuracy: 0.5\ntime: 0.9s\naccuracy: 0.8\ntime: 0.6s\n"
    evaluation = create("multi_metric", patterns=METRICS, invert=("time",)).evaluate(make_ctx(output))
    assert evaluation.score == pytest.approx((3 * 0.8 + 1 * (1 - 0.6)) / 4)
    assert evaluation.metrics == {"accuracy": 0.8, "time": 0.6}
    assert "time=0.6 (inverted)" in evaluation.feedback


def test_multi_metric_inverted_values_above_one_count_as_zero(create, make_ctx) -> None:
    evaluation = create("multi_metric", patterns=METRICS, invert=("time",)).evaluate(make_ctx("accuracy: 1.0 time: 7s"))
    assert evaluation.score == pytest.approx(0.75)


def test_multi_metric_missing_metric_is_named(create, make_ctx) -> None:
    evaluation = create("multi_metric", patterns=METRICS).evaluate(make_ctx("accuracy: 0.8\nno timing"))
    assert evaluation.score is None
    assert "metrics not found in the output: time" in evaluation.feedback
    assert evaluation.metrics == {"accuracy": 0.8}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"patterns": {}}, r"patterns must be one or more metric: \(regex, weight\) entries, .*, got \{\}"),
        (
            {"patterns": METRICS, "invert": ("speed",)},
            r"invert must be names of metrics in patterns \(accuracy, time\), got \('speed',\)",
        ),
        ({"patterns": {"a": ("a: (\\d)", 0.0)}}, "each weight a number greater than 0, got"),
        ({"patterns": {"a": ("a: (\\d", 1.0)}}, "each regex valid and each weight"),
    ],
)
def test_multi_metric_config_errors(create, params, message) -> None:
    with pytest.raises(ConfigError, match=message):
        create("multi_metric", **params)
