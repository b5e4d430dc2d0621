"""Bad llm_edit settings are refused before a run starts, naming the field, the value and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinkerer_core import ConfigError, EvolveConfig
from tinkerer_core.cli import main
from tinkerer_core.config import make_config
from tinkerer_core.validation import ConfigWarning


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a run that wrongly started would write under ./runs


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["coding_agent.prompt_style=compact_noidea"],
            "coding_agent.prompt_style must be one of 'auto', 'full', 'compact', 'compact_no_idea', got 'compact_noidea'; "
            "did you mean 'compact_no_idea'?",
        ),
        (["coding_agent.temperature_spread=3"], "coding_agent.temperature_spread must be from 0 to 2, got 3.0"),
        (["coding_agent.temperature=-0.5"], "coding_agent.temperature must be at least 0, got -0.5"),
        (["coding_agent.max_code_chars=0"], "coding_agent.max_code_chars must be at least 1, got 0"),
        (["coding_agent.main_file="], "coding_agent.main_file must be non-empty, got ''"),
    ],
)
def test_the_command_line_refuses_bad_values(argv: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["evolve", "goal=x", "coding_agent=llm_edit", *argv]) == 2
    assert capsys.readouterr().err.strip() == f"error: {message}"


def test_a_run_config_refuses_a_prompt_budget_of_zero() -> None:
    with pytest.raises(ConfigError) as raised:
        make_config(EvolveConfig, [{"goal": "x", "coding_agent": "llm_edit", "coding_agent.max_prompt_tokens": 0}])
    assert str(raised.value) == "coding_agent.max_prompt_tokens must be at least 1, got 0"


def test_a_temperature_above_two_warns_that_calls_sample_at_two() -> None:
    with pytest.warns(ConfigWarning, match=r"^temperature=3\.5: above 2: each call samples at 2 at most$"):
        config = make_config(EvolveConfig, [{"goal": "x", "coding_agent": "llm_edit", "coding_agent.temperature": 3.5}])
    assert config.coding_agent.temperature == 3.5
