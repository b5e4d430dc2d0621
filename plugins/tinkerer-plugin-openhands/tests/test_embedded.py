"""The embedded model drives OpenHands through the local model's OpenAI-compatible server: plumbing only.

A 135M model seldom calls a tool (``tinkerer-plugin-local-llm``'s tests show the server's ``tool_calls`` replies;
the stand-in tests show OpenHands acting on them): here a request with the tools offered reaches the real
server, a reply comes back, the conversation ends cleanly and the call is in the ledger.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tinkerer_core import AgentRequest, LLMConfig, LLMLedger
from tinkerer_core.gateway import LazyLLM
from tinkerer_plugin_openhands.agent import OpenHandsAgent
from tinkerer_plugin_openhands.report import PURPOSE


@pytest.mark.slow
def test_the_embedded_model_answers_openhands(
    openhands_venv: Path, make_request: Callable[..., AgentRequest], ledger: LLMLedger
) -> None:
    local_llm = pytest.importorskip("tinkerer_plugin_local_llm", reason="needs tinkerer-plugin-local-llm")
    try:
        local_llm.model_path("smollm2-135m")
    except local_llm.LocalModelError as error:
        pytest.skip(f"the embedded model is not installed: {error}")
    config = LLMConfig(model="local/smollm2-135m", max_tokens=48, temperature=0, timeout_s=300)
    agent = OpenHandsAgent(max_iterations=2, local_threads=2, tools=("file_editor",), venv=str(openhands_venv))
    result = agent.implement(make_request(llm=LazyLLM(config, ledger)))
    assert "timed out" not in result.error and "without a result" not in result.error
    shown = re.search(r"## system prompt \((\d+) characters", result.transcript)
    assert shown is not None and int(shown.group(1)) < 1000  # the compact prompt, not OpenHands' 15,000 characters
    calls = [completion for purpose, completion in ledger.calls if purpose == PURPOSE]
    assert calls and all(call.model == "openai/smollm2-135m" and not call.cost_known for call in calls)
    assert 500 < calls[0].prompt_tokens < 3000  # the compact prompt, the tools and the task reached the model
