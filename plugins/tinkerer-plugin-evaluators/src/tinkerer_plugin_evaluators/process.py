"""Run an evaluator's command in a workspace: no shell, a supervised process tree, hard timeout, secrets scrubbed."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from tinkerer_core import ConfigError
from tinkerer_core.processes import Finished, run_supervised
from tinkerer_core.secrets import scrubbed_environment

OUTPUT_CHARS = 1_000_000  # an evaluator reads its command's output: past this, its head and tail are kept


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


def run_process(argv: Sequence[str], cwd: Path, timeout_s: float, merge_stderr: bool = False) -> Finished:
    """Run ``argv`` in ``cwd`` with secrets scrubbed from its environment (``tinkerer_core.processes.run_supervised``:
    a supervised tree, ended at the timeout, when it exits and with the caller); its output's head and tail kept."""
    env = {**scrubbed_environment(os.environ), "PYTHONDONTWRITEBYTECODE": "1"}
    return run_supervised(
        argv, cwd=cwd, env=env, timeout_s=timeout_s, merge_stderr=merge_stderr, keep_chars=OUTPUT_CHARS
    )
