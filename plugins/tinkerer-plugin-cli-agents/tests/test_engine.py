"""A CLI agent inside a real evolve run: the engine commits what the stand-in edited and scores it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tinkerer_core import Tinkerer

if TYPE_CHECKING:
    from conftest import StandIn


def test_an_evolve_run_scores_what_the_cli_edited(make_standin: Callable[[str], StandIn], tmp_path: Path) -> None:
    standin = make_standin("claude_code")
    standin.monkeypatch.setenv("STANDIN_SCENARIO", "edit")
    starting = tmp_path / "start"
    starting.mkdir()
    (starting / "main.py").write_text(standin.parent)
    solution = Tinkerer().evolve(
        "predict y from x; print SCORE: <prediction for 1>",
        coding_agent="claude_code",
        coding_agent_params={"executable": str(standin.executable)},
        search_strategy="linear_search",
        evaluator="regex_pattern",
        evaluator_params={"pattern": r"SCORE: (\d+)"},
        max_iterations=1,
        starting_repo=str(starting),
        run_dir=str(tmp_path / "run"),
        output_path=str(tmp_path / "out"),
        llm_params={"model": "openai/gpt-4o-mini", "mock_responses": ("no ideas",)},  # the search's, scripted
    )
    assert solution.score == 1
    assert solution.cost >= 0.0421  # the agent's cost is the run's
    assert "return x" in (solution.path / "main.py").read_text() and (solution.path / "helper.py").is_file()
