"""Every script in ``benchmarks/`` runs in its ``--quick`` smoke mode and prints its figures.

The scripts are found by glob, so one added later is covered without touching this file. A script that
needs what this machine cannot give (root for a namespace, weights that are not installed) prints
``SKIPPED: <reason>`` and exits 0; the test then skips with that reason.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DEFAULT_PLUGINS

# every benchmark measures plugins: the defaults, the knowledge backend, the Ray executor, the embedded model
pytestmark = pytest.mark.needs(*DEFAULT_PLUGINS, "knowledge-sqlite", "ray", "local_llm")

ROOT = Path(__file__).parents[1]
BENCHMARKS = sorted((ROOT / "benchmarks").glob("*.py"))
TIME_LIMIT_S = 300
SKIPPED = re.compile(r"^SKIPPED: (.+)$", re.MULTILINE)
FIGURE = re.compile(r"\d(?:\.\d+)?\s?(?:ms|s|x|%|MB|/s)\b")  # a measured number with its unit


def run_quick(script: Path) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``script --quick``; its whole process group is killed at the time limit."""
    process = subprocess.Popen(
        [sys.executable, str(script), "--quick"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=TIME_LIMIT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"{script.name} --quick ran past {TIME_LIMIT_S} s:\n{stdout[-3000:]}\n{stderr[-3000:]}")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode, stdout, stderr


def test_the_benchmarks_are_found() -> None:
    names = {script.name for script in BENCHMARKS}
    assert {"engine.py", "executor.py", "knowledge.py", "startup.py"} <= names


@pytest.mark.slow
@pytest.mark.parametrize("script", BENCHMARKS, ids=[script.name for script in BENCHMARKS])
def test_a_benchmark_runs_in_quick_mode_and_prints_its_figures(script: Path) -> None:
    code, stdout, stderr = run_quick(script)
    skipped = SKIPPED.search(stdout)
    if code == 0 and skipped:
        pytest.skip(f"{script.name}: {skipped.group(1)}")
    assert code == 0, f"{script.name} --quick exited with {code}:\n{stdout[-3000:]}\n{stderr[-3000:]}"
    assert FIGURE.search(stdout), f"{script.name} --quick printed no figure:\n{stdout[-3000:]}"
