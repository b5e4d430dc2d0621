"""What runs on a Ray worker: a shipped workspace is unpacked in a temporary directory, used, and its changes returned.

Nothing here writes to the run store or the run's repository: the engine does, with what these
functions return. The same limits as local runs apply here (``run_here``: timeout, memory cap,
scrubbed environment), and the solution's processes die with the worker.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinkerer_core import RunResult
from tinkerer_core.runner import Limits, run_command
from tinkerer_core.secrets import scrubbed_environment
from tinkerer_core.shipping import DATA_LINK, Changes, changes_since, digests, unpack

if TYPE_CHECKING:
    from tinkerer_core import ExperimentJob, ExperimentOutcome

SCRATCH_PREFIX = "tinkerer-ray-"  # then pid namespace and pid: what a killed worker left, the next task sweeps


def _pid_namespace() -> str:
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "0"


@contextlib.contextmanager
def scratch_directory() -> Iterator[Path]:
    """A temporary directory for one task; first removes those of dead workers of this pid namespace."""
    root = Path(tempfile.gettempdir())
    namespace = _pid_namespace()
    for stale in root.glob(f"{SCRATCH_PREFIX}{namespace}-*-*"):
        pid = stale.name.removeprefix(f"{SCRATCH_PREFIX}{namespace}-").split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{namespace}-{os.getpid()}-") as scratch:
        yield Path(scratch)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclasses.dataclass(frozen=True)
class Shipment:
    """A workspace and what goes with it to the worker."""

    archive: bytes  # the worktree's files (shipping.pack)
    sent_env: Mapping[str, str] = dataclasses.field(default_factory=dict)  # executor.send_env values
    return_bytes: int | None = None  # changed files brought back, at most


def _unpacked(shipment: Shipment, data: bytes | str | None, scratch: Path) -> Path:
    """The workspace, with ``data`` (data_dir packed, or its path on a shared filesystem) as ./data."""
    workspace = scratch / "workspace"
    unpack(shipment.archive, workspace)
    if isinstance(data, bytes):
        unpack(data, workspace / DATA_LINK)
    elif isinstance(data, str):
        (workspace / DATA_LINK).symlink_to(data, target_is_directory=True)
    return workspace


def _run_on_worker(
    sent_env: Mapping[str, str],
    command: str,
    workspace: Path,
    limits: Limits,
    env: Mapping[str, str],
    pid_file: Path | None,
) -> RunResult:
    return run_command(command, workspace, limits, {**env, **sent_env}, pid_file)


def _note_left_behind(result: RunResult, changes: Changes) -> RunResult:
    if not changes.left_behind:
        return result
    names = ", ".join(changes.left_behind[:10])
    note = (
        f"\n[tinkerer] {len(changes.left_behind)} changed files over executor.return_mb stayed on the worker: {names}"
    )
    return dataclasses.replace(result, output=result.output + note)


def run_command_shipped(
    command: str,
    shipment: Shipment,
    data: bytes | str | None,
    limits: Limits,
    pass_env: tuple[str, ...],
    engine_env: Mapping[str, str],
    engine_workspace: str,
) -> tuple[RunResult, Changes]:
    """Run one solution command in a copy of its workspace; return the result and the files it changed.

    The environment is this worker's, scrubbed of secrets (``pass_env`` kept), plus Tinkerer's own
    variables from ``engine_env`` pointed at this copy, plus ``executor.send_env``.
    """
    with scratch_directory() as scratch:
        workspace = _unpacked(shipment, data, scratch)
        before = digests(workspace)
        env = scrubbed_environment(os.environ, keep=pass_env)
        for key, value in engine_env.items():
            if key.startswith("TINKERER_") or key in ("PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"):
                env[key] = value.replace(engine_workspace, str(workspace))
        result = _run_on_worker(shipment.sent_env, command, workspace, limits, env, None)
        changes = changes_since(workspace, before, shipment.return_bytes)
        return _note_left_behind(result, changes), changes


def run_experiment_shipped(job: ExperimentJob, shipment: Shipment, data: bytes | str | None) -> ExperimentOutcome:
    """Run a whole experiment (agent, runs, evaluator) in a copy of its workspace.

    The outcome holds the commits it made there and what its last run left uncommitted, which the
    engine replays in the worktree; LLM calls are recorded in it, as in a local worker process.
    """
    with scratch_directory() as scratch:
        workspace = _unpacked(shipment, data, scratch)
        outcome = job.run_elsewhere(workspace, partial(_run_on_worker, shipment.sent_env), shipment.return_bytes)
        if outcome.result is not None and outcome.recorded is not None:
            outcome.result = _note_left_behind(outcome.result, outcome.recorded.uncommitted)
        return outcome


def describe_worker() -> dict[str, Any]:
    """Where a task ran (for tests and the benchmark): process id, host and Python."""
    import socket
    import sys

    return {"pid": os.getpid(), "host": socket.gethostname(), "python": sys.executable}
