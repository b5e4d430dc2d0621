"""Run a command in a workspace: no shell, a supervised process tree, hard timeout, secrets scrubbed."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tinkerer_core import ConfigError
from tinkerer_core.processes import missing_program, start_supervised, stop_tree
from tinkerer_core.secrets import scrubbed_environment


@dataclass(frozen=True)
class ProcessResult:
    """What a finished (or killed) process printed and how it ended."""

    exit_code: int | None  # None when it timed out or could not start
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False
    error: str = ""  # why it could not start

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def command_argv(command: str) -> tuple[str, ...]:
    """Split ``command`` like a shell would; a leading ``python`` is the interpreter Tinkerer runs in."""
    try:
        argv = shlex.split(command)
    except ValueError as error:
        raise ConfigError(f"command {command!r} cannot be split into arguments: {error}") from None
    if not argv:
        raise ConfigError("command is empty; give the program to run, e.g. 'python score.py'")
    if argv[0] in ("python", "python3"):
        argv[0] = sys.executable
    return tuple(argv)


def run_process(argv: Sequence[str], cwd: Path, timeout_s: float) -> ProcessResult:
    """Run ``argv`` in ``cwd`` as a supervised tree (``tinkerer_core.processes``): it ends at the timeout,
    when it exits (children it left behind) and with the caller."""
    env = {**scrubbed_environment(os.environ), "PYTHONDONTWRITEBYTECODE": "1"}
    missing = missing_program(argv, cwd, env)
    if missing:
        return ProcessResult(exit_code=None, error=missing)
    process = start_supervised(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        stop_tree(process.pid)
        stdout, stderr = process.communicate()
        return ProcessResult(exit_code=None, stdout=stdout, stderr=stderr, timed_out=True)
    finally:
        if process.poll() is None:  # interrupted: leave nothing running
            stop_tree(process.pid)
            process.wait()
    return ProcessResult(exit_code=process.returncode, stdout=stdout, stderr=stderr)
