"""Bad CLI-agent settings are refused before a run starts, naming the field, the value and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinkerer_core import ConfigError, EvolveConfig, create_component
from tinkerer_core.cli import main
from tinkerer_core.config import make_config


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a run that wrongly started would write under ./runs


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["coding_agent=claude_code", "coding_agent.permission_mode=acceptedits"],
            "coding_agent.permission_mode must be one of 'acceptEdits', 'auto', 'bypassPermissions', 'default', 'dontAsk', "
            "got 'acceptedits'; did you mean 'acceptEdits'?",
        ),
        (
            ["coding_agent=codex", "coding_agent.sandbox=read-only"],
            "coding_agent.sandbox must be one of 'workspace-write', 'danger-full-access', got 'read-only'",
        ),
        (
            ["coding_agent=gemini", "coding_agent.approval_mode=auto-edit"],
            "coding_agent.approval_mode must be one of 'yolo', 'auto_edit', got 'auto-edit'; did you mean 'auto_edit'?",
        ),
        (["coding_agent=gemini", "coding_agent.timeout_s=0"], "coding_agent.timeout_s must be greater than 0, got 0.0"),
        (["coding_agent=codex", "coding_agent.executable="], "coding_agent.executable must be non-empty, got ''"),
        (
            ["coding_agent=claude_code", "coding_agent.max_code_chars=-1"],
            "coding_agent.max_code_chars must be at least 0, got -1",
        ),
    ],
)
def test_the_command_line_refuses_bad_values(argv: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["evolve", "goal=x", *argv]) == 2
    assert capsys.readouterr().err.strip() == f"error: {message}"


def test_a_misspelt_variable_to_pass_is_named() -> None:
    with pytest.raises(ConfigError) as raised:
        make_config(
            EvolveConfig,
            [{"goal": "x", "coding_agent": "claude_code", "coding_agent.pass_env": ("AWS_PROFILE", "AWS REGION")}],
        )
    assert str(raised.value) == (
        "coding_agent.pass_env must be environment variable names (letters, digits and _, not starting with a digit), "
        "got ('AWS_PROFILE', 'AWS REGION')"
    )


def test_an_empty_tool_name_is_refused() -> None:
    with pytest.raises(ConfigError) as raised:
        create_component("coding_agent", "claude_code", {"allowed_tools": ("Read", "")})
    assert str(raised.value) == (
        "coding agent 'claude_code': allowed_tools must be tool names (or rules like Bash(git:*)), none of them "
        "empty, got ('Read', '')"
    )
