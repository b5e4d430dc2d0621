"""The real OpenHands SDK in its own environment, against a stand-in server speaking OpenAI's wire format.

Each test scripts the model's replies (tool calls, or plain text in the SDK's prompt format) and lets the
real agent, its real tools and a real git worktree do the rest.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from openhands_helpers import git, running
from openhands_standin import StandInServer, text, tool_call

from tinkerer_core import AgentRequest, LLMLedger
from tinkerer_plugin_openhands.agent import OpenHandsAgent
from tinkerer_plugin_openhands.report import NOTHING_CHANGED, PURPOSE

pytestmark = pytest.mark.slow  # every test starts the SDK (about 5 s of imports)

MakeRequest = Callable[..., AgentRequest]
Standin = Callable[..., StandInServer]
FIXED = "def add(a, b):\n    return a + b\n"


def agent_for(server: StandInServer, venv: Path, **fields: object) -> OpenHandsAgent:
    """The agent calling ``server`` as an OpenAI-compatible model."""
    return OpenHandsAgent(model="openai/scripted", api_base=server.url, venv=str(venv), **fields)  # type: ignore[arg-type]


def failures(ledger: LLMLedger) -> list[str]:
    """The causes of the failure events the agent noted."""
    return [data["cause"] for kind, data in ledger.events if kind == "failure"]


def test_tool_call_replies_edit_the_worktree_and_every_call_is_in_the_ledger(
    openhands_venv: Path,
    standin: Standin,
    worktree: Path,
    make_request: MakeRequest,
    ledger: LLMLedger,
) -> None:
    server = standin(
        [
            tool_call("file_editor", command="view", path=str(worktree / "calc.py")),
            tool_call("file_editor", command="str_replace", path="calc.py", old_str="a - b", new_str="a + b"),
            tool_call("terminal", command="python -c 'import calc; print(calc.add(2, 3))'"),
            tool_call("finish", message="add returns the sum now"),
        ]
    )
    result = agent_for(server, openhands_venv).implement(make_request())
    assert result.error == ""
    assert result.changed_files == ("calc.py",)
    assert (worktree / "calc.py").read_text() == FIXED
    assert git(worktree, "status", "--porcelain") == " M calc.py\n"  # the engine, not the agent, commits
    assert result.summary == "openhands (openai/scripted) changed calc.py"

    first = server.requests[0]
    assert {tool["function"]["name"] for tool in first["tools"]} >= {"file_editor", "terminal", "finish"}
    user = json.dumps(first["messages"][1])
    assert "add(a, b) returns the sum of a and b" in user and str(worktree) in user
    assert len(server.requests) == 4

    calls = [completion for purpose, completion in ledger.calls if purpose == PURPOSE]
    assert len(calls) == 4
    assert all(call.model == "openai/scripted" and call.prompt_tokens > 0 for call in calls)
    assert (result.prompt_tokens, result.completion_tokens) == (
        sum(call.prompt_tokens for call in calls),
        sum(call.completion_tokens for call in calls),
    )
    assert calls[-1].text == "add returns the sum now"
    assert "-> terminal" in result.transcript and "\n5\n" in result.transcript  # the terminal ran the fixed code
    assert server.api_key not in result.transcript


def test_prompt_mode_parses_plain_text_function_calls(
    openhands_venv: Path, standin: Standin, worktree: Path, make_request: MakeRequest
) -> None:
    edit = (
        "I will fix the sign.\n<function=file_editor>\n<parameter=command>str_replace</parameter>\n"
        f"<parameter=path>{worktree / 'calc.py'}</parameter>\n<parameter=old_str>a - b</parameter>\n"
        "<parameter=new_str>a + b</parameter>\n</function>"
    )
    server = standin([text(edit), text("The sign is fixed.")])
    result = agent_for(server, openhands_venv, function_calling="prompt").implement(make_request())
    assert result.changed_files == ("calc.py",)
    assert (worktree / "calc.py").read_text() == FIXED
    first = server.requests[0]
    assert not first.get("tools")  # the tools travel in the prompt instead
    assert "<function=" in json.dumps(first["messages"][0])
    assert "-> file_editor" in result.transcript


def test_writes_outside_the_worktree_are_refused_and_secrets_hidden_from_the_terminal(
    openhands_venv: Path,
    standin: Standin,
    worktree: Path,
    tmp_path: Path,
    make_request: MakeRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-very-secret-value")
    outside = tmp_path / "outside"
    outside.mkdir()
    server = standin(
        [
            tool_call("file_editor", command="create", path=str(outside / "editor.py"), file_text="x = 1\n"),
            tool_call("file_editor", command="create", path="../outside/relative.py", file_text="x = 1\n"),
            tool_call("terminal", command=f"echo shell > {outside}/shell.txt; echo token=[$MY_SERVICE_TOKEN]"),
            tool_call("file_editor", command="create", path="notes.md", file_text="inside\n"),
            tool_call("finish", message="done"),
        ]
    )
    result = agent_for(server, openhands_venv).implement(make_request())
    assert list(outside.iterdir()) == []
    assert result.changed_files == ("notes.md",)
    assert result.transcript.count("is outside the workspace") == 2
    assert "token=[]" in result.transcript
    if "writes confined: landlock" in result.transcript:
        assert "shell.txt: Permission denied" in result.transcript


def test_a_reply_that_changes_nothing_is_a_failure_with_its_cause(
    openhands_venv: Path, standin: Standin, make_request: MakeRequest, ledger: LLMLedger
) -> None:
    server = standin([text("The code looks right to me.")])
    result = agent_for(server, openhands_venv).implement(make_request())
    assert (result.error, result.changed_files) == (NOTHING_CHANGED, ())
    assert failures(ledger) == ["no_change"]
    assert "The code looks right to me." in result.transcript


def test_the_iteration_limit_stops_the_agent(
    openhands_venv: Path, standin: Standin, worktree: Path, make_request: MakeRequest, ledger: LLMLedger
) -> None:
    server = standin([tool_call("file_editor", command="view", path=str(worktree))] * 3)
    result = agent_for(server, openhands_venv, max_iterations=2).implement(make_request())
    assert result.error.startswith("openhands stopped without finishing: Agent reached maximum iterations")
    assert failures(ledger) == ["max_iterations"]
    assert len(server.requests) == 2


def test_a_refused_api_key_is_an_llm_error(
    openhands_venv: Path,
    standin: Standin,
    make_request: MakeRequest,
    ledger: LLMLedger,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = standin([text("never sent")])
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong-key-000000")  # the stand-in answers 401, as OpenAI does
    result = agent_for(server, openhands_venv).implement(make_request())
    assert result.error.startswith("openhands failed: LLMAuthenticationError")
    assert failures(ledger) == ["llm_error"]
    assert "sk-wrong-key-000000" not in result.transcript + result.error


def test_the_compact_prompt_is_short(openhands_venv: Path, standin: Standin, make_request: MakeRequest) -> None:
    server = standin([text("Nothing to do.")])
    agent_for(server, openhands_venv, prompt="compact").implement(make_request())
    [first] = server.requests
    assert len(json.dumps(first["messages"][0])) < 1000  # OpenHands' own system prompt has 15,000 characters
    manuals = {tool["function"]["name"]: tool["function"]["description"] for tool in first["tools"]}
    assert len(manuals["file_editor"]) <= 300 and len(manuals["terminal"]) <= 300


def test_a_timeout_ends_the_driver_and_every_process_its_tools_started(
    openhands_venv: Path, standin: Standin, worktree: Path, make_request: MakeRequest, ledger: LLMLedger
) -> None:
    pid_file = worktree / "sleeper.pid"
    server = standin([tool_call("terminal", command=f"sleep 300 & echo $! > {pid_file}; sleep 300")])
    result = agent_for(server, openhands_venv, timeout_s=20).implement(make_request())
    assert result.error == "openhands timed out after 20 s; its processes were ended"
    assert failures(ledger) == ["timeout"]
    assert not running(int(pid_file.read_text()))


@pytest.mark.skipif(
    not os.environ.get("OPENAI_API_KEY"), reason="a hosted model: set OPENAI_API_KEY to run against gpt-4o-mini"
)
def test_a_hosted_model_fixes_the_bug(openhands_venv: Path, worktree: Path, make_request: MakeRequest) -> None:
    result = OpenHandsAgent(model="gpt-4o-mini", venv=str(openhands_venv)).implement(make_request(llm=None))
    assert result.changed_files == ("calc.py",)
    assert "a + b" in (worktree / "calc.py").read_text()
