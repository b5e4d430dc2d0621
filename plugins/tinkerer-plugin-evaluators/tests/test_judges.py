"""llm_judge and llm_comparison: real gateways with scripted replies (litellm's mock_response)."""

from __future__ import annotations

import pytest

from tinkerer_core import LLM, ConfigError, LLMConfig, MissingPluginError, open_llm


@pytest.fixture
def scripted():
    """Open the installed LLM gateway with scripted replies."""
    pytest.importorskip(
        "tinkerer_plugin_litellm", reason="the LLM gateway plugin tinkerer-plugin-litellm is not installed"
    )

    def open_scripted(*replies: str) -> LLM:
        return open_llm(LLMConfig(model="openai/gpt-4o-mini", mock_responses=replies))

    return open_scripted


@pytest.mark.parametrize(
    ("reply", "score", "feedback"),
    [
        ("SCORE: 8\nFEEDBACK: fine", 0.8, "judge: 8/10. fine"),
        ("**SCORE:** 7.5/10\n**FEEDBACK:** clear,\nbut slow", 0.75, "judge: 7.5/10. clear,\nbut slow"),
        ("SCORE: 14\nFEEDBACK: generous", 1.0, "judge: 14/10. generous"),
        ("SCORE: -2", 0.0, "judge: -2/10. SCORE: -2"),
    ],
)
def test_judge_scores_are_normalized_and_clamped(create, make_ctx, scripted, reply, score, feedback) -> None:
    evaluation = create("llm_judge").evaluate(make_ctx("RMSE 0.3", llm=scripted(reply)))
    assert evaluation.score == pytest.approx(score)
    assert evaluation.feedback == feedback


def test_judge_unparsable_reply_gives_no_score(create, make_ctx, scripted) -> None:
    evaluation = create("llm_judge", scale=5).evaluate(make_ctx("out", llm=scripted("Looks great to me!")))
    assert evaluation.score is None
    assert evaluation.feedback.startswith("the judge's reply could not be parsed")
    assert "Looks great to me!" in evaluation.feedback


def test_judge_without_gateway_raises(create, make_ctx) -> None:
    with pytest.raises(MissingPluginError, match=r"'llm_judge' asks a language model.*tinkerer-plugin-litellm"):
        create("llm_judge").evaluate(make_ctx("out"))


def test_judge_scale_must_be_positive(create) -> None:
    with pytest.raises(ConfigError, match=r"^evaluator 'llm_judge': scale must be at least 1, got 0$"):
        create("llm_judge", scale=0)


@pytest.mark.parametrize(
    ("output", "score"),
    [("  hello\n  world  \n", 1.0), ("hello world!", 0.0)],
)
def test_strict_comparison_is_exact_after_normalizing_whitespace(create, make_ctx, output, score) -> None:
    evaluation = create("llm_comparison", expected="hello world", strict=True).evaluate(make_ctx(output))
    assert evaluation.score == score


def test_strict_comparison_shows_both_texts(create, make_ctx) -> None:
    evaluation = create("llm_comparison", expected="42", strict=True).evaluate(make_ctx("41"))
    assert evaluation.feedback == "the output differs from the expected output.\nExpected:\n42\nGot:\n41"


def test_comparison_without_gateway_raises(create, make_ctx) -> None:
    with pytest.raises(MissingPluginError, match="'llm_comparison' asks a language model"):
        create("llm_comparison", expected="42").evaluate(make_ctx("42"))


def test_comparison_needs_expected(create) -> None:
    with pytest.raises(ConfigError, match="expected"):
        create("llm_comparison")


def test_judge_prompt_has_criteria_goal_output_tail_and_code(create, make_ctx, tmp_path) -> None:
    (tmp_path / "main.py").write_text("print('fit')\n")
    output = "early line\n" + "." * 5000 + "\nRMSE 0.3"
    system, user = create("llm_judge", criteria="speed", scale=5, include_code=True).messages(make_ctx(output))
    assert "Criteria: speed" in system["content"] and "SCORE: <a number from 0 to 5" in system["content"]
    assert "<goal>\npredict house prices\n</goal>" in user["content"]
    assert "<command>python main.py (exit code 0)</command>" in user["content"]
    assert "RMSE 0.3\n</output>" in user["content"] and "early line" not in user["content"]
    assert "--- main.py ---\nprint('fit')" in user["content"]


def test_judge_prompt_leaves_code_out_by_default(create, make_ctx, tmp_path) -> None:
    (tmp_path / "main.py").write_text("print('fit')\n")
    _, user = create("llm_judge").messages(make_ctx("out"))
    assert "<code>" not in user["content"]


def test_comparison_rates_similarity_as_json(create, make_ctx, scripted) -> None:
    llm = scripted('Here you go: {"score": 0.75, "reason": "same number, other units"}')
    evaluation = create("llm_comparison", expected="42 km").evaluate(make_ctx("42000 m", llm=llm))
    assert evaluation.score == 0.75
    assert evaluation.feedback == "similarity 0.75: same number, other units"


def test_comparison_asks_again_after_an_invalid_rating(create, make_ctx, scripted) -> None:
    llm = scripted('{"score": 7}', '{"score": 0.5, "reason": "partly"}')
    evaluation = create("llm_comparison", expected="a b").evaluate(make_ctx("a", llm=llm))
    assert evaluation.score == 0.5


def test_comparison_unparsable_reply_gives_no_score(create, make_ctx, scripted) -> None:
    llm = scripted("They look alike.", '{"score": "high"}')
    evaluation = create("llm_comparison", expected="a").evaluate(make_ctx("a", llm=llm))
    assert evaluation.score is None
    assert evaluation.feedback.startswith("the comparison reply could not be parsed")


def test_model_override_keeps_the_runs_settings_and_ledger(create, make_ctx, scripted) -> None:
    llm = scripted("SCORE: 3\nFEEDBACK: weak")
    evaluation = create("llm_judge", model="openai/gpt-4o").evaluate(make_ctx("out", llm=llm))
    assert evaluation.score == pytest.approx(0.3)
    assert evaluation.metrics == {"judge": 3.0}
    [(purpose, completion)] = llm.ledger.calls
    assert (purpose, completion.model) == ("evaluator:llm_judge", "openai/gpt-4o")
