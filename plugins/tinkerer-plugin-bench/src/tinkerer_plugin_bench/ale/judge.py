"""The judge of ale-lite's final grade: a solution run on each private case, supervised, time-limited, sealed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from tinkerer_core.processes import start_supervised, stop_tree
from tinkerer_core.secrets import scrubbed_environment
from tinkerer_plugin_bench import sealed
from tinkerer_plugin_bench.views import DATA_ENV

MEMORY_MB = 1024
STARTUP_SLACK_S = 0.5  # the interpreter's start, on a loaded machine, is not the solution's time


@dataclass(frozen=True)
class CaseResult:
    """One case judged: AC (accepted, with its score), WA, RE or TLE, and a message."""

    judge: str
    score: int | None
    message: str = ""
    seconds: float = 0.0


def run_case(solution: Path, program: str, input_text: str, tools: ModuleType, hidden: Sequence[Path]) -> CaseResult:
    """Run ``python program`` in ``solution`` on one input and score its output with ``tools``."""
    argv = [sys.executable, program]
    if hidden and sealed.sealing_works()[0]:
        argv = sealed.command(hidden, argv)
    env = {**scrubbed_environment(os.environ), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop(DATA_ENV, None)
    started = time.monotonic()
    process = start_supervised(
        argv,
        memory_mb=MEMORY_MB,
        cwd=solution,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        output, errors = process.communicate(input_text, timeout=tools.TIME_LIMIT_S + STARTUP_SLACK_S)
    except subprocess.TimeoutExpired:
        stop_tree(process.pid)
        process.communicate()
        return CaseResult("TLE", None, f"time limit of {tools.TIME_LIMIT_S:g} s exceeded", time.monotonic() - started)
    seconds = time.monotonic() - started
    if process.returncode != 0:
        return CaseResult("RE", None, f"exit {process.returncode}: {errors.strip()[-300:]}", seconds)
    try:
        return CaseResult("AC", tools.score(input_text, output), "", seconds)
    except (tools.WrongAnswer, ValueError, IndexError) as wrong:
        return CaseResult("WA", None, str(wrong), seconds)


def judge_counts(results: Sequence[CaseResult]) -> dict[str, int]:
    """How many cases got each judge result."""
    return dict(Counter(result.judge for result in results))
