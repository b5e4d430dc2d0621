"""Bad search settings are refused before a run starts, naming the field, the value and what is allowed."""

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
            ["search_strategy=evolutionary", "search_strategy.exploration_ratio=2"],
            "search_strategy.exploration_ratio must be from 0 to 1, got 2.0",
        ),
        (
            ["search_strategy=evolutionary", "search_strategy.num_inspirations=-1"],
            "search_strategy.num_inspirations must be at least 0, got -1",
        ),
        (
            ["search_strategy=llm_tree_search", "search_strategy.preset=HEAVY_THINKIN"],
            "search_strategy.preset must be one of 'PRODUCTION', 'HEAVY_EXPERIMENTATION', 'HEAVY_THINKING', 'MINIMAL', "
            "got 'HEAVY_THINKIN'; did you mean 'HEAVY_THINKING'?",
        ),
        (
            ["search_strategy=llm_tree_search", "search_strategy.exploration_budget_percent=150"],
            "search_strategy.exploration_budget_percent must be from 0 to 100, got 150.0",
        ),
        (
            ["search_strategy=linear_search", "search_strategy.ideas=heuristc"],
            "search_strategy.ideas must be one of 'auto', 'llm', 'heuristic', got 'heuristc'; did you mean 'heuristic'?",
        ),
        (
            ["search_strategy=linear_search", "search_strategy.history_window=0"],
            "search_strategy.history_window must be at least 1, got 0",
        ),
    ],
)
def test_the_command_line_refuses_bad_values(argv: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["evolve", "goal=x", *argv]) == 2
    assert capsys.readouterr().err.strip() == f"error: {message}"


def test_a_run_config_refuses_an_empty_model_name() -> None:
    values = {"goal": "x", "search_strategy": "llm_tree_search", "search_strategy.idea_generation_model": " "}
    with pytest.raises(ConfigError) as raised:
        make_config(EvolveConfig, [values])
    assert str(raised.value) == "search_strategy.idea_generation_model must be non-empty, got ' '"


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        (
            "llm_tree_search",
            {"idea_generation_ensemble_models": ("openai/gpt-4o", "")},
            "idea_generation_ensemble_models must be model names, none of them empty, got ('openai/gpt-4o', '')",
        ),
        (
            "evolutionary",
            {"feature_dimensions": ("score", "beauty")},
            "feature_dimensions must be one or more distinct features among complexity, score, runtime, "
            "got ('score', 'beauty')",
        ),
        (
            "evolutionary",
            {"exploration_ratio": 0.5, "exploitation_ratio": 0.6},
            "exploration_ratio + exploitation_ratio must be at most 1 (the rest is the chance of a random parent), "
            "got 0.5 + 0.6",
        ),
    ],
)
def test_the_manager_refuses_bad_values(name: str, params: dict, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        create_component("search_strategy", name, params)
    assert str(raised.value) == f"search strategy {name!r}: {message}"


def test_preset_values_fill_the_fields_left_unset() -> None:
    search = create_component("search_strategy", "linear_search", {"preset": "MINIMAL", "history_window": 7})
    assert (search.settings.history_window, search.settings.redraft_after) == (7, 2)


def test_the_documented_overrides_of_the_llm_free_search() -> None:
    """docs/search-efficiency.md: `search_strategy.operators=` turns the operators off, a list picks some;
    `search_strategy.score_start=false` leaves the baseline out."""
    base = [{"goal": "fit", "search_strategy": "evolutionary"}]
    assert make_config(EvolveConfig, base, ["search_strategy.operators="]).search_strategy.operators == ()
    some = make_config(EvolveConfig, base, ["search_strategy.operators=mutate_literals,crossover"])
    assert some.search_strategy.operators == ("mutate_literals", "crossover")
    assert make_config(EvolveConfig, base, ["search_strategy.score_start=false"]).search_strategy.score_start is False
