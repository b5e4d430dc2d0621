"""A real evolve run to report on: only the coding agent is scripted (it writes known code per step)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import chz
import pytest

from tinkerer_core import AgentRequest, AgentResult, CodingAgent, Solution, Tinkerer, get_manager, hookimpl

HOSTILE = "<script>window.pwned = 1</script><img src=x onerror=window.pwned=2>"
SCRIPTED_LLM = {"model": "openai/gpt-4o-mini", "mock_responses": ('{"ideas": ["try a better score"]}',)}
STEPS = (
    "print('SCORE: 0.2')",
    f"print({HOSTILE!r})\nprint('SCORE: 0.7')",
    "raise SystemExit('no luck')",
    "print('SCORE: 0.5')",
)


@chz.chz
class StepAgent(CodingAgent):
    """Writes ``steps[i]`` to main.py on experiment i (the last step repeats)."""

    steps: tuple[str, ...] = STEPS

    def implement(self, request: AgentRequest) -> AgentResult:
        (request.workspace / "main.py").write_text(self.steps[min(request.iteration, len(self.steps)) - 1] + "\n")
        return AgentResult(changed_files=("main.py",), summary=f"step {request.iteration}")


class StepAgentPlugin:
    @hookimpl
    def tinkerer_register_coding_agents(self, register):
        register("report_steps", StepAgent)


@pytest.fixture
def step_agent() -> Iterator[str]:
    with get_manager().registered(StepAgentPlugin(), "report-step-agent"):
        yield "report_steps"


def evolve(run_dir: Path, agent: str, steps: tuple[str, ...] = STEPS) -> Solution:
    return Tinkerer().evolve(
        goal="print a good score",
        coding_agent=agent,
        coding_agent_params={"steps": steps},
        evaluator="regex_pattern",
        search_strategy="linear_search",
        max_iterations=len(steps),
        run_dir=str(run_dir),
        debug_attempts=0,
        llm_params=SCRIPTED_LLM,
    )


@pytest.fixture
def finished_run(tmp_path: Path, step_agent: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TINKERER_QUIET", "1")
    return evolve(tmp_path / "run", step_agent).run_dir
