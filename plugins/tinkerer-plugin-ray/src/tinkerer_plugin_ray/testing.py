"""Test helpers: a real Ray cluster on 127.0.0.1, started only inside a private network namespace.

Ray started on these machines also binds the host's own interface address, so a test cluster runs
only where nothing else can reach it: ``run_isolated`` re-runs a command inside ``unshare --net
--pid`` (loopback up; every process of the namespace dies with it), and ``ray_head`` starts the
head there. ``StepsAgent`` is a scripted coding agent importable on the workers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import chz

from tinkerer_core import AgentRequest, AgentResult, CodingAgent, hookimpl
from tinkerer_core.isolation import (
    PRIVATE_NETNS,
    die_with_parent,
    in_private_namespace,
    namespace_unavailable,
    wait_for_port,
)
from tinkerer_core.validation import not_empty

GCS_PORT, CLIENT_PORT = 6379, 10001  # the namespace is private: fixed ports are free
# a network namespace and a pid namespace: every process of it dies with it
UNSHARE_FLAGS = ("--net", "--pid", "--fork", "--kill-child", "--mount-proc")

if TYPE_CHECKING:
    from tinkerer_core import EvolveConfig, Solution


def isolation_unavailable() -> str | None:
    """Why a private network and pid namespace cannot be made here, or None when it can."""
    return namespace_unavailable(("--net", "--pid", "--fork"))


def run_isolated(argv: Sequence[str], timeout_s: float = 600.0, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``argv`` in a fresh network namespace (only loopback, up) and pid namespace; its output is captured."""
    command = in_private_namespace(argv, UNSHARE_FLAGS)
    env = {**os.environ, PRIVATE_NETNS: "1", "RAY_USAGE_STATS_ENABLED": "0"}
    env.pop("RAY_ADDRESS", None)
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout_s)


def run_pytest_isolated(module: Path, timeout_s: float = 600.0) -> subprocess.CompletedProcess:
    """Run pytest on ``module`` inside ``run_isolated``; prints the tail of its output (stacks too, if it hangs)."""
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", "-x", str(module)]
    argv += ["-o", f"faulthandler_timeout={int(timeout_s / 3)}"]
    try:
        result = run_isolated(argv, timeout_s, cwd=module.parent)
    except subprocess.TimeoutExpired as expired:
        out, err = (_text(expired.stdout), _text(expired.stderr))
        result = subprocess.CompletedProcess(argv, -9, out + f"\ntimed out after {timeout_s:g} s", err)
    print(result.stdout[-6000:], result.stderr[-6000:])
    return result


def _text(value: bytes | str | None) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value or ""


READY_PROBE = (
    "import ray; ray.init(address='127.0.0.1:%d', logging_level='ERROR'); ray.get(ray.remote(lambda: 1).remote())"
)


def _wait_until_a_task_runs(deadline: float) -> None:
    """Open ports are not a ready cluster: a throwaway driver runs one task first."""
    probe = [sys.executable, "-c", READY_PROBE % GCS_PORT]
    completed = subprocess.run(probe, capture_output=True, text=True, timeout=max(deadline - time.monotonic(), 1))
    if completed.returncode != 0:
        raise RuntimeError(f"the Ray head is up but runs no task:\n{completed.stderr[-3000:]}")


@dataclass(frozen=True)
class RayCluster:
    """The addresses of a test cluster: the Ray Client one (engine off the cluster) and the GCS one (a driver)."""

    client: str
    gcs: str


@contextmanager
def ray_head(num_cpus: int = 2, timeout_s: float = 60.0) -> Iterator[RayCluster]:
    """A Ray head on 127.0.0.1 with ``num_cpus`` CPUs; yields its addresses and stops it afterwards."""
    if os.environ.get(PRIVATE_NETNS) != "1":
        raise RuntimeError("a test Ray cluster also binds the host's address: start it only inside run_isolated")
    ray = Path(sys.executable).parent / "ray"
    with tempfile.TemporaryDirectory(prefix="tray-", dir="/tmp") as temp_dir:
        log = Path(temp_dir) / "start.log"
        command = [str(ray), "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={GCS_PORT}"]
        command += [f"--ray-client-server-port={CLIENT_PORT}", f"--num-cpus={num_cpus}", "--num-gpus=0"]
        command += ["--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={temp_dir}"]
        env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
        with open(log, "wb") as out:
            head = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, preexec_fn=die_with_parent)
        try:
            deadline = time.monotonic() + timeout_s
            wait_for_port(GCS_PORT, head, deadline, log, "the Ray head")
            wait_for_port(CLIENT_PORT, head, deadline, log, "the Ray head")
            _wait_until_a_task_runs(deadline)
            yield RayCluster(client=f"ray://127.0.0.1:{CLIENT_PORT}", gcs=f"127.0.0.1:{GCS_PORT}")
        finally:
            head.send_signal(signal.SIGTERM)  # `ray start --block` stops what it started
            try:
                head.wait(timeout=30)
            except subprocess.TimeoutExpired:
                head.kill()
                head.wait()


@chz.chz
class StepsAgent(CodingAgent):
    """Writes ``steps[i]`` to ``main.py`` on experiment i (the last repeats); a debug attempt writes ``fix`` if set."""

    steps: tuple[str, ...] = chz.field(
        default=("print('SCORE: 1')",), validator=not_empty(), doc="main.py of each experiment in turn"
    )
    fix: str | None = chz.field(default=None, doc="main.py written by a debug attempt (None: the step's again)")
    portable: bool = chz.field(default=False, doc="may run on a Ray worker (agent step included)")

    def implement(self, request: AgentRequest) -> AgentResult:
        if request.kind == "debug" and self.fix is not None:
            code = self.fix
        else:
            code = self.steps[min(request.iteration, len(self.steps)) - 1]
        (request.workspace / "main.py").write_text(code + "\n")
        return AgentResult(changed_files=("main.py",), summary=f"wrote step {request.iteration} on pid {os.getpid()}")

    def can_run_remotely(self) -> bool:
        return self.portable


class StepsAgentPlugin:
    """Registers ``steps`` (``StepsAgent``) for a test: ``get_manager().registered(StepsAgentPlugin())``."""

    @hookimpl
    def tinkerer_register_coding_agents(self, register):
        register("steps", StepsAgent)


def evolve_resuming_a_lost_session(config: EvolveConfig) -> Solution:
    """``Tinkerer().run(config)`` (``config.run_dir`` set), resumed once when its Ray Client session never opened.

    Ray's client proxy forks a server per client from a threaded process, and such a fork can deadlock
    (a Ray fault, seen about once in a few dozen sessions here): the executor reports it within its limit,
    and tests and benchmarks, which measure Tinkerer rather than that fault, connect again.
    """
    from tinkerer_core import Tinkerer
    from tinkerer_plugin_ray.executor import RayConnectionError

    assert config.run_dir, "a run to resume needs its run_dir"
    try:
        return Tinkerer().run(config)
    except RayConnectionError as error:
        if "opened no session" not in str(error):
            raise
        return Tinkerer().resume(config.run_dir)
