"""file_json reads a real JSON file from the workspace."""

from __future__ import annotations

import json

import pytest

from tinkerer_core import ConfigError


def test_reads_the_score_with_the_default_filename(create, make_ctx, tmp_path) -> None:
    (tmp_path / "results.json").write_text(json.dumps({"score": 0.91}))
    evaluation = create("file_json").evaluate(make_ctx())
    assert evaluation.score == 0.91
    assert "results.json:score" in evaluation.feedback


def test_dotted_key_descends_into_objects(create, make_ctx, tmp_path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "metrics.json").write_text(json.dumps({"metrics": {"auc": 0.8, "loss": 2}}))
    evaluation = create("file_json", filename="out/metrics.json", score_key="metrics.auc").evaluate(make_ctx())
    assert evaluation.score == 0.8


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "results.json was not found in the workspace"),
        ("{not json", "results.json is not readable JSON"),
        ('{"metrics": {"f1": 0.5}}', "has no key 'metrics.auc' (missing 'auc')"),
        ('{"metrics": 3}', "has no key 'metrics.auc' (missing 'auc')"),
        ('{"metrics": {"auc": "0.9"}}', "'metrics.auc' is \"0.9\", not a number"),
        ('{"metrics": {"auc": true}}', "'metrics.auc' is true, not a number"),
    ],
)
def test_missing_or_malformed_gives_no_score(create, make_ctx, tmp_path, content, message) -> None:
    if content is not None:
        (tmp_path / "results.json").write_text(content)
    evaluation = create("file_json", score_key="metrics.auc").evaluate(make_ctx())
    assert evaluation.score is None
    assert message in evaluation.feedback


def test_default_score_when_missing(create, make_ctx) -> None:
    assert create("file_json", default_score=-1.0).evaluate(make_ctx()).score == -1.0


@pytest.mark.parametrize("filename", ["../results.json", "out/../../results.json", "/etc/passwd"])
def test_paths_outside_the_workspace_are_config_errors(create, filename) -> None:
    with pytest.raises(ConfigError) as raised:
        create("file_json", filename=filename)
    assert str(raised.value) == (
        f"evaluator 'file_json': filename must be a path inside the workspace, like results.json, got {filename!r}"
    )


def test_symlink_out_of_the_workspace_gives_no_score(create, make_ctx, tmp_path_factory, tmp_path) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secret.json"
    outside.write_text(json.dumps({"score": 1.0}))
    (tmp_path / "results.json").symlink_to(outside)
    evaluation = create("file_json").evaluate(make_ctx())
    assert evaluation.score is None
    assert "points outside the workspace" in evaluation.feedback
