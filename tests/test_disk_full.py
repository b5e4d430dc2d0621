"""A run whose disk fills up stops with a clear error and resumes once space is back (a real tmpfs)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tinkerer_core import RunStore

from .conftest import needs_defaults, write_step_config

pytestmark = needs_defaults

SCRIPTED_LLM = ("llm.model=openai/gpt-4o-mini", 'llm.mock_responses={"ideas": ["a scripted idea"]}')
FILL_ONCE = (
    "import os\n"
    "if not os.path.exists({marker!r}):\n"
    "    open({marker!r}, 'w').close()\n"
    "    with open('big.bin', 'wb') as out:\n"
    "        while True:\n"
    "            out.write(os.urandom(1 << 20))\n"
    "print('SCORE: 2')"
)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB tmpfs (root only: skipped elsewhere)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (root needed): {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=False)


@pytest.mark.slow
def test_a_full_disk_stops_the_run_with_a_clear_error_and_resume_finishes_it(tmp_path: Path, small_disk: Path) -> None:
    steps = ("print('SCORE: 1')", FILL_ONCE.format(marker=str(tmp_path / "filled")), "print('SCORE: 3')")
    config = write_step_config(tmp_path / "config.py", steps, max_iterations=3)
    run_dir = small_disk / "run"
    command = [sys.executable, "-m", "tinkerer_core.cli"]
    args = ["evolve", str(config), "evaluator=regex_pattern", "search_strategy=linear_search", f"run_dir={run_dir}"]
    stopped = subprocess.run([*command, *args, *SCRIPTED_LLM], cwd=tmp_path, capture_output=True, text=True)
    assert stopped.returncode == 2, stopped.stderr
    error_lines = [line for line in stopped.stderr.splitlines() if line.startswith("error:")]
    assert error_lines and error_lines[0].startswith(f"error: the disk that holds {run_dir} is full ("), stopped.stderr
    assert f"tinkerer resume {run_dir}" in stopped.stderr and "Traceback" not in stopped.stderr
    assert RunStore(run_dir).experiment(1).score == 1  # what finished is kept

    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    resumed = subprocess.run([*command, "resume", str(run_dir)], cwd=tmp_path, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert [e.score for e in RunStore(run_dir).experiments()] == [1, 2, 3]
