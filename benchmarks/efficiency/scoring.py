"""How a peer's driver scores one program: the benchmark's harness, run by the benchmark's own Python.

Stdlib only: every peer's driver imports it inside that peer's venv, so every program any system writes is
scored by the same harness in the same interpreter (the one with scikit-learn), and logged to the same file.
"""

from __future__ import annotations

import subprocess
from typing import Any

TIMEOUT_S = 60
WORST = -1e9  # the signed score of a program that failed


def score_program(spec: dict[str, Any], program_path: str) -> tuple[float | None, str]:
    """(the harness's score, or None when the program failed; what the harness printed)."""
    try:
        done = subprocess.run(
            [spec["harness_python"], spec["harness"], program_path, "--log", spec["log"]],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return None, f"timed out after {TIMEOUT_S} s"
    output = done.stdout + done.stderr
    score = None
    for line in output.splitlines():
        if line.startswith("SCORE: "):
            score = float(line.split()[1])
    return (score if done.returncode == 0 else None), output[-3000:]


def signed(spec: dict[str, Any], score: float) -> float:
    """``score`` as a higher-is-better number (peers maximize)."""
    return score if spec["direction"] == "maximize" else -score
