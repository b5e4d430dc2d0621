"""command runs a real scoring program in the workspace and reads what it prints."""

from __future__ import annotations

import textwrap

import pytest

from tinkerer_core import ConfigError


def score_script(tmp_path, body: str) -> None:
    (tmp_path / "score.py").write_text(textwrap.dedent(body))


@pytest.mark.parametrize(
    ("body", "score", "source"),
    [
        ("print('SCORE: 0.1')\nprint('SCORE: 0.25')\nprint('done')\n", 0.25, "'SCORE: 0.25'"),
        ("import json\nprint(json.dumps({'n': 10, 'score': 0.5}, indent=2))\n", 0.5, 'JSON "score"'),
        ("print('evaluating')\nprint('{\"score\": 7, \"n\": 3}')\n", 7.0, 'JSON "score"'),
        ("print('epoch 10 rmse 0.031')\n\n", 0.031, "the last line 'epoch 10 rmse 0.031'"),
    ],
)
def test_reads_the_score_from_stdout(create, make_ctx, tmp_path, body, score, source) -> None:
    score_script(tmp_path, body)
    evaluation = create("command", command="python score.py").evaluate(make_ctx())
    assert evaluation.score == pytest.approx(score)
    assert evaluation.feedback == f"score {score:g} from {source}"


def test_arguments_and_custom_pattern(create, make_ctx, tmp_path) -> None:
    score_script(tmp_path, "import sys\nprint(f'{sys.argv[1]} = 0.42')\nprint('bye')\n")
    evaluation = create("command", command="python score.py 'val acc'", pattern=r"val acc = ([\d.]+)")
    assert evaluation.evaluate(make_ctx()).score == 0.42


def test_nonzero_exit_gives_no_score_with_stderr(create, make_ctx, tmp_path) -> None:
    score_script(tmp_path, "print('SCORE: 1')\nraise SystemExit('model file missing')\n")
    evaluation = create("command", command="python score.py").evaluate(make_ctx())
    assert evaluation.score is None
    assert evaluation.feedback == "'python score.py' exited with code 1:\nmodel file missing"


def test_no_score_printed(create, make_ctx, tmp_path) -> None:
    score_script(tmp_path, "print('all good')\n")
    evaluation = create("command", command="python score.py").evaluate(make_ctx())
    assert evaluation.score is None
    assert evaluation.feedback == "'python score.py' printed no score; stdout:\nall good"


def test_missing_program_gives_no_score(create, make_ctx) -> None:
    evaluation = create("command", command="./no-such-scorer --fast").evaluate(make_ctx())
    assert evaluation.score is None
    assert evaluation.feedback.startswith("could not start './no-such-scorer'")


def test_timeout_gives_no_score(create, make_ctx, tmp_path) -> None:
    score_script(tmp_path, "import time\ntime.sleep(30)\n")
    evaluation = create("command", command="python score.py", timeout_s=0.5).evaluate(make_ctx())
    assert evaluation.score is None
    assert evaluation.feedback == "'python score.py' timed out after 0.5 s"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"command": "  "}, "command must be non-empty, got '  '"),
        ({"command": "python 'score.py"}, "cannot be split into arguments"),
        (
            {"command": "python score.py", "pattern": "SCORE: (["},
            r"pattern must be a valid regular expression, got 'SCORE: \(\['",
        ),
        ({}, "command"),
    ],
)
def test_config_errors(create, params, message) -> None:
    with pytest.raises(ConfigError, match=message):
        create("command", **params)
