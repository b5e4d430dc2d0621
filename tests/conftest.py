"""Shared fixtures: a scripted coding agent registered in-process (no LLM needed).

The engine, workspaces, runner, store and the evaluator / stop-condition / search plugins used
with it are all real; only the agent's edits are scripted, as known code per step.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import chz
import pytest

from tinkerer_core import AgentRequest, AgentResult, CodingAgent, get_manager, hookimpl
from tinkerer_core.plugins import PluginManager

# the plugins an evolve run's defaults come from (no_score, never, linear_search, llm_edit and its gateway)
DEFAULT_PLUGINS = ("evaluators", "stop_conditions", "search", "litellm")
needs_defaults = pytest.mark.needs(*DEFAULT_PLUGINS)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked ``needs(*plugins)`` (entry-point names) skips, naming them and what to install, when one of
    them is not loaded: not installed (only tinkerer-core, say) or left out by TINKERER_PLUGINS."""
    markers = list(item.iter_markers("needs"))
    infos = PluginManager().infos if markers else {}  # as the environment has it now (a test may have reset it)
    for marker in markers:
        missing = [name for name in marker.args if name not in infos or infos[name].status != "loaded"]
        if missing:
            packages = " ".join(f"tinkerer-plugin-{name.replace('_', '-')}" for name in missing)
            pytest.skip(f"needs {', '.join(missing)}, not installed or not in TINKERER_PLUGINS: pip install {packages}")


@pytest.fixture(autouse=True)
def _environment_as_found() -> Iterator[None]:
    """The CLI run in-process sets variables for its whole process (``--quiet`` sets TINKERER_QUIET): each
    test leaves ``os.environ`` as it found it, so the programs later tests start do not inherit them."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@chz.chz
class ScriptedAgent(CodingAgent):
    """Writes ``steps[i]`` to ``main.py`` on experiment i (1-based, the last step repeats).

    A debug attempt writes ``fix`` when given; otherwise it rewrites the same step. On the iterations in
    ``fail_at`` it writes nothing and reports an error.
    """

    steps: tuple[str, ...] = ("print('SCORE: 1')",)
    fix: str | None = None
    file: str = "main.py"
    log: str | None = None  # a JSON-lines file outside the workspace recording every request
    fail_at: tuple[int, ...] = ()

    def implement(self, request: AgentRequest) -> AgentResult:
        if request.iteration in self.fail_at:
            return AgentResult(changed_files=(), error="scripted: no edit")
        if request.kind == "debug" and self.fix is not None:
            code = self.fix
        else:
            code = self.steps[min(request.iteration, len(self.steps)) - 1]
        (request.workspace / self.file).write_text(code + "\n")
        if self.log:
            with open(self.log, "a") as log:
                log.write(json.dumps(_request_record(request)) + "\n")
        return AgentResult(changed_files=(self.file,), summary=f"wrote step {request.iteration}")


def _request_record(request: AgentRequest) -> dict[str, object]:
    return {
        "iteration": request.iteration,
        "kind": request.kind,
        "idea": request.idea,
        "parent_code": dict(request.parent_code),
        "parent_score": request.parent_score,
        "parent_feedback": request.parent_feedback,
        "parent_output_tail": request.parent_output_tail,
        "errors": list(request.errors),
        "knowledge_context": request.knowledge_context,
    }


def read_log(path: Path) -> list[dict[str, object]]:
    """The requests a ``ScriptedAgent`` with ``log=path`` received, in order."""
    return [json.loads(line) for line in path.read_text().splitlines()]


class ScriptedPlugin:
    @hookimpl
    def tinkerer_register_coding_agents(self, register):
        register("scripted", ScriptedAgent)


@pytest.fixture
def scripted_agent() -> Iterator[str]:
    """Registers the ``scripted`` coding agent for one test."""
    with get_manager().registered(ScriptedPlugin(), "scripted-agent"):
        yield "scripted"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run each test from its own temporary directory (runs/ lands there)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


STEP_AGENT_CONFIG = """
import chz

from tinkerer_core.components import AgentResult, CodingAgent
from tinkerer_core.evolve_config import EvolveConfig
from tinkerer_core.hookspecs import hookimpl
from tinkerer_core.plugins import get_manager


@chz.chz
class StepAgent(CodingAgent):
    steps: tuple[str, ...]

    def implement(self, request):
        code = self.steps[min(request.iteration, len(self.steps)) - 1]
        (request.workspace / "main.py").write_text(code + "\\n")
        return AgentResult(changed_files=("main.py",))


class StepAgentPlugin:
    @hookimpl
    def tinkerer_register_coding_agents(self, register):
        register("steps", StepAgent)


get_manager().register(StepAgentPlugin(), "step-agent")
config = EvolveConfig(goal={goal!r}, coding_agent=StepAgent(steps={steps!r}), max_iterations={max_iterations})
"""


def write_step_config(path: Path, steps: tuple[str, ...], goal: str = "print a score", max_iterations: int = 3) -> Path:
    """A config file whose own in-file plugin scripts the agent, for CLI runs in subprocesses."""
    path.write_text(STEP_AGENT_CONFIG.format(goal=goal, steps=steps, max_iterations=max_iterations))
    return path


def all_pids() -> list[int]:
    """Every process id on this machine, from /proc."""
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def cmdline(pid: int) -> str:
    """The command line of ``pid`` (arguments joined by spaces), or "" once it is gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
