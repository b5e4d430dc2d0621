"""run_process: no shell, the process group killed on timeout, secrets kept out."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tinkerer_plugin_evaluators.process import command_argv, run_process

SPAWNS_A_CHILD = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
open("child.pid", "w").write(str(child.pid))
time.sleep(60)
"""


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped does not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_timeout_kills_the_whole_process_group(tmp_path) -> None:
    started = time.monotonic()
    result = run_process([sys.executable, "-c", SPAWNS_A_CHILD], tmp_path, timeout_s=1.0)
    assert result.timed_out and result.exit_code is None
    assert time.monotonic() - started < 10
    child = int((tmp_path / "child.pid").read_text())
    deadline = time.monotonic() + 5
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)


def test_secrets_are_scrubbed_and_python_is_this_interpreter(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    argv = command_argv("python -c 'import os, sys; print(sys.executable, os.environ.get(\"OPENAI_API_KEY\"))'")
    assert argv[0] == sys.executable
    result = run_process(argv, tmp_path, timeout_s=30)
    assert result.stdout.split() == [sys.executable, "None"]
    assert result.exit_code == 0 and not result.timed_out
