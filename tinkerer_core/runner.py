"""Run a solution's command in its workspace: a supervised process tree, hard timeout, memory and output caps.

Callers pass an environment scrubbed of secrets (``tinkerer_core.secrets.scrubbed_environment``)
unless the config passes them explicitly. ``run_command`` is the engine's ``CommandRunner``; an
executor that runs commands elsewhere (a cluster worker) hands an experiment a runner of its own.
"""

from __future__ import annotations

import os
import resource
import shlex
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tinkerer_core.processes import missing_program, record_process, recorded_process, start_supervised, stop_tree
from tinkerer_core.types import RunResult

READER_JOIN_S = 5.0  # after the tree has ended, how long the output pipe may take to drain


@dataclass(frozen=True)
class Limits:
    """How long a run may take, how much memory and output it may use."""

    timeout_s: float = 600.0
    memory_mb: int | None = 4096
    output_chars: int = 200_000  # kept: the first and last half of this


class _CappedOutput:
    """Collects a stream, keeping its head and tail within ``limit`` characters."""

    def __init__(self, limit: int) -> None:
        self.half = max(limit // 2, 1)
        self.head = ""
        self.tail = ""
        self.dropped = 0

    def feed(self, text: str) -> None:
        if len(self.head) < self.half:
            room = self.half - len(self.head)
            self.head += text[:room]
            text = text[room:]
        if not text:
            return
        self.tail += text
        if len(self.tail) > self.half:
            self.dropped += len(self.tail) - self.half
            self.tail = self.tail[-self.half :]

    def text(self) -> str:
        if not self.dropped:
            return self.head + self.tail
        return f"{self.head}\n... [{self.dropped} characters cut] ...\n{self.tail}"


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
    missing = missing_program(argv, workspace, env)
    if missing:
        return RunResult(command=command, exit_code=None, duration_s=0.0, output=missing)
    before = _snapshot(workspace)
    started = time.monotonic()
    process = start_supervised(
        argv,
        memory_mb=limits.memory_mb,
        cwd=workspace,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    if pid_file is not None:
        record_process(pid_file, process.pid)
    output = _CappedOutput(limits.output_chars)
    reader = threading.Thread(target=_pump, args=(process, output), daemon=True)
    reader.start()
    waited: list[tuple[int, resource.struct_rusage]] = []
    waiter = threading.Thread(target=lambda: waited.append(os.wait4(process.pid, 0)[1:]), daemon=True)
    waiter.start()
    try:
        waiter.join(timeout=limits.timeout_s)
        timed_out = waiter.is_alive()
    finally:  # at the timeout, and when the caller is interrupted (Ctrl-C, SIGTERM)
        if waiter.is_alive():
            stop_tree(process.pid)
        waiter.join()
    status, usage = waited[0]
    process.returncode = os.waitstatus_to_exitcode(status)
    reader.join(timeout=READER_JOIN_S)
    duration = time.monotonic() - started
    if pid_file is not None:
        pid_file.unlink(missing_ok=True)

    after = _snapshot(workspace)
    produced = tuple(sorted(name for name, mtime in after.items() if before.get(name) != mtime))
    text = output.text()
    if timed_out:
        text += f"\n[tinkerer] killed after {limits.timeout_s:g} s timeout"
    return RunResult(
        command=command,
        exit_code=None if timed_out else process.returncode,
        duration_s=duration,
        output=text,
        timed_out=timed_out,
        peak_memory_mb=usage.ru_maxrss / 1024,
        produced_files=produced,
        truncated=bool(output.dropped),
    )


def _pump(process: subprocess.Popen[bytes], output: _CappedOutput) -> None:
    stdout = process.stdout
    assert stdout is not None
    # typeshed types Popen.stdout as IO[bytes]; with the default buffering it is a BufferedReader, which has read1
    for chunk in iter(lambda: stdout.read1(65536), b""):  # type: ignore[attr-defined]
        output.feed(chunk.decode("utf-8", errors="replace"))


def kill_leftover(pid_file: Path) -> bool:
    """End the program recorded in ``pid_file`` (a killed run's) with its whole tree, if it still runs."""
    pid = recorded_process(pid_file)
    if pid is not None:
        stop_tree(pid)
    pid_file.unlink(missing_ok=True)
    return pid is not None
