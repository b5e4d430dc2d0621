"""The training examples run as users run them: ``tinkerer train <example>`` in a subprocess.

The config files train SmolLM2-135M-Instruct; here ``trainer.base_model`` points them at the tiny test model
and shortens them, so the test checks the configs and their data, not what a 135M model learns.
``make train-demo`` is the real-model run: its test asserts the held-out score rises.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[3] / "examples"
TINY = "trainer.base_model=tinkerer/tiny-chat"


def _train(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tinkerer_core.cli", "train", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_grpo_example(tmp_path: Path) -> None:
    run = _train(str(EXAMPLES / "train_grpo.py"), TINY, "trainer.steps=2", "trainer.max_tokens=4", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in (tmp_path / "runs" / "train-grpo" / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in rows] == [1, 2]


def test_scientific_code_example(tmp_path: Path) -> None:
    run = _train(
        str(EXAMPLES / "scientific_code.py"),
        TINY,
        "trainer.steps=1",
        "trainer.max_rounds=1",
        "trainer.max_tokens=8",
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    run_dir = tmp_path / "runs" / "scientific-code"
    rounds = [json.loads(line) for line in (run_dir / "rounds.jsonl").read_text().splitlines()]
    assert [r["round"] for r in rounds] == [0, 1] and len(rounds[0]["failures"]) == 5
    replies = [json.loads(line) for line in (run_dir / "evals" / "round-1.jsonl").read_text().splitlines()]
    assert all(reply["score"] == 0.0 and reply["feedback"] for reply in replies)  # random tokens fail the asserts


@pytest.mark.slow
def test_train_demo_raises_the_held_out_score(tmp_path: Path) -> None:
    """``make train-demo``: SmolLM2-135M-Instruct, before and after, side by side; the score must rise."""
    run = subprocess.run(
        [sys.executable, str(EXAMPLES / "train_demo.py"), str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=1500,
    )
    print(run.stdout[-3000:])
    assert run.returncode == 0, run.stderr[-3000:]
    assert "held-out exact match: before" in run.stdout
