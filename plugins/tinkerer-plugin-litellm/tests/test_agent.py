"""The llm_edit agent, built by name through the plugin manager, with scripted replies through real litellm."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tinkerer_core import (
    AgentRequest,
    AgentResult,
    CodingAgent,
    ConfigError,
    LLMConfig,
    LLMLedger,
    MissingPluginError,
    create_component,
    is_small_model,
    models_of,
    uses_small_model,
)
from tinkerer_plugin_litellm.gateway import LiteLLMGateway

if TYPE_CHECKING:
    from conftest import MakeLLM

PARENT = "def predict(x):\n    return 0\n\nprint('SCORE:', predict(1))\n"
IMPROVED = "def predict(x):\n    return x\n\nprint('SCORE:', predict(1))\n"
SEARCH_REPLACE = "main.py\n```python\n<<<<<<< SEARCH\n    return 0\n=======\n    return x\n>>>>>>> REPLACE\n```"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A workspace holding the parent's main.py."""
    path = tmp_path / "ws"
    path.mkdir()
    (path / "main.py").write_text(PARENT)
    return path


def run_agent(
    make_llm: MakeLLM, workspace: Path, replies: tuple[str, ...], *, params: dict[str, Any] | None = None, **fields: Any
) -> tuple[AgentResult, LLMLedger]:
    """Build llm_edit by name and run it once on ``workspace`` with scripted ``replies``."""
    llm, ledger = make_llm(mock_responses=replies)
    agent: CodingAgent = create_component("coding_agent", "llm_edit", params or {})
    parent_code = {path.name: path.read_text() for path in workspace.glob("*.py")}
    request = AgentRequest(
        goal="predict y from x", workspace=workspace, idea="return x", kind="improve", parent_code=parent_code, llm=llm
    )
    return agent.implement(dataclasses.replace(request, **fields)), ledger


def test_a_whole_file_reply_is_applied(make_llm: MakeLLM, workspace: Path) -> None:
    reply = f"I return x now.\n\nmain.py\n```python\n{IMPROVED}```\nDone."
    result, ledger = run_agent(make_llm, workspace, (reply,), params={"edit_format": "whole"})
    assert (result.changed_files, result.error) == (("main.py",), "")
    assert (workspace / "main.py").read_text() == IMPROVED
    assert result.summary == "I return x now. Done."
    assert (result.prompt_tokens, result.completion_tokens) == (10, 20)
    assert result.cost == ledger.total_cost > 0
    assert "# Goal\npredict y from x" in result.transcript and "I return x now." in result.transcript
    assert [purpose for purpose, _ in ledger.calls] == ["agent:llm_edit"]


def test_a_draft_in_an_empty_workspace_writes_whole_files(make_llm: MakeLLM, tmp_path: Path) -> None:
    result, _ = run_agent(make_llm, tmp_path, ("```python\nprint('SCORE: 1')\n```",), kind="draft", parent_code={})
    assert result.changed_files == ("main.py",)
    assert "then the whole file in a fenced code block" in result.transcript  # auto: nothing to search in yet


def test_search_replace_edits_are_applied(make_llm: MakeLLM, workspace: Path) -> None:
    result, ledger = run_agent(make_llm, workspace, (SEARCH_REPLACE,))  # auto: search_replace for gpt-4o-mini
    assert result.changed_files == ("main.py",)
    assert (workspace / "main.py").read_text() == IMPROVED
    assert "<<<<<<< SEARCH" in result.transcript.split("## user")[0]  # the system prompt asked for them
    assert len(ledger.calls) == 1


def test_a_failing_search_replace_falls_back_to_whole_files_once(make_llm: MakeLLM, workspace: Path) -> None:
    wrong = SEARCH_REPLACE.replace("return 0", "return None")
    whole = f"main.py\n```python\n{IMPROVED}```"
    result, ledger = run_agent(make_llm, workspace, (wrong, whole))
    assert (result.changed_files, result.error) == (("main.py",), "")
    assert (workspace / "main.py").read_text() == IMPROVED
    assert len(ledger.calls) == 2
    assert (result.prompt_tokens, result.completion_tokens) == (20, 40)
    assert "That edit could not be applied: a SEARCH block for main.py does not match" in result.transcript


def test_an_explicit_search_replace_format_does_not_fall_back(make_llm: MakeLLM, workspace: Path) -> None:
    wrong = SEARCH_REPLACE.replace("return 0", "return None")
    result, ledger = run_agent(make_llm, workspace, (wrong,), params={"edit_format": "search_replace"})
    assert result.changed_files == ()
    assert "does not match" in result.error
    assert len(ledger.calls) == 1
    assert (workspace / "main.py").read_text() == PARENT


@pytest.mark.parametrize("path", ["../escape.py", "/tmp/tinkerer-escape.py", ".git/hooks/pre-commit", "link/evil.py"])
def test_a_path_outside_the_workspace_is_rejected(make_llm: MakeLLM, workspace: Path, path: str) -> None:
    (workspace / "link").symlink_to(workspace.parent)
    reply = f"{path}\n```python\nimport os\n```\nmain.py\n```python\n{IMPROVED}```"
    result, _ = run_agent(make_llm, workspace, (reply,), params={"edit_format": "whole"})
    assert result.changed_files == ()
    assert "unsafe path" in result.error
    assert (workspace / "main.py").read_text() == PARENT
    assert not (workspace.parent / "escape.py").exists() and not (workspace.parent / "evil.py").exists()
    assert not Path("/tmp/tinkerer-escape.py").exists()


def test_a_reply_identical_to_the_parent_changes_nothing(make_llm: MakeLLM, workspace: Path) -> None:
    result, _ = run_agent(make_llm, workspace, (f"```python\n{PARENT}```",), params={"edit_format": "whole"})
    assert (result.changed_files, result.error) == ((), "reply identical to parent")


def test_a_prose_only_reply_changes_nothing(make_llm: MakeLLM, workspace: Path) -> None:
    result, _ = run_agent(make_llm, workspace, ("I think you should return x.",), params={"edit_format": "whole"})
    assert (result.changed_files, result.error) == ((), "no code in reply")
    assert (workspace / "main.py").read_text() == PARENT


def test_the_prompt_carries_the_request(make_llm: MakeLLM, workspace: Path) -> None:
    result, _ = run_agent(
        make_llm,
        workspace,
        ("no code",),
        params={"edit_format": "whole", "max_code_chars": 30},
        kind="debug",
        parent_score=0.25,
        parent_feedback="too simple",
        parent_output_tail="Traceback: boom",
        errors=("first error", "second error"),
        knowledge_context="linear models fit this",
        additional_context="numpy only",
    )
    for expected in (
        "The last run failed",
        "# Idea\nreturn x",
        "Score: 0.25",
        "Feedback: too simple",
        "Traceback: boom",
        "first error\n---\nsecond error",
        "# Knowledge\nlinear models fit this",
        "# Additional context\nnumpy only",
        PARENT[:30] + "\n... [truncated]",
    ):
        assert expected in result.transcript


def test_focus_files_decide_the_main_file(make_llm: MakeLLM, workspace: Path) -> None:
    reply = "```python\nprint(2)\n```"
    result, _ = run_agent(make_llm, workspace, (reply,), params={"edit_format": "whole"}, focus_files=("train.py",))
    assert result.changed_files == ("train.py",)  # the unlabelled block
    assert "the program run is train.py" in result.transcript


def test_without_an_llm_the_agent_says_what_to_install(workspace: Path) -> None:
    agent = create_component("coding_agent", "llm_edit", {})
    with pytest.raises(MissingPluginError, match="pip install tinkerer-plugin-litellm"):
        agent.implement(AgentRequest(goal="g", workspace=workspace, idea="i"))


def test_an_unknown_edit_format_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as raised:
        create_component("coding_agent", "llm_edit", {"edit_format": "udif"})
    assert str(raised.value) == (
        "coding agent 'llm_edit': edit_format must be one of 'auto', 'whole', 'search_replace', 'udiff', "
        "got 'udif'; did you mean 'udiff'?"
    )


def test_small_and_local_models_get_whole_files() -> None:
    assert is_small_model("local/smollm2-135m") and is_small_model("ollama/gemma3:270m")
    assert not is_small_model("openai/gpt-4o-mini")
    ensemble = LLMConfig(ensemble=(("openai/gpt-4o", 1.0), ("local/smollm2-135m", 1.0)))
    gateway = LiteLLMGateway(ensemble, LLMLedger())
    assert models_of(gateway) == ["openai/gpt-4o", "local/smollm2-135m"]
    assert uses_small_model(gateway)  # one small model in the ensemble keeps every call simple
