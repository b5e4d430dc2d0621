"""The ray executor without a cluster: its config, its errors, and the worker's side run in this process.

What a Ray task runs (``run_command_shipped``, ``run_experiment_shipped``) is plain Python; here it runs
directly on shipped workspaces, and the engine's side (``apply_changes``, the replay of recorded commits)
takes the result.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tinkerer_core import ConfigError, EvolveConfig, ExecutorContext, RunStore, get_manager
from tinkerer_core.config import make_config
from tinkerer_core.engine.experiment import EngineJob, ExperimentTask
from tinkerer_core.engine.recording import replay
from tinkerer_core.engine.run import EvolveRun
from tinkerer_core.engine.workspace import Workspaces, git
from tinkerer_core.isolation import silent_server
from tinkerer_core.runner import Limits
from tinkerer_core.shipping import apply_changes, pack, pack_directory
from tinkerer_plugin_ray.executor import RayConnectionError, RayExecutor
from tinkerer_plugin_ray.testing import StepsAgentPlugin
from tinkerer_plugin_ray.worker import Shipment, run_command_shipped, run_experiment_shipped


@pytest.fixture
def steps_agent() -> Iterator[None]:
    with get_manager().registered(StepsAgentPlugin(), "ray-unit-agent"):
        yield


def test_executor_ray_resolves_from_the_command_line_with_its_fields() -> None:
    argv = ["goal=g", "executor=ray", "executor.address=ray://head:10001", "executor.max_concurrent=32"]
    config = make_config(EvolveConfig, argv=[*argv, "executor.num_gpus=1", "executor.send_env=A,B"])
    assert isinstance(config.executor, RayExecutor)
    assert config.executor.address == "ray://head:10001"
    assert config.executor.max_concurrent == 32
    assert config.executor.send_env == ("A", "B")
    with pytest.raises(ConfigError, match=r"^executor\.max_concurrent must be at least 1, got 0$"):
        make_config(EvolveConfig, argv=["goal=g", "executor=ray", "executor.max_concurrent=0"])
    env = make_config(EvolveConfig, argv=["goal=g", "executor=ray", 'executor.runtime_env={"pip": ["x"]}'])
    assert env.executor.runtime_env_dict() == {"pip": ["x"]}


def test_a_cluster_is_never_started_implicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    with pytest.raises(ConfigError, match=r"executor=ray needs a cluster: set executor.address=ray://HEAD:10001"):
        RayExecutor().cluster_address()
    monkeypatch.setenv("RAY_ADDRESS", "ray://from-env:10001")
    assert RayExecutor().cluster_address() == "ray://from-env:10001"
    assert RayExecutor(address="head:6379").cluster_address() == "head:6379"


def test_task_options_reserve_the_experiments_resources() -> None:
    assert RayExecutor().task_options(4096) == {
        "num_cpus": 1.0,
        "max_retries": 0,  # the engine retries, after marking the experiment interrupted
        "retry_exceptions": False,
        "memory": 4096 * 1024 * 1024,
    }
    options = RayExecutor(num_cpus=2, num_gpus=1, memory_mb=0).task_options(4096)
    assert options["num_gpus"] == 1 and options["num_cpus"] == 2 and "memory" not in options


def test_an_unreachable_cluster_is_reported_at_once(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = ["goal=g", "executor=ray", f"executor.address=ray://127.0.0.1:{port}", f"run_dir={tmp_path / 'run'}"]
    config = make_config(EvolveConfig, argv=argv)
    with pytest.raises(RayConnectionError, match=re.escape("nothing answers at 'ray://127.0.0.1:")):
        config.executor.start(ExecutorContext(tmp_path))
    run = EvolveRun.start(config)
    with pytest.raises(RayConnectionError):
        run.run()
    assert RunStore(run.run_dir).meta()["status"] == "interrupted"  # `tinkerer resume` once the cluster is up


@pytest.mark.parametrize("scheme", ["ray://", ""], ids=["Ray Client address", "GCS address"])
def test_an_address_that_accepts_and_never_answers_is_reported_within_the_limit(tmp_path: Path, scheme: str) -> None:
    with silent_server() as port:
        address = f"{scheme}127.0.0.1:{port}"
        message, waited = _connect_error(tmp_path, address)
    assert f"{address!r} accepts connections but no Ray answered within executor.connect_timeout_s=0.5 s" in message
    assert "is executor.address its Ray Client address (ray://HEAD:10001) or its GCS address" in message
    assert waited < 10  # Ray alone waits 30 s (Ray Client) or minutes (GCS)
    with pytest.raises(ConfigError, match=r"^executor\.connect_timeout_s must be greater than 0, got 0\.0$"):
        make_config(EvolveConfig, argv=["goal=g", "executor=ray", "executor.connect_timeout_s=0"])


def _connect_error(tmp_path: Path, address: str) -> tuple[str, float]:
    """The RayConnectionError's message of a session to ``address`` (connect_timeout_s=0.5), and the seconds it took."""
    argv = ["goal=g", "executor=ray", f"executor.address={address}", "executor.connect_timeout_s=0.5"]
    config = make_config(EvolveConfig, argv=argv)
    started = time.monotonic()
    with pytest.raises(RayConnectionError) as caught:
        config.executor.start(ExecutorContext(tmp_path))
    return str(caught.value), time.monotonic() - started


@contextlib.contextmanager
def grpc_server_that_never_replies() -> Iterator[int]:
    """A real gRPC server on 127.0.0.1: it finishes the handshake, takes every call and never answers one."""
    import grpc

    release = threading.Event()

    def hold(request: object, context: object) -> None:
        release.wait(60)

    class HoldEverything(grpc.GenericRpcHandler):
        def service(self, handler_call_details: object) -> grpc.RpcMethodHandler:
            return (
                grpc.stream_stream_rpc_method_handler(hold)
                if "Datapath" in str(handler_call_details)
                else grpc.unary_unary_rpc_method_handler(hold)
            )

    server = grpc.server(ThreadPoolExecutor(max_workers=8), handlers=(HoldEverything(),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield port
    finally:
        release.set()
        server.stop(grace=None)


def test_a_ray_client_server_that_never_opens_the_session_is_reported_within_the_limit(tmp_path: Path) -> None:
    with grpc_server_that_never_replies() as port:
        address = f"ray://127.0.0.1:{port}"
        message, waited = _connect_error(tmp_path, address)
    assert f"the Ray Client server at {address!r} took the connection but opened no session within 3 s" in message
    assert waited < 10  # without the limit, ray.init waits for ever
    import ray

    assert not ray.is_initialized()  # the half-open client was dropped: a later connect starts clean


def _local_copy(tmp_path: Path) -> Path:
    workspace = tmp_path / "engine-side"
    workspace.mkdir()
    (workspace / "main.py").write_text("print('hello')\n")
    return workspace


def test_a_shipped_run_has_the_workers_scrubbed_environment_and_returns_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKER_SIDE_API_KEY", "not-for-solutions")
    monkeypatch.setenv("WORKER_SIDE_PASSED_TOKEN", "passed-on-purpose")
    workspace = _local_copy(tmp_path)
    code = (
        "import os, pathlib\n"
        "print(os.environ.get('WORKER_SIDE_API_KEY'), os.environ.get('WORKER_SIDE_PASSED_TOKEN'))\n"
        "print(os.environ['TINKERER_WORKSPACE'] == os.getcwd(), os.environ['SENT'])\n"
        "print(pathlib.Path('data/input.txt').read_text())\n"
        "pathlib.Path('result.txt').write_text('42')\n"
        "pathlib.Path('big.bin').write_bytes(b'x' * 4096)\n"
    )
    (workspace / "main.py").write_text(code)
    data = tmp_path / "data"
    data.mkdir()
    (data / "input.txt").write_text("data arrived")
    shipment = Shipment(pack(workspace), sent_env={"SENT": "sent"}, return_bytes=1000)
    engine_env = {"TINKERER_WORKSPACE": str(workspace), "PYTHONUNBUFFERED": "1", "HOME": "/engine/home"}
    result, changes = run_command_shipped(
        "python main.py",
        shipment,
        pack_directory(data),
        Limits(timeout_s=30),
        ("WORKER_SIDE_PASSED_TOKEN",),
        engine_env,
        str(workspace),
    )
    lines = result.output.splitlines()
    assert lines[:3] == ["None passed-on-purpose", "True sent", "data arrived"]
    assert "1 changed files over executor.return_mb stayed on the worker: big.bin" in result.output
    assert set(result.produced_files) == {"result.txt", "big.bin"}
    apply_changes(workspace, changes)
    assert (workspace / "result.txt").read_text() == "42"
    assert not (workspace / "big.bin").exists() and not (workspace / "data").exists()


def test_a_shipped_run_keeps_the_timeout(tmp_path: Path) -> None:
    workspace = _local_copy(tmp_path)
    (workspace / "main.py").write_text("import time\ntime.sleep(30)\n")
    result, _ = run_command_shipped(
        "python main.py", Shipment(pack(workspace)), None, Limits(timeout_s=1), (), {}, str(workspace)
    )
    assert result.timed_out and result.duration_s < 10


def test_a_killed_workers_scratch_directory_is_swept_by_the_next_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    namespace = os.stat("/proc/self/ns/pid").st_ino
    stale = tmp_path / f"tinkerer-ray-{namespace}-{finished.stdout.strip()}-abc"  # its process is gone
    live = tmp_path / f"tinkerer-ray-{namespace}-{os.getpid()}-def"  # a task running in a live worker
    elsewhere = tmp_path / f"tinkerer-ray-1-{finished.stdout.strip()}-ghi"  # another pid namespace's: not ours
    for directory in (stale, live, elsewhere):
        directory.mkdir()
    workspace = _local_copy(tmp_path)
    run_command_shipped("python main.py", Shipment(pack(workspace)), None, Limits(timeout_s=30), (), {}, str(workspace))
    assert not stale.exists() and live.exists() and elsewhere.exists()


def _config(tmp_path: Path, name: str) -> EvolveConfig:
    layer = {
        "goal": "g",
        "run_dir": str(tmp_path / name),
        "coding_agent": "steps",
        "coding_agent.steps": ("raise SystemExit('first attempt fails')",),
        "coding_agent.fix": "open('out.txt', 'w').write('made')\nprint('SCORE: 7')",
        "coding_agent.portable": True,
        "evaluator": "regex_pattern",
        "debug_attempts": 1,
        "executor": "ray",
    }
    return make_config(EvolveConfig, [layer])


def _task(workspace: Path) -> ExperimentTask:
    return ExperimentTask(
        experiment_id=1,
        iteration=1,
        idea="draft",
        kind="draft",
        workspace=workspace,
        parent=None,
        parent_files={},
        branch_errors=(),
        debug_attempts=1,
    )


def test_a_whole_experiment_on_a_worker_replays_as_the_same_commits_as_a_local_one(
    tmp_path: Path, steps_agent: None
) -> None:
    trees = {}
    for where in ("local", "worker"):
        config = _config(tmp_path, where)
        workspaces = Workspaces(tmp_path / where)
        base = workspaces.create(None)
        workspace = workspaces.checkout(1, base)
        job = EngineJob(_task(workspace), config, workspaces)
        if where == "local":
            outcome = job.run()
        else:
            outcome = run_experiment_shipped(job, Shipment(pack(workspace)), None)
            assert outcome.commit == "pending-commit-2" and outcome.recorded is not None
            outcome.commit = replay(workspaces, workspace, outcome.recorded)[outcome.commit]
        assert outcome.attempts == 2 and outcome.evaluation.score == 7.0
        assert (workspace / "out.txt").read_text() == "made"  # the run's output, uncommitted
        history = git(workspace, "log", "--format=%T %s", outcome.commit).splitlines()
        trees[where] = history
    assert trees["worker"] == trees["local"]  # same trees, same messages, same order


def test_the_worker_module_imports_without_ray() -> None:
    code = "import sys, tinkerer_plugin_ray.plugin, tinkerer_plugin_ray.executor; print('ray' in sys.modules)"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ))
    assert completed.stdout.strip() == "False", completed.stderr
