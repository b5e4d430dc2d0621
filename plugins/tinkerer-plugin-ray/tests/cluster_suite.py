"""The ray executor against a real Ray cluster (a head with 2 CPUs on 127.0.0.1, in a private namespace).

Run by ``test_cluster.py``, which makes the namespace; collected directly it skips.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tinkerer_core import EvolveConfig, ExperimentStatus, RunStore, get_manager
from tinkerer_core.config import make_config
from tinkerer_core.engine.run import EvolveRun
from tinkerer_core.isolation import PRIVATE_NETNS
from tinkerer_plugin_ray.testing import RayCluster, StepsAgentPlugin, evolve_resuming_a_lost_session, ray_head

os.environ["TINKERER_QUIET"] = "1"
# the head inherits this, and so do its workers: solutions there must not see it unless pass_env says so
os.environ["TINKERER_TEST_SECRET_TOKEN"] = "worker-side-secret"

STEPS = (
    # 1: writes an output file next to the code
    "open('out.txt', 'w').write('one')\nprint('SCORE: 1')",
    # 2: crashes; its debug attempt (fix) reads the data directory
    "raise SystemExit('broken on purpose')",
    # 3: uses the data file and reports the environment it saw
    "import os\nprint('secret' if 'TINKERER_TEST_SECRET_TOKEN' in os.environ else 'scrubbed')\n"
    "print('SCORE:', int(open('data/input.txt').read()) + 1)",
)
FIX = "print('SCORE:', int(open('data/input.txt').read()))"


@pytest.fixture(scope="module")
def cluster() -> Iterator[RayCluster]:
    if os.environ.get(PRIVATE_NETNS) != "1":
        pytest.skip("needs a private network namespace: run via test_cluster.py")
    with ray_head(num_cpus=2) as found, get_manager().registered(StepsAgentPlugin(), "ray-test-agent"):
        yield found


@pytest.fixture
def address(cluster: RayCluster) -> str:
    """The GCS address: the engine joins as a driver (the Ray Client path is tested once, below)."""
    return cluster.gcs


def config(tmp_path: Path, name: str, **values: Any) -> EvolveConfig:
    data = tmp_path / "data"
    if not data.exists():
        data.mkdir()
        (data / "input.txt").write_text("4")
    layer: dict[str, Any] = {
        "goal": "print a good score",
        "run_dir": str(tmp_path / name),
        "max_iterations": len(STEPS),
        "evaluator": "regex_pattern",
        "search_strategy": "linear_search",
        "coding_agent": "steps",
        "coding_agent.steps": STEPS,
        "coding_agent.fix": FIX,
        "debug_attempts": 1,
        "data_dir": str(data),
        "memory_mb": 1024,
        "timeout_s": 60.0,
        "llm.model": "openai/gpt-4o-mini",  # scripted replies: no model is called
        "llm.mock_responses": ('{"ideas": ["a scripted idea", "another scripted idea"]}',),
        **values,
    }
    return make_config(EvolveConfig, [layer])


def run(cfg: EvolveConfig) -> tuple[Any, list[Any]]:
    solution = evolve_resuming_a_lost_session(cfg)
    return solution, RunStore(solution.run_dir).experiments()


def plan(experiments: list[Any], run_dir: Path) -> list[tuple[Any, ...]]:
    """What must match between executors: lineage, ideas, status, score, committed code, output."""
    repo = run_dir / "repo"
    return [
        (
            e.id,
            e.parent_id,
            e.idea,
            e.kind,
            e.status,
            e.score,
            subprocess.run(["git", "show", f"{e.commit}:main.py"], cwd=repo, capture_output=True, text=True).stdout,
            e.result.output if e.result else None,
            e.result.produced_files if e.result else None,
        )
        for e in experiments
    ]


def ray_values(address: str, **extra: Any) -> dict[str, Any]:
    return {"executor": "ray", "executor.address": address, "executor.max_concurrent": 2, **extra}


def test_the_same_plan_on_local_and_on_ray(tmp_path: Path, cluster: RayCluster) -> None:
    local, local_experiments = run(config(tmp_path, "local", workers=2))
    expected = plan(local_experiments, local.run_dir)
    assert [e[5] for e in expected] == [1.0, 4.0, 5.0]
    assert expected[2][7].startswith("scrubbed")
    # the run only on Ray, then the whole experiment (agent too); through Ray Client, then as a driver
    for portable, address in ((False, cluster.client), (True, cluster.client), (False, cluster.gcs)):
        name = f"ray-agent-{'worker' if portable else 'engine'}-{address.split(':')[0]}"
        solution, experiments = run(
            config(tmp_path, name, **ray_values(address), **{"coding_agent.portable": portable})
        )
        assert plan(experiments, solution.run_dir) == expected, name
        assert solution.score == local.score == 5.0
        # results, files and logs came back: the output file sits in the worktree, as with local workers
        assert (solution.run_dir / "workspaces" / "exp-1" / "out.txt").read_text() == "one"
        events = {event["kind"] for event in RunStore(solution.run_dir).events()}
        assert "run_failed" in events and "worker_lost" not in events


def test_limits_and_environment_are_enforced_on_the_worker(tmp_path: Path, address: str) -> None:
    steps = (
        "import time\ntime.sleep(30)",
        "x = bytearray(600 * 1024 * 1024)\nprint('SCORE: 1')",
        "import os\nprint(*(os.environ.get(name) for name in ('TINKERER_TEST_SECRET_TOKEN', 'SENT_FROM_ENGINE', 'FROM_RUNTIME_ENV')))\n"
        "print('SCORE: 1')",
    )
    os.environ["SENT_FROM_ENGINE"] = "travelled"
    values = {
        **ray_values(address, **{"executor.send_env": ("SENT_FROM_ENGINE",)}),
        "executor.runtime_env": '{"env_vars": {"FROM_RUNTIME_ENV": "set-by-ray"}}',
        **{
            "coding_agent.steps": steps,
            "coding_agent.fix": None,
            "debug_attempts": 0,
            "timeout_s": 2.0,
            "memory_mb": 300,
        },
    }
    _, experiments = run(config(tmp_path, "limits", **values))
    timed_out, too_big, env = experiments
    assert timed_out.result.timed_out and timed_out.result.duration_s < 10
    assert too_big.status is ExperimentStatus.FAILED and "MemoryError" in too_big.result.output
    # the worker's secret scrubbed; send_env sent from here; the runtime_env's variables set by Ray
    assert env.result.output.splitlines()[0] == "None travelled set-by-ray"

    _, experiments = run(config(tmp_path, "kept", **values, pass_env=("TINKERER_TEST_SECRET_TOKEN",)))
    assert experiments[2].result.output.startswith("worker-side-secret travelled set-by-ray")


HANG_ONCE = """
import os, pathlib, time
marker = pathlib.Path({marker!r})
if not marker.exists():
    supervisor = pathlib.Path(f"/proc/{{os.getppid()}}/stat").read_text()  # ours: the worker is its parent
    marker.write_text(f"{{supervisor.rsplit(')', 1)[1].split()[1]}} {{os.getpid()}}")
    time.sleep(120)
print('SCORE: 2')
"""


def _wait_for(path: Path, timeout_s: float = 60.0) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().split()) == 2:
            return [int(part) for part in path.read_text().split()]
        time.sleep(0.05)
    raise AssertionError(f"{path} was not written in {timeout_s} s")


def _gone(pid: int, timeout_s: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # a zombie counts as gone
            if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
                return True
        except OSError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize(
    ("portable", "via"),
    [(False, "gcs"), (True, "gcs"), (False, "client")],
    ids=["agent-here", "agent-on-worker", "agent-here-via-client"],
)
def test_killing_a_ray_worker_mid_run_loses_nothing(
    tmp_path: Path, cluster: RayCluster, portable: bool, via: str
) -> None:
    marker = tmp_path / "worker.pid"
    steps = ("print('SCORE: 1')", HANG_ONCE.format(marker=str(marker)), "print('SCORE: 3')")
    values = {**ray_values(getattr(cluster, via)), "coding_agent.steps": steps, "coding_agent.portable": portable}
    killed: list[int] = []

    def kill_the_worker() -> None:
        worker_pid, solution_pid = _wait_for(marker)
        os.kill(worker_pid, signal.SIGKILL)
        killed.extend([worker_pid, solution_pid])

    killer = threading.Thread(target=kill_the_worker, daemon=True)
    killer.start()
    solution, experiments = run(config(tmp_path, "killed", **values))
    killer.join(timeout=5)
    assert killed, "the worker was never killed"
    assert _gone(killed[1]), "the solution outlived its killed worker"
    assert not list(Path(tempfile.gettempdir()).glob(f"tinkerer-ray-*-{killed[0]}-*")), "its scratch stayed"
    assert [e.status for e in experiments] == [ExperimentStatus.SUCCEEDED] * 3
    assert [e.score for e in experiments] == [1.0, 2.0, 3.0]
    assert solution.score == 3.0
    store = RunStore(solution.run_dir)
    assert [e["experiment_id"] for e in store.events("worker_lost")] == [2]
    assert [e["experiment_id"] for e in store.events("experiment_redone")] == [2]


@pytest.mark.parametrize("via", ["client", "gcs"])
def test_cancelling_a_run_cancels_its_ray_tasks_and_resume_finishes_it(
    tmp_path: Path, cluster: RayCluster, via: str
) -> None:
    marker = tmp_path / "worker.pid"
    steps = ("print('SCORE: 1')", HANG_ONCE.format(marker=str(marker)), "print('SCORE: 3')")
    cfg = config(tmp_path, "cancelled", **ray_values(getattr(cluster, via)), **{"coding_agent.steps": steps})
    seen: list[int] = []

    def interrupt() -> None:
        seen.extend(_wait_for(marker))
        os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C does

    threading.Thread(target=interrupt, daemon=True).start()
    evolve = EvolveRun.start(cfg)
    # a process started in the background by a shell inherits SIGINT ignored: Ctrl-C must mean KeyboardInterrupt here
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            evolve.run()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert _gone(seen[1]), "the cancelled task's solution is still running"
    assert RunStore(evolve.run_dir).meta()["status"] == "interrupted"

    solution = EvolveRun.resume(evolve.run_dir).run()  # as after a killed local run
    experiments = RunStore(solution.run_dir).experiments()
    assert [e.score for e in experiments] == [1.0, 2.0, 3.0]
    assert all(e.status is ExperimentStatus.SUCCEEDED for e in experiments)
