"""``examples/openhands_demo.py`` from the command line: OpenHands, scripted over OpenAI's wire format, writes
the solution in the experiment's worktree and the run scores it (a full evolve run with ``coding_agent=openhands``)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from openhands_standin import StandInServer, tool_call

from tinkerer_core import RunStore

EXAMPLE = Path(__file__).parents[3] / "examples" / "openhands_demo.py"
SOLUTION = """def add(a, b):
    return a + b


def is_even(n):
    return n % 2 == 0


def reverse(s):
    return s[::-1]
"""


@pytest.mark.slow
def test_the_example_reaches_a_perfect_score(
    openhands_venv: Path, standin: Callable[..., StandInServer], tmp_path: Path
) -> None:
    server = standin(
        [
            tool_call("terminal", command=f"cat > solution.py << 'EOF'\n{SOLUTION}EOF"),
            tool_call("terminal", command="python -c 'import solution; print(solution.reverse(\"abc\"))'"),
            tool_call("finish", message="solution.py defines add, is_even and reverse"),
        ]
    )
    argv = [sys.executable, "-m", "tinkerer_core.cli", "evolve", str(EXAMPLE), "run_dir=run", "output_path=best"]
    argv += [
        "coding_agent.model=openai/scripted",
        f"coding_agent.api_base={server.url}",
        f"coding_agent.venv={openhands_venv}",
    ]
    argv += ["llm.model=openai/gpt-4o-mini", "llm.mock_responses=no ideas"]  # the search's calls: litellm offline
    completed = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False)
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-3000:]
    assert (tmp_path / "best" / "solution.py").read_text() == SOLUTION
    store = RunStore(tmp_path / "run")
    try:
        baseline, experiment = store.experiments()
        assert baseline.baseline and experiment.score == 1.0  # the baseline: the starting code as it is
        agent_calls = [call for call in store.llm_calls() if call["purpose"] == "agent:openhands"]
        assert len(agent_calls) == 3 and all(call["model"] == "openai/scripted" for call in agent_calls)
    finally:
        store.close()
