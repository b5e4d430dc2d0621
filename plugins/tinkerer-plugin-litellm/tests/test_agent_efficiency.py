"""llm_edit spends calls well: a seed and temperature per call, prompts within the context, failures by cause.

The model answers through a real HTTP server on 127.0.0.1 that speaks OpenAI's wire format (``openai_server``),
so the requests litellm actually sends can be read back.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tinkerer_core import AgentRequest, AgentResult, ConfigError, LLMConfig, LLMLedger, create_component, open_llm
from tinkerer_core.prompts import estimate_tokens
from tinkerer_plugin_litellm.budget import context_window, prompt_budget
from tinkerer_plugin_litellm.sampling import call_sampling

if TYPE_CHECKING:
    from conftest import MakeLLM, OpenAIServer

PARENT = "def predict(x):\n    return 0\n"
FIXED = "def predict(x):\n    return x\n"
WRONG_SEARCH = "main.py\n```python\n<<<<<<< SEARCH\n    return None\n=======\n    return x\n>>>>>>> REPLACE\n```"


def request_for(workspace: Path, llm: Any, **fields: Any) -> AgentRequest:
    """An improve request on ``workspace`` whose main.py is ``PARENT``."""
    (workspace / "main.py").write_text(PARENT)
    request = AgentRequest(
        goal="predict y from x",
        workspace=workspace,
        idea="return x",
        kind="improve",
        parent_code={"main.py": PARENT},
        seed=7,
        llm=llm,
    )
    return dataclasses.replace(request, **fields)


def implement(request: AgentRequest, **params: Any) -> AgentResult:
    return create_component("coding_agent", "llm_edit", params).implement(request)


@pytest.fixture(autouse=True)
def local_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The local server takes any key; litellm's OpenAI client wants one."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-local-server")


def served_llm(server: OpenAIServer, model: str, **config: Any) -> tuple[Any, LLMLedger]:
    """A real gateway calling ``server``."""
    ledger = LLMLedger()
    return open_llm(LLMConfig(model=model, api_base=server.url, **config), ledger), ledger


def test_every_call_gets_its_own_seed_and_temperature(openai_server: OpenAIServer, tmp_path: Path) -> None:
    openai_server.replies = [openai_server.answer(WRONG_SEARCH), openai_server.answer(f"```python\n{FIXED}```")]
    llm, _ = served_llm(openai_server, "openai/gpt-4o-mini", temperature=0.7)
    result = implement(request_for(tmp_path, llm))  # search/replace misses, the whole-file retry lands
    assert result.changed_files == ("main.py",)
    first, second = (request["body"] for request in openai_server.requests)
    assert first["seed"] != second["seed"]
    assert first["temperature"] != second["temperature"]
    assert all(0.55 <= body["temperature"] <= 0.85 for body in (first, second))
    again = call_sampling(7, ("improve", 0, 0, 0), 0.7, 0.15)
    assert (first["seed"], first["temperature"]) == again  # reproducible from the request's seed


def test_requests_on_the_same_parent_differ_in_seed(openai_server: OpenAIServer, tmp_path: Path) -> None:
    openai_server.replies = [openai_server.answer("no code")]
    llm, _ = served_llm(openai_server, "openai/gpt-4o-mini")
    for seed in (1, 2, 3):
        implement(request_for(tmp_path, llm, seed=seed), temperature_spread=0.0, edit_format="whole")
    bodies = [request["body"] for request in openai_server.requests]
    assert len({body["seed"] for body in bodies}) == 3
    assert {body["temperature"] for body in bodies} == {0.7}  # spread 0: the configured temperature


def test_a_small_models_prompt_fits_its_context(openai_server: OpenAIServer, tmp_path: Path) -> None:
    openai_server.replies = [openai_server.answer(f"```python\n{FIXED}```")]
    llm, _ = served_llm(openai_server, "openai/smollm2-135m", max_tokens=512)
    big_parent = PARENT + "".join(f"\ndef helper_{i}(x):\n    return x + {i}\n" for i in range(400))
    output = "".join(f"line {i} of a long log\n" for i in range(2000)) + "FAIL predict(3) == 3 (got 0)\n"
    request = request_for(
        tmp_path,
        llm,
        parent_code={"main.py": big_parent},
        parent_output_tail=output,
        errors=tuple(f"error {i}: " + "x" * 3000 for i in range(5)),
        knowledge_context="k" * 20_000,
    )
    (tmp_path / "main.py").write_text(big_parent)
    implement(request)
    (sent,) = openai_server.requests
    system, user = (message["content"] for message in sent["body"]["messages"])
    assert context_window("openai/smollm2-135m") == 2048  # unknown to litellm: a small model's default
    assert estimate_tokens(system) + estimate_tokens(user) <= 2048 - 512
    assert "predict y from x" in user and "def predict(x)" in user
    assert "FAIL predict(3) == 3 (got 0)" in user  # the output's tail: where the failing checks are
    assert "```python code block" in system  # one short instruction, no format rules


def test_a_strong_models_prompt_is_complete_when_it_fits(make_llm: MakeLLM, tmp_path: Path) -> None:
    llm, _ = make_llm(mock_responses=("no code",))
    budget = prompt_budget(llm, 1024, 100)
    assert budget > 100_000  # gpt-4o-mini's window is 128k
    result = implement(request_for(tmp_path, llm, errors=("first error", "second error")))
    assert "# Earlier errors on this branch (oldest first)\nfirst error\n---\nsecond error" in result.transcript


def test_an_explicit_prompt_budget_cuts_optional_sections(make_llm: MakeLLM, tmp_path: Path) -> None:
    llm, _ = make_llm(mock_responses=("no code",))
    request = request_for(tmp_path, llm, parent_output_tail="boom\n" * 500, knowledge_context="lore " * 2000)
    result = implement(request, max_prompt_tokens=300, edit_format="whole")
    user = result.transcript.split("## user\n", 1)[1].split("## assistant", 1)[0]
    assert estimate_tokens(user) <= 300
    assert "# Goal\npredict y from x" in user and "def predict(x)" in user
    assert "lore" not in user  # knowledge comes after the last result and no longer fits


def test_failures_are_noted_by_cause_in_the_ledger(make_llm: MakeLLM, tmp_path: Path) -> None:
    llm, ledger = make_llm(mock_responses=(WRONG_SEARCH, "Sorry, I cannot."))
    result = implement(request_for(tmp_path, llm))
    assert result.error == "no code in reply"
    causes = [(kind, data["cause"], data["edit_format"]) for kind, data in ledger.events]
    assert causes == [("failure", "edit_mismatch", "search_replace"), ("failure", "no_code", "whole")]


def test_a_reply_identical_to_the_parent_is_rejected_without_writing(make_llm: MakeLLM, tmp_path: Path) -> None:
    llm, ledger = make_llm(model="openai/smollm2-135m", mock_responses=(f"```python\n# unchanged\n{PARENT}```",))
    result = implement(request_for(tmp_path, llm))
    assert (result.changed_files, result.error) == ((), "reply identical to parent")
    assert (tmp_path / "main.py").read_text() == PARENT
    assert [data["cause"] for _, data in ledger.events] == ["identical"]
    assert len(ledger.calls) == 1  # whole files for a small model: nothing to fall back to


@pytest.mark.parametrize(("model", "expected"), [("openai/gpt-4-turbo", "udiff"), ("openai/gpt-4o", "search_replace")])
def test_auto_picks_the_edit_format_per_model(make_llm: MakeLLM, tmp_path: Path, model: str, expected: str) -> None:
    llm, ledger = make_llm(model=model, mock_responses=("no code", "no code"))
    implement(request_for(tmp_path, llm))
    assert ledger.events[0][1]["edit_format"] == expected


TWO_FUNCTIONS = (
    'def double(x):\n    """Return x times 2."""\n    return x * 2\n\n\ndef last(items):\n    return items[0]\n'
)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_small_model_rewrites_the_function_that_fails(openai_server: OpenAIServer, tmp_path: Path, seed: int) -> None:
    openai_server.replies = [openai_server.answer("```python\ndef last(items):\n    return items[-1]\n```\nDone.")]
    llm, _ = served_llm(openai_server, "openai/smollm2-135m")
    output = "PASS double(3) == 6\nFAIL last([1, 2]) == 2 (got 1)\nSCORE: 0.5\n"
    request = request_for(
        tmp_path,
        llm,
        parent_code={"main.py": TWO_FUNCTIONS},
        parent_output_tail=output,
        knowledge_context="Negative indexes count from the end.",
        seed=seed,
    )
    (tmp_path / "main.py").write_text(TWO_FUNCTIONS)
    result = implement(request)
    (sent,) = openai_server.requests
    system, user = (message["content"] for message in sent["body"]["messages"])
    assert system.startswith("You are a Python programmer. Reply with the function last")
    assert user.startswith("predict y from x")  # the goal, then the function alone
    assert "def last(items):" in user and "def double" not in user
    assert "FAIL last([1, 2]) == 2 (got 1)" in user and "PASS double" not in user
    assert user.endswith("Hint: Negative indexes count from the end.")
    assert result.changed_files == ("main.py",)
    assert (tmp_path / "main.py").read_text() == TWO_FUNCTIONS.replace("items[0]", "items[-1]")


def test_focus_is_chosen_per_model_or_by_config(make_llm: MakeLLM, tmp_path: Path) -> None:
    output = "FAIL last([1, 2]) == 2 (got 1)"
    strong, _ = make_llm(model="openai/gpt-4o", mock_responses=("no code",))
    request = request_for(tmp_path, strong, parent_code={"main.py": TWO_FUNCTIONS}, parent_output_tail=output)
    (tmp_path / "main.py").write_text(TWO_FUNCTIONS)
    assert "# Current files" in implement(request).transcript  # strong models see the whole file
    focused = implement(request, focus="function").transcript
    assert "Reply with the function last" in focused and "def double" not in focused
    small, _ = make_llm(model="openai/smollm2-135m", mock_responses=("no code",))
    whole = implement(dataclasses.replace(request, llm=small), focus="file").transcript
    assert "def double" in whole and "complete new main.py" in whole
    with pytest.raises(ConfigError, match="focus must be one of 'auto', 'function', 'file', got 'functions'"):
        implement(request, focus="functions")
