"""Every failure is counted by cause in the run store: replies that do not land, runs that fail, missing scores.

Real evolve runs with the ``llm_edit`` agent; its replies are scripted through the real litellm gateway.
The engine opens a fresh gateway per experiment, so one experiment with debug attempts walks the script.
"""

from __future__ import annotations

from pathlib import Path

from tinkerer_core import RunResult, RunStore, Tinkerer
from tinkerer_core.engine.experiment import run_failure_cause

from .conftest import needs_defaults

pytestmark = needs_defaults

SCRIPT = (
    "I would rather describe the change than write it.",  # no_code
    "```python\nprint('SCORE: 0.5'\n```",  # runs and fails to compile: syntax_error
    "```python\nraise SystemExit(3)\n```",  # crash
    "```python\nraise SystemExit(3)\n```",  # the same file again: identical, never run
    "```python\nprint('done')\n```",  # runs cleanly but prints no score: no_score, and the experiment ends
)


def test_a_run_counts_each_failure_by_cause(workdir: Path) -> None:
    solution = Tinkerer().evolve(
        goal="print a good score",
        coding_agent="llm_edit",
        coding_agent_params={"edit_format": "whole"},
        search_strategy="linear_search",
        search_strategy_params={"ideas": "heuristic"},
        evaluator="regex_pattern",
        max_iterations=1,
        debug_attempts=len(SCRIPT) - 1,
        run_dir="run",
        timeout_s=20.0,
        llm_params={"model": "openai/gpt-4o-mini", "mock_responses": SCRIPT},
    )
    assert solution.score is None
    store = RunStore(solution.run_dir)
    assert store.failure_counts() == {"crash": 1, "identical": 1, "no_code": 1, "no_score": 1, "syntax_error": 1}
    failures = store.events("failure")
    assert [event["data"]["attempt"] for event in failures] == [1, 2, 3, 4, 5]
    assert [event["data"]["stage"] for event in failures] == ["edit", "run", "run", "edit", "evaluate"]
    assert all(event["experiment_id"] == 1 for event in failures)
    assert len(store.llm_calls()) == len(SCRIPT)  # one call per attempt: nothing spent on ideas
    assert [event["data"]["error"] for event in store.events("agent_failed")] == [
        "no code in reply",
        "reply identical to parent",
    ]


def test_run_failures_are_told_apart() -> None:
    def result(output: str, exit_code: int = 1, timed_out: bool = False) -> RunResult:
        return RunResult(
            command="python main.py", exit_code=exit_code, duration_s=0.1, output=output, timed_out=timed_out
        )

    assert run_failure_cause(result("", timed_out=True, exit_code=-9)) == "timeout"
    trace = "  File \"main.py\", line 1\n    print(\n         ^\nSyntaxError: '(' was never closed\n"
    assert run_failure_cause(result(trace)) == "syntax_error"
    assert run_failure_cause(result("IndentationError: unexpected indent\n")) == "syntax_error"
    assert run_failure_cause(result("Traceback ...\nZeroDivisionError: division by zero\n")) == "crash"
