"""The deploy example runs for real: a local service started, called, stopped, restarted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DEFAULT_PLUGINS

pytestmark = pytest.mark.needs(*DEFAULT_PLUGINS, "deploy-local")


EXAMPLES = Path(__file__).parents[1] / "examples"


def test_deploy_local_example_manages_the_lifecycle() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "deploy_local.py")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("plan: local: serves main:predict")
    assert lines[1].startswith("serving at http://127.0.0.1:") and lines[1].endswith("healthy: True")
    assert lines[2] == "run: {'status': 'success', 'output': {'label': 'positive', 'score': 2}}"
    assert "'label': 'negative'" in lines[3] and "'label': 'neutral'" in lines[3]
    assert lines[4] == "after stop, healthy: False"
    assert lines[5] == "after start: {'status': 'success', 'output': {'label': 'positive', 'score': 2}}"
    assert lines[6] == "auto: {'status': 'success', 'output': {'label': 'negative', 'score': -1}}"
    assert lines[7] == "logs: 1 calls logged"
