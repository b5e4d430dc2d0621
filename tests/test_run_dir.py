"""Run directories as users leave them: a start killed half-way, someone else's files, a corrupt store, a file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tinkerer_core import RunStore

from .conftest import needs_defaults, write_step_config

pytestmark = needs_defaults

SCRIPTED = (
    "evaluator=regex_pattern",
    "search_strategy=linear_search",
    "llm.model=openai/gpt-4o-mini",
    'llm.mock_responses={"ideas": ["a scripted idea"]}',
    "--quiet",
)


def tinkerer(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tinkerer_core.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def evolve(tmp_path: Path, run_dir: Path) -> subprocess.CompletedProcess[str]:
    config = write_step_config(tmp_path / "config.py", ("print('SCORE: 1')",), max_iterations=1)
    return tinkerer("evolve", str(config), f"run_dir={run_dir}", *SCRIPTED, cwd=tmp_path)


def test_a_start_killed_before_the_run_existed_starts_again_and_resume_says_so(tmp_path: Path) -> None:
    run_dir = tmp_path / "runs" / "r"
    (run_dir / "repo" / ".git").mkdir(parents=True)  # what a start killed during `git init` leaves
    (run_dir / "workspaces").mkdir()
    (run_dir / "run.lock").write_text("12345")
    RunStore(run_dir).close()  # a store without the run's metadata yet

    resumed = tinkerer("resume", str(run_dir), cwd=tmp_path)
    assert resumed.returncode == 2
    assert "was stopped while it was being created (no experiment ran)" in resumed.stderr
    assert f"run_dir={run_dir}" in resumed.stderr

    started = evolve(tmp_path, run_dir)
    assert started.returncode == 0, started.stderr
    assert [e.score for e in RunStore(run_dir).experiments()] == [1.0]


def test_files_that_tinkerer_did_not_create_are_never_removed(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "repo").mkdir(parents=True)
    (project / "repo" / "precious.txt").write_text("mine")
    completed = evolve(tmp_path, project)
    assert completed.returncode == 2
    assert "already holds repo, which Tinkerer did not create" in completed.stderr
    assert (project / "repo" / "precious.txt").read_text() == "mine"


def test_a_corrupt_store_is_named_not_a_traceback(tmp_path: Path) -> None:
    run_dir = tmp_path / "runs" / "corrupt"
    run_dir.mkdir(parents=True)
    (run_dir / "run.sqlite").write_bytes(b"this is not a database" * 100)
    for completed in (tinkerer("resume", str(run_dir), cwd=tmp_path), evolve(tmp_path, run_dir)):
        assert completed.returncode == 2
        assert f"run store {run_dir / 'run.sqlite'} is not an SQLite database" in completed.stderr
        assert "Traceback" not in completed.stderr


def test_a_run_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "notes.txt"
    not_a_dir.write_text("x")
    completed = evolve(tmp_path, not_a_dir)
    assert completed.returncode == 2
    assert "is a file; give a directory" in completed.stderr
    assert not_a_dir.read_text() == "x"
