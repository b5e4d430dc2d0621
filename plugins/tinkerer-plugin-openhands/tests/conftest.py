"""Fixtures: OpenHands' real virtual environment (or a skip saying how to create it), git worktrees, stand-ins."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tinkerer_core import AgentRequest, LLMConfig, LLMLedger
from tinkerer_core.gateway import LazyLLM
from tinkerer_plugin_openhands.setup import SDK_VERSION, installed_version, setup_hint, venv_path

sys.path.insert(0, str(Path(__file__).parent))  # the openhands_*.py helpers beside this file
from openhands_helpers import git
from openhands_standin import API_KEY, StandInServer

BUGGY = "def add(a, b):\n    return a - b\n"


@pytest.fixture(scope="session")
def openhands_venv() -> Path:
    """OpenHands' environment ($TINKERER_OPENHANDS_VENV or ~/.cache/...), or a skip saying how to make it."""
    found = installed_version()
    if found != SDK_VERSION:
        pytest.skip(
            f"OpenHands' virtual environment at {venv_path()} has openhands-sdk {found or 'not installed'}, "
            f"not {SDK_VERSION}: create it with `{setup_hint()}` (or `make openhands-venv`; it needs a Python 3.12+)"
        )
    return venv_path()


@pytest.fixture
def worktree(tmp_path: Path) -> Path:
    """A linked git worktree (as the engine makes for each experiment) of a repo holding a buggy ``calc.py``."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "calc.py").write_text(BUGGY)
    git(repo, "add", "calc.py")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "start")
    tree = tmp_path / "worktree"
    git(repo, "worktree", "add", "-q", "-b", "exp-1", str(tree))
    return tree.resolve()


@pytest.fixture
def ledger() -> LLMLedger:
    """The run's LLM ledger."""
    return LLMLedger()


@pytest.fixture
def make_request(worktree: Path, ledger: LLMLedger) -> Callable[..., AgentRequest]:
    """An ``AgentRequest`` on ``worktree`` fixing ``calc.py``, with a run LLM that never retries; keywords override."""

    def make(**fields: object) -> AgentRequest:
        fields.setdefault("goal", "add(a, b) returns the sum of a and b")
        fields.setdefault("workspace", worktree)
        fields.setdefault("idea", "fix add")
        fields.setdefault("kind", "debug")
        fields.setdefault("focus_files", ("calc.py",))
        fields.setdefault("llm", LazyLLM(LLMConfig(model="openai/scripted", retries=0, temperature=0), ledger))
        return AgentRequest(**fields)  # type: ignore[arg-type]

    return make


@pytest.fixture
def bare_venv(tmp_path: Path) -> Path:
    """A real virtual environment without OpenHands (and without pip: quick to create)."""
    root = tmp_path / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    return root


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., StandInServer]]:
    """Start stand-in model servers with scripted replies (litellm sends them $OPENAI_API_KEY); all shut down after."""
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    servers: list[StandInServer] = []

    def start(replies: Sequence[dict[str, Any]]) -> StandInServer:
        server = StandInServer(replies).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)
