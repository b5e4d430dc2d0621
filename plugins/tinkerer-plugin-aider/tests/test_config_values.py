"""Bad aider settings are refused before a run starts, naming the field, the value and what is allowed."""

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
            ["coding_agent.edit_format=udif"],
            "coding_agent.edit_format must be one of 'whole', 'diff', 'diff-fenced', 'udiff', 'udiff-simple', 'patch', "
            "'architect', 'editor-whole', 'editor-diff', 'editor-diff-fenced', got 'udif'; did you mean 'udiff'?",
        ),
        (["coding_agent.timeout_s=-5"], "coding_agent.timeout_s must be greater than 0, got -5.0"),
        (["coding_agent.local_threads=0"], "coding_agent.local_threads must be from 1 to 512, got 0"),
        (
            ["coding_agent.local_ctx_size=1"],
            "coding_agent.local_ctx_size must be 0 (the model's own context) or at least 16 tokens, got 1",
        ),
        (["coding_agent.venv= "], "coding_agent.venv must be non-empty, got ' '"),
    ],
)
def test_the_command_line_refuses_bad_values(argv: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["evolve", "goal=x", "coding_agent=aider", *argv]) == 2
    assert capsys.readouterr().err.strip() == f"error: {message}"


def test_a_run_config_refuses_a_negative_file_count() -> None:
    with pytest.raises(ConfigError) as raised:
        make_config(EvolveConfig, [{"goal": "x", "coding_agent": "aider", "coding_agent.max_files": -1}])
    assert str(raised.value) == "coding_agent.max_files must be at least 0, got -1"


def test_the_embedded_models_own_context_is_allowed() -> None:
    config = make_config(EvolveConfig, [{"goal": "x", "coding_agent": "aider", "coding_agent.local_ctx_size": 0}])
    assert config.coding_agent.local_ctx_size == 0
