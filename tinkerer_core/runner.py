"""Run a solution's command in its workspace: a supervised process tree, hard timeout, memory and output caps.

Callers pass an environment scrubbed of secrets (``tinkerer_core.secrets.scrubbed_environment``)
unless the config passes them explicitly. ``run_command`` is the engine's ``CommandRunner``; an
executor that runs commands elsewhere (a cluster worker) hands an experiment a runner of its own.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tinkerer_core.processes import recorded_process, run_supervised, stop_tree
from tinkerer_core.types import RunResult


@dataclass(frozen=True)
class Limits:
    """How long a run may take, how much memory and output it may use."""

    timeout_s: float = 600.0
    memory_mb: int | None = 4096
    output_chars: int = 200_000  # kept: the first and last half of this


def _snapshot(root: Path) -> dict[str, float]:
    files: dict[str, float] = {}
    for path in root.rglob("*"):
        if ".git" in path.parts or not path.is_file():
            continue
        try:
            files[str(path.relative_to(root))] = path.stat().st_mtime_ns
        except OSError:
            continue
    return files


class CommandRunner(Protocol):
    """Runs one solution command in a workspace with limits, and says what happened (``run_command``'s shape)."""

    def __call__(
        self, command: str, workspace: Path, limits: Limits, env: Mapping[str, str], pid_file: Path | None = None
    ) -> RunResult: ...


def run_command(
    command: str,
    workspace: Path,
    limits: Limits,
    env: Mapping[str, str],
    pid_file: Path | None = None,
) -> RunResult:
    """Run ``command`` in ``workspace`` on this machine and record what happened; never raises for the program's
    faults. A leading ``python`` means the interpreter Tinkerer itself runs in. While the program runs,
    ``pid_file`` holds its process-group id, so a resumed run can kill what a killed run left.

    The program runs under a supervisor (``tinkerer_core.processes``): it and every process it starts end when
    it exits, at the timeout, when the caller is interrupted, and when the caller's process dies (a killed
    engine or cluster worker takes its experiment's processes with it)."""
    argv = shlex.split(command)
    if argv and argv[0] in ("python", "python3"):
        argv[0] = sys.executable  # the interpreter Tinkerer itself runs in, whatever PATH says
    before = _snapshot(workspace)
    finished = run_supervised(
        argv,
        cwd=workspace,
        env=env,
        timeout_s=limits.timeout_s,
        memory_mb=limits.memory_mb,
        merge_stderr=True,
        keep_chars=limits.output_chars,
        pid_file=pid_file,
    )
    if finished.start_error:
        return RunResult(command=command, exit_code=None, duration_s=0.0, output=finished.start_error)
    after = _snapshot(workspace)
    produced = tuple(sorted(name for name, mtime in after.items() if before.get(name) != mtime))
    text = finished.stdout
    if finished.timed_out:
        text += f"\n[tinkerer] killed after {limits.timeout_s:g} s timeout"
    return RunResult(
        command=command,
        exit_code=finished.exit_code,
        duration_s=finished.duration_s,
        output=text,
        timed_out=finished.timed_out,
        peak_memory_mb=finished.peak_memory_mb,
        produced_files=produced,
        truncated=finished.truncated,
    )


def kill_leftover(pid_file: Path) -> bool:
    """End the program recorded in ``pid_file`` (a killed run's) with its whole tree, if it still runs."""
    pid = recorded_process(pid_file)
    if pid is not None:
        stop_tree(pid)
    pid_file.unlink(missing_ok=True)
    return pid is not None
