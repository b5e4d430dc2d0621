"""The progress display on real runs: live on a terminal, one line per experiment elsewhere, or quiet."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from tinkerer_core import get_manager
from tinkerer_plugin_reports.progress import ProgressReporter

from .conftest import evolve


@pytest.fixture
def loud(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Runs from ``tmp_path`` with progress on (the suite may run with TINKERER_QUIET set)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TINKERER_QUIET", raising=False)
    return tmp_path


def run_with(console: Console, agent: str, run_dir: Path) -> None:
    with get_manager().registered(ProgressReporter(console), "recorded-progress"):
        evolve(run_dir, agent)


def test_a_terminal_gets_a_live_display_with_best_score_cost_and_workers(step_agent: str, loud: Path) -> None:
    console = Console(record=True, width=120, force_terminal=True)
    run_with(console, step_agent, loud / "run")
    text = console.export_text()
    assert "tinkerer evolve · print a good score" in text
    assert "best 0.7 (#2) (maximize) · 4/4 done · cost $" in text
    assert "finished: max_iterations (4) reached" in text
    assert "#1" in text and "draft" in text  # a worker row was drawn while experiment 1 ran


def test_elsewhere_it_prints_one_line_per_experiment(step_agent: str, loud: Path) -> None:
    console = Console(record=True, width=200, force_terminal=False)
    run_with(console, step_agent, loud / "run")
    lines = console.export_text().splitlines()
    assert lines[0].startswith("[tinkerer] run ") and lines[0].endswith(": print a good score")
    assert lines[1].startswith("[tinkerer] experiment 1 (draft) succeeded: score 0.2 · best 0.2 · 1/4 done")
    assert lines[3].startswith("[tinkerer] experiment 3 (improve) failed: score none · best 0.7 · 3/4 done")
    assert lines[5] == "[tinkerer] run finished: max_iterations (4) reached · best 0.7"
    assert len(lines) == 6


def test_quiet_mode_prints_nothing(step_agent: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TINKERER_QUIET", "1")
    console = Console(record=True, width=120, force_terminal=True)
    run_with(console, step_agent, tmp_path / "run")
    with get_manager().registered(ProgressReporter(console), "recorded-train"):
        get_manager().hooks.hook.tinkerer_train_metrics(run_dir="x", step=1, metrics={"loss": 1.0})
    assert console.export_text() == ""


def test_training_steps_are_printed(loud: Path) -> None:
    console = Console(record=True, width=120, force_terminal=False)
    with get_manager().registered(ProgressReporter(console), "recorded-train"):
        get_manager().hooks.hook.tinkerer_train_metrics(
            run_dir="x", step=3, metrics={"loss": 0.51234, "reward_mean": 0.25}
        )
    assert console.export_text() == "[tinkerer] train step 3: loss 0.5123 · reward_mean 0.25\n"
