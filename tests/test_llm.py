"""The core LLM interface: JSON extraction as data, model switching on the run's ledger."""

from __future__ import annotations

import pytest

from tinkerer_core import LLMConfig, LLMLedger, extract_json, open_llm


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ('{"ideas": ["a"]}', {"ideas": ["a"]}),
        ('Sure!\n```json\n{"selected": [2, 3]}\n```\nDone.', {"selected": [2, 3]}),
        ('I think {not json} but then {"score": 0.5}', {"score": 0.5}),
        ("[1, 2]", [1, 2]),
    ],
)
def test_extract_json_finds_the_first_value(reply: str, expected: object) -> None:
    assert extract_json(reply) == expected


def test_extract_json_never_evaluates_code() -> None:
    with pytest.raises(ValueError, match="no JSON"):
        extract_json("__import__('os').system('echo pwned')")


@pytest.mark.needs("litellm")
def test_with_model_keeps_the_ledger_and_replaces_the_ensemble() -> None:
    pytest.importorskip("tinkerer_plugin_litellm", reason="the LLM gateway plugin is not installed")
    ledger = LLMLedger()
    config = LLMConfig(
        model="openai/gpt-4o-mini",
        ensemble=(("openai/gpt-4o-mini", 1.0), ("openai/gpt-4.1-mini", 1.0)),
        mock_responses=("ok",),
    )
    llm = open_llm(config, ledger)
    judge = llm.with_model("openai/gpt-4o")
    for seed in range(6):
        judge.complete([{"role": "user", "content": "hi"}], purpose="judge", seed=seed)
    assert {completion.model for _, completion in ledger.calls} == {"openai/gpt-4o"}
    both = llm.with_model(ensemble=("openai/gpt-4o", "openai/gpt-4.1"))
    for seed in range(12):
        both.complete([{"role": "user", "content": "hi"}], purpose="ideas", seed=seed)
    assert {completion.model for purpose, completion in ledger.calls if purpose == "ideas"} == {
        "openai/gpt-4o",
        "openai/gpt-4.1",
    }
