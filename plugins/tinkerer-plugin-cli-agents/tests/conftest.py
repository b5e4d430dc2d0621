"""Fixtures: stand-in CLIs (real executables printing the real stream formats) and a workspace to edit."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tinkerer_core import AgentRequest, AgentResult, CodingAgent, create_component

STANDINS = Path(__file__).parent / "standins"
PARENT = "def predict(x):\n    return 0\n\n\nprint('SCORE:', predict(1))\n"
FAKE_KEY = "sk-test-" + "0123456789abcdef" * 2
AUTH_VARIABLES = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "CLAUDE_CODE_OAUTH_TOKEN",
    "CLAUDE_CODE_USE_BEDROCK",
    "CLAUDE_CODE_USE_VERTEX",
    "CODEX_API_KEY",
    "OPENAI_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
)


@dataclass(frozen=True)
class Case:
    """One CLI agent, its stand-in, and what its stand-in's stream reports."""

    agent: str
    command: str  # the executable's name, and the stand-in module's
    key: str  # the variable the tests set, and the one the CLI must receive
    cost: float
    prompt_tokens: int
    completion_tokens: int
    error: str  # what the stand-in's error scenario says


CASES = {
    case.agent: case
    for case in (
        Case("claude_code", "claude", "ANTHROPIC_API_KEY", 0.0421, 2000, 250, "Invalid API key"),
        Case("codex", "codex", "CODEX_API_KEY", 0.0, 2400, 180, "401 Unauthorized: Incorrect API key"),
        Case("gemini", "gemini", "GEMINI_API_KEY", 0.0, 1500, 120, "API key not valid"),
    )
}


def install_standin(bin_dir: Path, command: str) -> Path:
    """Write an executable ``bin_dir/command`` that runs the stand-in module of that name."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / command
    path.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"sys.path.insert(0, {str(STANDINS)!r})\n"
        f"import {command}\n"
        f"sys.exit({command}.main(sys.argv[1:]))\n",
        encoding="utf-8",
    )
    path.chmod(0o755)
    return path


@dataclass
class StandIn:
    """A stand-in CLI on disk, a workspace, and a way to run the agent on them."""

    case: Case
    executable: Path
    workspace: Path
    record_path: Path
    monkeypatch: pytest.MonkeyPatch
    fake_key: str = FAKE_KEY
    parent: str = PARENT

    def install_at(self, bin_dir: Path) -> Path:
        """Another copy of this stand-in, as ``bin_dir/<command>``."""
        return install_standin(bin_dir, self.case.command)

    def agent(self, **params: Any) -> CodingAgent:
        """The agent, built by name through the plugin manager, pointed at the stand-in."""
        settings = {"executable": str(self.executable), **params}
        return create_component("coding_agent", self.case.agent, settings)

    def run(self, scenario: str = "edit", **params: Any) -> AgentResult:
        """Run the agent once with the stand-in playing ``scenario``."""
        self.monkeypatch.setenv("STANDIN_SCENARIO", scenario)
        request = AgentRequest(
            goal="predict y from x",
            workspace=self.workspace,
            idea="return x",
            kind="improve",
            parent_code={"main.py": PARENT},
        )
        return self.agent(**params).implement(request)

    @property
    def record(self) -> dict[str, Any]:
        """What the stand-in was started with: argv, prompt, cwd, env."""
        return json.loads(self.record_path.read_text(encoding="utf-8"))


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A workspace holding the parent's main.py."""
    path = tmp_path / "ws"
    path.mkdir()
    (path / "main.py").write_text(PARENT, encoding="utf-8")
    return path


@pytest.fixture
def clean_auth(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials from the machine: no auth variables, and CODEX_HOME without a login."""
    for name in AUTH_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "codex-home").mkdir()
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "codex-home"))


@pytest.fixture
def make_standin(
    clean_auth: None, workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str], StandIn]:
    """Install the stand-in for an agent, its key set to a fake value, recording how it is started."""

    def make(agent: str) -> StandIn:
        case = CASES[agent]
        monkeypatch.setenv(case.key, FAKE_KEY)
        record_path = tmp_path / "record.json"
        monkeypatch.setenv("STANDIN_RECORD", str(record_path))
        executable = install_standin(tmp_path / "bin", case.command)
        return StandIn(case, executable, workspace, record_path, monkeypatch)

    return make


@pytest.fixture(params=sorted(CASES))
def standin(request: pytest.FixtureRequest, make_standin: Callable[[str], StandIn]) -> StandIn:
    """Each CLI agent's stand-in in turn."""
    return make_standin(request.param)
