"""Bad openhands settings are refused before a run starts, naming the field, the value and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinkerer_core import ConfigError, EvolveConfig
from tinkerer_core.cli import main
from tinkerer_core.config import make_config


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a run that wrongly started would write under ./runs


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["coding_agent.function_calling=promt"],
            "coding_agent.function_calling must be one of 'native', 'prompt', got 'promt'; did you mean 'prompt'?",
        ),
        (["coding_agent.max_iterations=0"], "coding_agent.max_iterations must be at least 1, got 0"),
        (["coding_agent.timeout_s=-5"], "coding_agent.timeout_s must be greater than 0, got -5.0"),
        (["coding_agent.local_threads=0"], "coding_agent.local_threads must be from 1 to 512, got 0"),
        (
            ["coding_agent.local_ctx_size=1"],
            "coding_agent.local_ctx_size must be 0 (the model's own context) or at least 16 tokens, got 1",
        ),
        (["coding_agent.venv= "], "coding_agent.venv must be non-empty, got ' '"),
        (["coding_agent.api_base= "], "coding_agent.api_base must be non-empty, got ' '"),
    ],
)
def test_the_command_line_refuses_bad_values(argv: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["evolve", "goal=x", "coding_agent=openhands", *argv]) == 2
    assert capsys.readouterr().err.strip() == f"error: {message}"


def test_unknown_tools_are_refused() -> None:
    with pytest.raises(ConfigError) as raised:
        make_config(
            EvolveConfig, [{"goal": "x", "coding_agent": "openhands", "coding_agent.tools": ("file_editor", "browser")}]
        )
    assert str(raised.value) == (
        "coding_agent.tools must be one or more tool names among file_editor, terminal, task_tracker, "
        "got ('file_editor', 'browser')"
    )


def test_the_tools_can_be_narrowed() -> None:
    config = make_config(
        EvolveConfig, [{"goal": "x", "coding_agent": "openhands", "coding_agent.tools": ("file_editor",)}]
    )
    assert config.coding_agent.tools == ("file_editor",)
