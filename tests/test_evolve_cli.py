"""``tinkerer evolve`` / ``resume`` / ``runs`` as a user runs them: real processes, real signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tinkerer_core.engine.store import RunStore
from tinkerer_core.types import ExperimentStatus

from .conftest import write_step_config

SCRIPTED_LLM = ("llm.model=openai/gpt-4o-mini", 'llm.mock_responses={"ideas": ["a scripted idea"]}')
RMSE_STEPS = ("print('RMSE: 0.30')", "print('RMSE: 0.11')", "print('RMSE: 0.20')", "print('RMSE: 0.05')")


def tinkerer(*args: str, cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tinkerer_core.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def test_minimized_metric_end_to_end_with_overrides(tmp_path: Path) -> None:
    config = write_step_config(tmp_path / "config.py", RMSE_STEPS, max_iterations=4)
    completed = tinkerer(
        "evolve",
        str(config),
        "evaluator=regex_pattern",
        r"evaluator.pattern=RMSE: ([\d.]+)",
        "stop=threshold",
        "stop.threshold=0.12",
        "stop.direction=minimize",
        "direction=minimize",
        "search=linear_search",
        "run_dir=runs/rmse",
        "output_path=best",
        *SCRIPTED_LLM,
        cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stderr
    assert "best score: 0.11 (minimize) from experiment 2" in completed.stdout
    assert (tmp_path / "best" / "main.py").read_text() == "print('RMSE: 0.11')\n"
    store = RunStore(tmp_path / "runs" / "rmse")
    assert [e.score for e in store.experiments()] == [0.30, 0.11]

    listing = tinkerer("runs", "--json", cwd=tmp_path)
    rows = json.loads(listing.stdout)
    assert rows[0]["best_score"] == 0.11
    assert rows[0]["status"] == "finished"
    assert rows[0]["experiments"] == 2


def test_resume_after_sigkill_keeps_finished_experiments_and_redoes_the_interrupted_one(tmp_path: Path) -> None:
    marker = tmp_path / "third-started"
    steps = (
        "print('SCORE: 1')",
        "print('SCORE: 2')",
        f"import os, time\nif not os.path.exists({str(marker)!r}):\n    open({str(marker)!r}, 'w').close()\n    time.sleep(120)\nprint('SCORE: 3')",
        "print('SCORE: 4')",
    )
    config = write_step_config(tmp_path / "config.py", steps, max_iterations=4)
    args = ["evolve", str(config), "evaluator=regex_pattern", "search=linear_search", "run_dir=runs/r", *SCRIPTED_LLM]
    process = subprocess.Popen(
        [sys.executable, "-m", "tinkerer_core.cli", *args], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), process.communicate()
    process.send_signal(signal.SIGKILL)
    process.wait()

    run_dir = tmp_path / "runs" / "r"
    store = RunStore(run_dir)
    before = {e.id: e for e in store.experiments()}
    assert before[3].status is ExperimentStatus.RUNNING
    leftover = int((run_dir / "pids" / "exp-3.pid").read_text())
    assert _alive(leftover)  # the killed engine's solution still sleeps

    completed = tinkerer("resume", str(run_dir), cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert not _alive(leftover)
    after = {e.id: e for e in store.experiments()}
    assert sorted(after) == [1, 2, 3, 4]
    for finished in (1, 2):
        assert after[finished].finished_at == before[finished].finished_at  # not re-run
    assert after[3].score == 3
    assert after[4].score == 4
    assert "best score: 4" in completed.stdout
    assert [e["kind"] for e in store.events() if e["kind"].startswith(("run_", "experiment_redone", "leftover"))] == [
        "run_started",
        "run_resumed",
        "leftover_killed",
        "experiment_redone",
        "run_finished",
    ]


def test_config_errors_are_one_line_messages(tmp_path: Path) -> None:
    config = write_step_config(tmp_path / "config.py", RMSE_STEPS)
    unknown = tinkerer("evolve", str(config), "evaluator=nope", cwd=tmp_path)
    assert unknown.returncode == 2
    assert "unknown evaluator 'nope'; installed evaluators:" in unknown.stderr
    assert "regex_pattern" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    wrong_type = tinkerer("evolve", str(config), "max_iterations=many", cwd=tmp_path)
    assert wrong_type.returncode == 2
    assert "max_iterations" in wrong_type.stderr and "Traceback" not in wrong_type.stderr
    missing = tinkerer("resume", "nowhere", cwd=tmp_path)
    assert missing.returncode == 2 and "holds no run" in missing.stderr


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
