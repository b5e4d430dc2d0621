"""composite builds its children through the plugin manager and aggregates their scores."""

from __future__ import annotations

import json

import pytest

from tinkerer_core import ConfigError

CHILDREN = (
    ("regex_pattern", {"pattern": r"accuracy: ([\d.]+)"}, 3.0),
    ("file_json", {}, 1.0),
)


def test_weighted_average_with_each_child_in_metrics(create, make_ctx, tmp_path) -> None:
    (tmp_path / "results.json").write_text(json.dumps({"score": 0.2}))
    evaluation = create("composite", evaluators=CHILDREN).evaluate(make_ctx("accuracy: 0.6"))
    assert evaluation.score == pytest.approx((3 * 0.6 + 0.2) / 4)
    assert evaluation.metrics == {"regex_pattern": 0.6, "file_json": 0.2}
    assert evaluation.feedback.startswith("weighted_avg 0.5 over 2 of 2 scored evaluators")


def test_unscored_child_is_reported_and_left_out(create, make_ctx) -> None:
    evaluation = create("composite", evaluators=CHILDREN).evaluate(make_ctx("accuracy: 0.6"))
    assert evaluation.score == pytest.approx(0.6)
    assert "over 1 of 2 scored evaluators" in evaluation.feedback
    assert "[file_json] no score: results.json was not found" in evaluation.feedback


def test_no_child_scored_gives_no_score(create, make_ctx) -> None:
    evaluation = create("composite", evaluators=CHILDREN).evaluate(make_ctx("nothing"))
    assert evaluation.score is None
    assert evaluation.feedback.startswith("no child evaluator produced a score")


@pytest.mark.parametrize(("aggregation", "expected"), [("min", 0.2), ("max", 0.5), ("product", 0.1)])
def test_aggregations(create, make_ctx, aggregation, expected) -> None:
    children = (
        ("regex_pattern", {"pattern": r"a: ([\d.]+)"}, 1.0),
        ("regex_pattern", {"pattern": r"b: ([\d.]+)"}, 2.0),
    )
    evaluation = create("composite", evaluators=children, aggregation=aggregation).evaluate(make_ctx("a: 0.5 b: 0.2"))
    assert evaluation.score == pytest.approx(expected)
    assert evaluation.metrics == {"regex_pattern": 0.5, "regex_pattern#2": 0.2}


def test_child_metrics_are_prefixed(create, make_ctx) -> None:
    children = (("multi_metric", {"patterns": {"f1": (r"f1: ([\d.]+)", 1.0)}}, 1.0),)
    evaluation = create("composite", evaluators=children).evaluate(make_ctx("f1: 0.4"))
    assert evaluation.metrics == {"multi_metric": 0.4, "multi_metric.f1": 0.4}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"evaluators": ()}, r"evaluators must be one or more \(evaluator name, params, weight\) triples, .*got \(\)"),
        ({"evaluators": (("no_such", {}, 1.0),)}, "unknown evaluator 'no_such'; installed evaluators: .*command"),
        (
            {"evaluators": (("regex_pattern", {"pattern": "("}, 1.0),)},
            r"evaluator 'regex_pattern': pattern must be a valid regular expression, got '\('",
        ),
        ({"evaluators": (("no_score", {}, 0.0),)}, "each weight a number greater than 0, got"),
        (
            {"evaluators": CHILDREN, "aggregation": "prodcut"},
            "aggregation must be one of 'weighted_avg', 'min', 'max', 'product', got 'prodcut'; did you mean 'product'?",
        ),
    ],
)
def test_config_errors(create, params, message) -> None:
    with pytest.raises(ConfigError, match=message):
        create("composite", **params)
