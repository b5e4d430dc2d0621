"""``tinkerer evolve`` / ``resume`` / ``runs`` as a user runs them: real processes, real signals."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tinkerer_core import ExperimentStatus, RunStore

from .conftest import all_pids, cmdline, needs_defaults, write_step_config

pytestmark = needs_defaults

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
        "stop_condition=threshold",
        "stop_condition.threshold=0.12",
        "stop_condition.direction=minimize",
        "direction=minimize",
        "search_strategy=linear_search",
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


def test_a_run_in_which_nothing_scored_says_so(tmp_path: Path) -> None:
    config = write_step_config(tmp_path / "config.py", ("print('no number here')",), max_iterations=2)
    completed = tinkerer(
        "evolve", str(config), "evaluator=regex_pattern", "debug_attempts=0", "run_dir=run", *SCRIPTED_LLM, cwd=tmp_path
    )
    assert completed.returncode == 0, completed.stderr
    assert "nothing scored: no experiment ran cleanly to a score (failures: no_score 2)" in completed.stdout
    assert "best score" not in completed.stdout
    assert "solution: none was exported" in completed.stdout


HANG_ONCE = (
    "import os, subprocess, time\n"
    "if not os.path.exists({marker!r}):\n"
    "    subprocess.Popen(['sleep', '303'], start_new_session=True)\n"  # a child in a session of its own
    "    open({marker!r}, 'w').write(str(os.getpid()))\n"
    "    time.sleep(120)\n"
    "print('SCORE: 3')"
)


def _start_and_wait_for_the_hang(tmp_path: Path, *overrides: str) -> tuple[subprocess.Popen[bytes], Path, Path]:
    """``tinkerer evolve`` whose third experiment hangs (once): returns the process, the run dir and the marker."""
    marker = tmp_path / "third-started"
    steps = ("print('SCORE: 1')", "print('SCORE: 2')", HANG_ONCE.format(marker=str(marker)), "print('SCORE: 4')")
    config = write_step_config(tmp_path / "config.py", steps, max_iterations=4)
    args = [
        "evolve",
        str(config),
        "evaluator=regex_pattern",
        "search_strategy=linear_search",
        "run_dir=runs/r",
        *overrides,
    ]
    process = subprocess.Popen(
        [sys.executable, "-m", "tinkerer_core.cli", *args, *SCRIPTED_LLM],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    run_dir = tmp_path / "runs" / "r"
    deadline = time.monotonic() + 60
    while not (marker.exists() and marker.read_text() and _finished(run_dir) >= 2) and time.monotonic() < deadline:
        time.sleep(0.05)  # with workers=2, experiment 2 may still be running when the third one hangs
    assert marker.exists() and _finished(run_dir) >= 2, process.communicate()
    return process, run_dir, marker


def _finished(run_dir: Path) -> int:
    """Experiments the running engine has stored as finished (read-only: the engine is the writer)."""
    store = run_dir / "run.sqlite"
    if not store.exists():
        return 0
    with contextlib.closing(sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5)) as db:
        (count,) = db.execute("SELECT count(*) FROM experiments WHERE status IN ('succeeded', 'failed')").fetchone()
    return int(count)


def _wait_until_gone(pids: list[int], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while any(_alive(pid) for pid in pids):
        assert time.monotonic() < deadline, f"still running: {[pid for pid in pids if _alive(pid)]}"
        time.sleep(0.05)


def _tree_under(run_dir: Path) -> list[int]:
    """Every process whose working directory lies in the run directory (solutions, their children, workers')."""
    found = []
    for name in os.listdir("/proc"):
        try:
            if name.isdigit() and os.readlink(f"/proc/{name}/cwd").startswith(str(run_dir)):
                found.append(int(name))
        except OSError:
            continue
    return found


def _resume_and_check(tmp_path: Path, run_dir: Path, before: dict[int, object]) -> RunStore:
    completed = tinkerer("resume", str(run_dir), cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    store = RunStore(run_dir)
    after = {e.id: e for e in store.experiments()}
    assert sorted(after) == [1, 2, 3, 4]
    for finished in (1, 2):
        assert after[finished].finished_at == before[finished].finished_at  # not re-run
    assert [after[i].score for i in (1, 2, 3, 4)] == [1, 2, 3, 4]
    assert "best score: 4" in completed.stdout
    return store


@pytest.mark.parametrize("workers", [1, 2])
def test_kill_9_takes_every_process_of_the_run_down_and_resume_redoes_only_the_interrupted(
    tmp_path: Path, workers: int
) -> None:
    process, run_dir, marker = _start_and_wait_for_the_hang(tmp_path, f"workers={workers}")
    tree = [*_tree_under(run_dir), int(marker.read_text())]
    workers_pids = [int(pid) for pid in _children(process.pid)]
    process.send_signal(signal.SIGKILL)
    process.wait()
    _wait_until_gone(tree + workers_pids)
    assert not any("303" in cmdline(pid) for pid in all_pids())

    store = RunStore(run_dir)
    before = {e.id: e for e in store.experiments()}
    assert before[3].status is ExperimentStatus.RUNNING  # the engine died before it could say otherwise
    _resume_and_check(tmp_path, run_dir, before)
    events = [e for e in store.events() if e["kind"].startswith(("run_", "experiment_redone", "leftover"))]
    assert [e["kind"] for e in events if e["kind"].startswith("run_")] == ["run_started", "run_resumed", "run_finished"]
    redone = [e["experiment_id"] for e in events if e["kind"] == "experiment_redone"]
    assert 3 in redone and set(redone) <= {3, 4}  # what ran when the engine died; nothing was left to kill


@pytest.mark.parametrize("how", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_stop_signal_ends_the_run_as_interrupted_with_nothing_left_running(tmp_path: Path, how: str) -> None:
    process, run_dir, marker = _start_and_wait_for_the_hang(tmp_path, "workers=2")
    tree = [*_tree_under(run_dir), int(marker.read_text())]
    process.send_signal(getattr(signal, how))
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + getattr(signal, how)
    assert f"interrupted: resume with `tinkerer resume {run_dir.resolve()}`" in stderr.decode()
    assert "Traceback" not in stderr.decode()
    _wait_until_gone(tree, seconds=5)
    store = RunStore(run_dir)
    assert store.meta()["status"] == "interrupted"
    before = {e.id: e for e in store.experiments()}
    assert before[3].status is ExperimentStatus.INTERRUPTED
    _resume_and_check(tmp_path, run_dir, before)


def test_a_second_engine_on_the_same_run_is_refused(tmp_path: Path) -> None:
    process, run_dir, _ = _start_and_wait_for_the_hang(tmp_path)
    try:
        second = tinkerer("resume", str(run_dir), cwd=tmp_path)
        assert second.returncode == 2
        assert f"is being run by process {process.pid}" in second.stderr
        assert RunStore(run_dir).meta()["status"] == "running"
    finally:
        process.kill()
        process.wait()


def _children(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()


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
    assert missing.returncode == 2 and "nowhere does not exist" in missing.stderr


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
