"""Scoring replies to held-out tasks: exact match, asserts run in a subprocess, and an installed evaluator."""

from __future__ import annotations

import pytest

from tinkerer_core import ConfigError, create_component
from tinkerer_plugin_tinker.scoring import score_reply

SQUARE = {"prompt": "Write square(x).", "tests": ["assert square(3) == 9", "assert square(-2) == 4"]}


def test_exact_match_ignores_case_and_spacing() -> None:
    assert score_reply("exact_match", {"prompt": "2+2?", "answer": "4"}, " 4.\n").score == 1.0
    assert score_reply("exact_match", {"prompt": "2+2?", "answer": "4"}, "2 + 2 = 4").score == 0.0
    assert score_reply("contains", {"prompt": "2+2?", "answer": "4"}, "2 + 2 = 4").score == 1.0


def test_python_asserts_run_the_replys_code() -> None:
    right = "Here you go:\n```python\ndef square(x):\n    return x * x\n```\nDone."
    assert score_reply("python_asserts", SQUARE, right).score == 1.0
    wrong = score_reply("python_asserts", SQUARE, "def square(x):\n    return x + x\n")
    assert wrong.score == 0.0 and "AssertionError" in wrong.feedback


def test_python_asserts_never_see_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    task = {"prompt": "leak", "tests": "import os\nassert 'OPENAI_API_KEY' not in os.environ"}
    assert score_reply("python_asserts", task, "pass").score == 1.0


def test_any_installed_evaluator_scores_the_reply() -> None:
    evaluator = create_component("evaluator", "regex_pattern", {"pattern": r"answer: (\d+)"})
    result = score_reply("evaluator", {"prompt": "How many?"}, "answer: 1", evaluator)
    assert result.score == 1.0


def test_missing_fields_and_unknown_scorers_say_what_is_needed() -> None:
    with pytest.raises(ConfigError, match="needs a 'answer' field"):
        score_reply("exact_match", {"prompt": "p"}, "x")
    with pytest.raises(ConfigError, match="choose one of: exact_match"):
        score_reply("bleu", {"prompt": "p"}, "x")
