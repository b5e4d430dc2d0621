"""The search makes progress when the model says nothing new: every reply repeats the starting code.

A real evolve run (llm_edit through the litellm gateway with one scripted reply, the evolutionary search,
the regex evaluator, real workspaces and subprocesses) on a task whose answer is three constants: the
agent's experiments all fail as ``identical``, and the LLM-free operators still lower the loss.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tinkerer_core import RunStore, Tinkerer

pytest.importorskip("tinkerer_plugin_litellm", reason="needs the LLM gateway plugin tinkerer-plugin-litellm")
pytest.importorskip("tinkerer_plugin_search", reason="needs the search strategies plugin tinkerer-plugin-search")

PROGRAM = """A = 1.0
B = 0.0
C = 0.0


def predict(x):
    return A * x * x + B * x + C


xs = [x / 2 for x in range(-6, 7)]
loss = sum((predict(x) - (0.5 * x * x - 1.3 * x + 2.1)) ** 2 for x in xs) / len(xs)
print(f"SCORE: {loss!r}")
"""
SAME_AGAIN = f"```python\n{PROGRAM}```"  # every call answers with the code it was shown


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["evolutionary", "linear_search"])
def test_constants_improve_when_every_reply_is_identical(tmp_path: Path, strategy: str) -> None:
    start = tmp_path / "start"
    start.mkdir()
    (start / "main.py").write_text(PROGRAM)
    solution = Tinkerer().evolve(
        goal="Change A, B and C so that predict matches the measurements: the loss printed is lower is better.",
        starting_repo=str(start),
        run_dir=str(tmp_path / "run"),
        direction="minimize",
        max_iterations=40,
        debug_attempts=0,
        evaluator="regex_pattern",
        search_strategy=strategy,
        # every call goes to the coding agent; once it is stuck, LLM-free edits take flat_share of the proposals
        # whatever the measured times (a mock's call takes milliseconds, as long as a run or less)
        search_strategy_params={"ideas": "heuristic", "free_time_ratio": 1000.0},
        coding_agent="llm_edit",
        llm_params={"model": "openai/gpt-4o-mini", "mock_responses": (SAME_AGAIN,)},
    )
    store = RunStore(solution.run_dir)
    events = store.events("operator")
    operators = [event["data"] for event in events]
    baseline = next(data["score"] for data in operators if data["name"] == "baseline")
    agent = [data for data in operators if data["name"] in ("agent", "restart")]
    assert agent and not any(data["new_best"] for data in agent)  # the reply never beat the starting code
    assert set(store.failure_counts()) == {"identical"}  # it repeated its parent, or restored the start
    assert solution.score is not None and solution.score < baseline * 0.8  # the loss fell by a fifth or more
    winners = {data["name"] for data in operators if data["new_best"]} - {"baseline"}
    assert winners and winners <= {"mutate_literals", "crossover"}
    agent_ids = {event["experiment_id"] for event in events if event["data"]["name"] in ("agent", "restart")}
    assert {call["experiment_id"] for call in store.llm_calls()} == agent_ids  # LLM-free experiments made no call
    assert "A = 1.0" not in (solution.path / "main.py").read_text()
    assert "** 2" in (solution.path / "main.py").read_text()  # the script's own scoring code is not a parameter
