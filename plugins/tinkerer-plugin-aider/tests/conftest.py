"""Fixtures: aider's real virtual environment (or a skip saying how to create it) and small workspaces."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tinkerer_core import AgentRequest
from tinkerer_plugin_aider.setup import installed_version, setup_hint, venv_path

BUGGY = "def add(a, b):\n    return a - b\n"


@pytest.fixture(scope="session")
def aider_venv() -> Path:
    """aider's environment ($TINKERER_AIDER_VENV or ~/.cache/tinkerer/aider-venv), or a skip saying how to make it."""
    if installed_version() is None:
        pytest.skip(
            f"aider's virtual environment is missing at {venv_path()}: create it with `{setup_hint()}` "
            "(or `make aider-venv`)"
        )
    return venv_path()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A workspace holding one buggy file, ``calc.py``."""
    root = tmp_path / "workspace"
    root.mkdir()
    (root / "calc.py").write_text(BUGGY)
    return root


@pytest.fixture
def make_request(workspace: Path) -> Callable[..., AgentRequest]:
    """An ``AgentRequest`` on ``workspace`` with ``calc.py`` in focus; keywords override fields."""

    def make(**fields: object) -> AgentRequest:
        fields.setdefault("goal", "add(a, b) returns the sum of a and b")
        fields.setdefault("workspace", workspace)
        fields.setdefault("idea", "fix add")
        fields.setdefault("kind", "debug")
        fields.setdefault("focus_files", ("calc.py",))
        return AgentRequest(**fields)  # type: ignore[arg-type]

    return make


@pytest.fixture
def bare_venv(tmp_path: Path) -> Path:
    """A real virtual environment without aider (and without pip: quick to create)."""
    root = tmp_path / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    return root
