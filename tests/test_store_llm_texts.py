"""The run store keeps each LLM call's text (messages and reply) with its experiment, secrets redacted, bounded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tinkerer_core import Completion, RunStore, Tinkerer
from tinkerer_core.secrets import REDACTED
from tinkerer_core.store import LLM_TEXT_CHARS, STORE_FILE

from .conftest import needs_defaults

SECRET = "hunter2-correct-horse-battery"
KEY = "sk-live0123456789abcdef"
REPLY = f"Here it is.\n\nmain.py\n```python\n# {KEY}\nprint('SCORE:', 0.7)\n```\n"


def evolve_once(goal: str = "print a good score") -> Path:
    """One real evolve run in ``./run``: the llm_edit agent gets ``REPLY`` from litellm's offline mock."""
    solution = Tinkerer().evolve(
        goal=goal,
        coding_agent="llm_edit",
        evaluator="regex_pattern",
        max_iterations=1,
        run_dir="run",
        timeout_s=20.0,
        llm_params={"model": "openai/gpt-4o-mini", "mock_responses": (REPLY,)},
    )
    return solution.run_dir


@needs_defaults
def test_each_call_is_stored_with_its_messages_reply_and_experiment_secrets_redacted(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SERVICE_TOKEN", SECRET)
    run_dir = evolve_once(f"print a good score (the service password is {SECRET})")
    calls = RunStore(run_dir).llm_calls(texts=True)
    (agent,) = [call for call in calls if call["purpose"] == "agent:llm_edit"]
    assert agent["experiment_id"] == 1
    assert [message["role"] for message in agent["messages"]] == ["system", "user"]
    assert f"the service password is {REDACTED}" in agent["messages"][1]["content"]
    assert agent["reply"] == REPLY.replace(KEY, REDACTED)
    assert agent["truncated"] is False
    for call in calls:  # the search strategy's calls too
        assert call["messages"] and call["reply"]
        assert SECRET not in repr(call) and KEY not in repr(call)


def test_a_call_longer_than_the_limit_is_cut_and_marked(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    long_prompt = ({"role": "system", "content": "s" * 1000}, {"role": "user", "content": "u" * LLM_TEXT_CHARS})
    store.record_llm_call("agent:x", Completion(text="reply", model="m", messages=long_prompt), None)
    store.record_llm_call("agent:x", Completion(text="short", model="m", messages=long_prompt[:1]), None)
    cut, whole = store.llm_calls(texts=True)
    assert cut["truncated"] is True
    assert [len(message["content"]) for message in cut["messages"]] == [1000, LLM_TEXT_CHARS - 1000]
    assert cut["reply"] == ""
    assert whole["truncated"] is False
    assert whole["messages"] == [{"role": "system", "content": "s" * 1000}] and whole["reply"] == "short"


@needs_defaults
def test_a_store_from_before_texts_were_kept_opens_and_keeps_texts_from_then_on(workdir: Path) -> None:
    run_dir = evolve_once()
    with sqlite3.connect(run_dir / STORE_FILE) as db:  # the store as an earlier Tinkerer wrote it
        db.execute("DROP TABLE llm_texts")
    store = RunStore(run_dir)
    old = store.llm_calls(texts=True)
    assert old and all(call["messages"] is None and call["reply"] is None for call in old)
    assert store.llm_calls() == [{key: call[key] for key in store.llm_calls()[0]} for call in old]
    store.record_llm_call("judge", Completion(text="fine", model="m", messages=({"role": "user", "content": "?"},)))
    assert store.llm_calls(texts=True)[-1]["reply"] == "fine"
