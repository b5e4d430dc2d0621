"""The knowledge example runs for real: notes learned, indexed, and an evolve that uses the index."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DEFAULT_PLUGINS
from .test_examples import EXAMPLES, HOUSE_PRICES_SOLUTION, MODEL, whole_file_reply

pytestmark = pytest.mark.needs(*DEFAULT_PLUGINS, "knowledge-sqlite")


def test_knowledge_evolve_example_learns_indexes_and_evolves(tmp_path: Path) -> None:
    reply = tmp_path / "reply.md"
    reply.write_text(whole_file_reply("main.py", HOUSE_PRICES_SOLUTION))
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "knowledge_evolve.py"), "--workdir", "work", "--scripted-reply", str(reply)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TINKERER_MODEL": MODEL, "TINKERER_QUIET": "1"},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "learned 2 pages into work/wiki"
    assert lines[1].startswith("knowledge for the goal: ")
    assert {"Model the log of the price", "Encode neighborhoods"} == set(
        lines[1].removeprefix("knowledge for the goal: ").split(", ")
    )
    assert lines[2].startswith("score: 0.082; stopped: score 0.082 reached threshold 0.12 (minimize)")
