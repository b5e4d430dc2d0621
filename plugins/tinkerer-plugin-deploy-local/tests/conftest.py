from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

SOLUTION = """
import os
import subprocess
import time

def predict(inputs):
    print("called with", sorted(inputs))
    action = inputs.get("action")
    if action == "crash":
        raise ValueError("boom")
    if action == "die":
        os._exit(3)
    if action == "sleep":
        time.sleep(inputs["seconds"])
    if action == "spawn":
        child = subprocess.Popen(["sleep", "60"])
        return {"child": child.pid}
    if action == "secret":
        print("key is", os.environ.get("OPENAI_API_KEY"), flush=True)
        return {"key": os.environ.get("OPENAI_API_KEY")}
    if action == "cwd":
        return {"cwd": os.getcwd()}
    return {"double": inputs["x"] * 2}
"""


@pytest.fixture
def solution_dir(tmp_path: Path) -> Path:
    """A solution whose ``predict`` doubles ``x`` and, on request, crashes, dies, hangs or spawns a child."""
    path = tmp_path / "solution"
    path.mkdir()
    (path / "main.py").write_text(textwrap.dedent(SOLUTION))
    return path
