"""`make demo`'s main job, on the real embedded model: plumbing only, never code quality."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tinkerer_core import ExperimentStatus, RunStore

from .conftest import DEFAULT_PLUGINS

pytestmark = pytest.mark.needs(*DEFAULT_PLUGINS, "local_llm")

DEMO = Path(__file__).parents[1] / "examples" / "demo.py"


@pytest.mark.slow
def test_demo_evolves_on_the_embedded_model(tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tinkerer_core.cli",
            "evolve",
            str(DEMO),
            "max_iterations=2",
            "run_dir=run",
            "llm.max_tokens=200",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "experiments: " in completed.stdout and "run directory:" in completed.stdout
    store = RunStore(tmp_path / "run")
    experiments = store.experiments()
    assert 1 <= len(experiments) <= 2
    assert all(e.status in (ExperimentStatus.SUCCEEDED, ExperimentStatus.FAILED) for e in experiments)
    calls = store.llm_calls()
    agent_calls = [call for call in calls if call["purpose"].startswith("agent")]
    assert agent_calls, "the coding agent asked the embedded model"
    assert all(call["model"] == "local/smollm2-135m" and call["cost_known"] == 0 for call in calls)
    assert all(call["completion_tokens"] > 0 for call in agent_calls)
