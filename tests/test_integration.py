"""Every search strategy, evaluator and stop condition inside real evolve runs.

The plugins have unit tests; here each component runs in the real engine (workspaces, runner, store)
through ``Tinkerer().evolve``. The coding agent is scripted (``ScriptedAgent`` in conftest) except in
the ``llm_edit`` tests, and LLM replies are scripted through the real litellm gateway
(``mock_responses``: litellm's offline ``mock_response``). The engine opens a fresh gateway per
experiment, so reply numbering restarts in each experiment; the engine's own gateway (used by the
search strategies) keeps one counter for the whole run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import chz
import pytest

from tinkerer_core import (
    AgentRequest,
    AgentResult,
    CodingAgent,
    Experiment,
    ExperimentStatus,
    RunStore,
    Solution,
    Tinkerer,
    get_manager,
    hookimpl,
)

from .conftest import needs_defaults, read_log

pytestmark = needs_defaults


MODEL = "openai/gpt-4o-mini"
IDEAS = '{"ideas": ["idea one", "idea two", "idea three", "idea four"], "selected": [2, 3, 4, 5, 6]}'
SCORES = tuple(f"print('SCORE: {value}')" for value in (0.2, 0.5, 0.4, 0.7, 0.6, 0.3, 0.8, 0.1))


def scripted_llm(*replies: str) -> dict[str, Any]:
    """LLM params whose calls return ``replies`` in turn, through litellm's offline mock."""
    return {"model": MODEL, "mock_responses": replies or (IDEAS,)}


def evolve(agent: str = "scripted", steps: tuple[str, ...] = SCORES, **options: Any) -> Solution:
    """One real evolve run in ``./run`` with the scripted agent writing ``steps``."""
    options.setdefault("evaluator", "regex_pattern")
    options.setdefault("search_strategy", "linear_search")
    options.setdefault("max_iterations", 3)
    options.setdefault("run_dir", "run")
    options.setdefault("timeout_s", 20.0)
    options.setdefault("llm_params", scripted_llm())
    agent_params = {"steps": steps, **options.pop("agent_params", {})} if agent == "scripted" else {}
    agent_params.update(options.pop("coding_agent_params", {}))
    return Tinkerer().evolve(goal="print a good score", coding_agent=agent, coding_agent_params=agent_params, **options)


def experiments_of(solution: Solution) -> list[Experiment]:
    return RunStore(solution.run_dir).experiments()


def scores_of(solution: Solution) -> list[float | None]:
    return [experiment.score for experiment in experiments_of(solution)]


# --- search strategies ------------------------------------------------------------------------


def test_linear_search_improves_the_best_so_far_with_the_llm_ideas(workdir: Path, scripted_agent: str) -> None:
    solution = evolve(steps=SCORES, max_iterations=4)
    experiments = experiments_of(solution)
    assert [e.parent_id for e in experiments] == [None, 1, 2, 2]  # 0.2, 0.5, 0.4, 0.7: always the best so far
    assert [e.kind for e in experiments] == ["draft", "improve", "improve", "improve"]
    assert experiments[0].idea == "idea one"
    assert all(e.idea.startswith("idea ") for e in experiments)
    assert solution.score == 0.7
    assert solution.lineage == (1, 2, 4)
    purposes = {call["purpose"] for call in RunStore(solution.run_dir).llm_calls()}
    assert purposes == {"linear_search: ideas"}


def test_linear_search_debugs_a_failed_line_then_redrafts(workdir: Path, scripted_agent: str) -> None:
    steps = ("raise SystemExit(3)",) * 3 + ("print('SCORE: 0.4')",)
    solution = evolve(
        steps=steps,
        max_iterations=4,
        debug_attempts=0,
        search_strategy_params={"redraft_after": 2},
        llm_params=scripted_llm("no ideas today"),
    )
    experiments = experiments_of(solution)
    assert [(e.parent_id, e.kind) for e in experiments] == [
        (None, "draft"),
        (1, "debug"),
        (None, "draft"),
        (3, "debug"),
    ]
    assert [e.status for e in experiments[:3]] == [ExperimentStatus.FAILED] * 3
    assert "Fix experiment #1" in experiments[1].idea  # the heuristic quotes the failure
    assert solution.score == 0.4


TREE_PRESETS = {  # preset: (drafts first = first_experiment_factor x experimentation_per_run, code_debug_tries)
    "PRODUCTION": (4, 3),
    "HEAVY_EXPERIMENTATION": (12, 2),
    "HEAVY_THINKING": (2, 5),
    "MINIMAL": (1, 1),
}


@pytest.mark.parametrize("preset", list(TREE_PRESETS))
def test_llm_tree_search_presets_shape_the_tree(workdir: Path, scripted_agent: str, preset: str) -> None:
    drafts, debug_tries = TREE_PRESETS[preset]
    log = workdir / "requests.jsonl"
    max_iterations = min(drafts, 4) + 2
    # the last experiment always fails, so it gets every debug attempt without changing the tree above it
    steps = (*SCORES[: max_iterations - 1], "raise SystemExit(1)")
    solution = evolve(
        steps=steps,
        max_iterations=max_iterations,
        search_strategy="llm_tree_search",
        search_strategy_params={"preset": preset},
        agent_params={"log": str(log)},
    )
    experiments = experiments_of(solution)
    assert len(experiments) == max_iterations
    assert solution.stop_reason == f"max_iterations ({max_iterations}) reached"
    first_round = min(drafts, max_iterations)
    assert all(e.parent_id is None and e.kind == "draft" for e in experiments[:first_round])
    assert experiments[-1].status is ExperimentStatus.FAILED
    attempts = [r["kind"] for r in read_log(log) if r["iteration"] == max_iterations]
    assert attempts == [experiments[-1].kind] + ["debug"] * debug_tries  # the preset's code_debug_tries
    by_id = {e.id: e for e in experiments}
    for experiment in experiments[first_round:]:
        if experiment.parent_id is not None:  # only clean runs are expanded
            assert by_id[experiment.parent_id].status is ExperimentStatus.SUCCEEDED
            assert experiment.kind == "improve"
    if first_round < max_iterations:
        assert any(e.parent_id is not None for e in experiments[first_round:])
    assert solution.score == max(e.score for e in experiments if e.score is not None)


def test_llm_tree_search_drafts_new_roots_when_every_branch_is_pruned(workdir: Path, scripted_agent: str) -> None:
    # MINIMAL: one draft, exploration over after 20% of 3 iterations; each failed draft is a dead branch
    solution = evolve(
        steps=("raise SystemExit(1)", "raise SystemExit(1)", "print('SCORE: 0.3')"),
        max_iterations=3,
        search_strategy="llm_tree_search",
        search_strategy_params={"preset": "MINIMAL"},
    )
    experiments = experiments_of(solution)
    assert [(e.parent_id, e.kind) for e in experiments] == [(None, "draft")] * 3
    assert [e.status for e in experiments[:2]] == [ExperimentStatus.FAILED] * 2
    assert solution.stop_reason == "max_iterations (3) reached"
    assert solution.score == 0.3


def test_llm_tree_search_run_config_debug_attempts_win_over_the_preset(workdir: Path, scripted_agent: str) -> None:
    log = workdir / "requests.jsonl"
    evolve(
        steps=("raise SystemExit(1)",),
        max_iterations=1,
        debug_attempts=1,
        search_strategy="llm_tree_search",
        search_strategy_params={"preset": "HEAVY_THINKING"},
        agent_params={"log": str(log)},
    )
    assert [r["kind"] for r in read_log(log)] == ["draft", "debug"]


def test_llm_tree_search_selects_nodes_with_the_llm(workdir: Path, scripted_agent: str) -> None:
    # PRODUCTION: four drafts (0.2, 0.5, 0.4, 0.7), then exploitation selects 2 of the 4 through the LLM
    solution = evolve(
        steps=SCORES,
        max_iterations=6,
        search_strategy="llm_tree_search",
        llm_params=scripted_llm('{"ideas": ["grow it"], "selected": [3, 99]}'),
    )
    experiments = experiments_of(solution)
    assert [e.parent_id for e in experiments[:4]] == [None] * 4
    assert experiments[4].parent_id == 3  # the model's choice (99 is not a candidate and is ignored)
    purposes = {call["purpose"] for call in RunStore(solution.run_dir).llm_calls()}
    assert "llm_tree_search: select" in purposes


def test_evolutionary_islands_draft_round_robin_then_evolve(workdir: Path, scripted_agent: str) -> None:
    solution = evolve(
        steps=SCORES,
        max_iterations=7,
        search_strategy="evolutionary",
        search_strategy_params={"num_islands": 3},
    )
    experiments = experiments_of(solution)
    assert [e.parent_id for e in experiments[:3]] == [None, None, None]  # one draft per island
    assert [e.kind for e in experiments[:3]] == ["draft"] * 3
    assert all(e.parent_id is not None and e.kind == "improve" for e in experiments[3:])
    assert solution.score == max(e.score for e in experiments if e.score is not None)
    assert solution.lineage[0] in (1, 2, 3)


@pytest.mark.parametrize("strategy", ["linear_search", "llm_tree_search", "evolutionary"])
def test_a_malformed_llm_reply_falls_back_to_heuristic_ideas(workdir: Path, scripted_agent: str, strategy: str) -> None:
    solution = evolve(
        steps=SCORES,
        max_iterations=3,
        search_strategy=strategy,
        llm_params=scripted_llm("Sure! Here are some ideas: try harder."),
    )
    experiments = experiments_of(solution)
    assert len(experiments) == 3
    assert all(e.status is ExperimentStatus.SUCCEEDED for e in experiments)
    assert experiments[0].idea.startswith("Write a complete first solution")  # heuristic, not the reply
    assert solution.score == max(scores_of(solution))  # type: ignore[type-var]
    store = RunStore(solution.run_dir)
    assert store.llm_calls()  # the model was asked
    fallbacks = store.events("search_fallback")
    assert fallbacks and fallbacks[0]["data"]["purpose"] == f"{strategy}: ideas"
    assert "no JSON object found in the reply" in fallbacks[0]["data"]["reason"]


# --- evaluators -------------------------------------------------------------------------------


def test_regex_pattern_minimizes_rmse(workdir: Path, scripted_agent: str) -> None:
    steps = tuple(f"print('epoch 1 RMSE: 9.9')\nprint('RMSE: {v}')" for v in (0.31, 0.12, 0.2))
    solution = evolve(
        steps=steps, evaluator_params={"pattern": r"RMSE: ([\d.]+)"}, direction="minimize", output_path="best"
    )
    assert scores_of(solution) == [0.31, 0.12, 0.2]  # the last match counts
    assert solution.score == 0.12
    assert "RMSE: 0.12" in (workdir / "best" / "main.py").read_text()


def test_file_json_reads_the_results_file_the_solution_writes(workdir: Path, scripted_agent: str) -> None:
    write = "import json\njson.dump({{'metrics': {{'auc': {}}}}}, open('results.json', 'w'))"
    steps = (write.format(0.61), "print('forgot the file')", write.format(0.83))
    solution = evolve(steps=steps, evaluator="file_json", evaluator_params={"score_key": "metrics.auc"})
    experiments = experiments_of(solution)
    assert [e.score for e in experiments] == [0.61, None, 0.83]
    assert "results.json was not found" in experiments[1].evaluation.feedback  # type: ignore[union-attr]
    assert solution.score == 0.83


def test_multi_metric_weights_and_inverts_metrics(workdir: Path, scripted_agent: str) -> None:
    steps = ("print('Accuracy: 0.9')\nprint('Errors: 0.2')", "print('Accuracy: 0.95')")
    solution = evolve(
        steps=steps,
        max_iterations=2,
        evaluator="multi_metric",
        evaluator_params={
            "patterns": {"accuracy": (r"Accuracy: ([\d.]+)", 0.7), "error_rate": (r"Errors: ([\d.]+)", 0.3)},
            "invert": ("error_rate",),
        },
    )
    first, second = experiments_of(solution)
    assert first.score == pytest.approx(0.7 * 0.9 + 0.3 * (1 - 0.2))
    assert first.evaluation is not None and first.evaluation.metrics == {"accuracy": 0.9, "error_rate": 0.2}
    assert second.score is None
    assert "error_rate" in second.evaluation.feedback  # type: ignore[union-attr]
    assert solution.experiment_id == 1


TESTS = """from solution import fizzbuzz


def test_three():
    assert fizzbuzz(3) == "Fizz"


def test_five():
    assert fizzbuzz(5) == "Buzz"
"""


def test_pytest_scores_the_share_of_passing_tests(workdir: Path, scripted_agent: str) -> None:
    repo = workdir / "start"
    (repo / "tests").mkdir(parents=True)
    (repo / "tests" / "test_fizzbuzz.py").write_text(TESTS)
    half = "def fizzbuzz(n):\n    return 'Fizz' if n % 3 == 0 else str(n)"
    full = "def fizzbuzz(n):\n    return 'Fizz' if n % 3 == 0 else 'Buzz' if n % 5 == 0 else str(n)"
    solution = evolve(
        steps=(half, full),
        max_iterations=2,
        evaluator="pytest",
        evaluator_params={"timeout_s": 30.0},
        starting_repo=str(repo),
        command="python -c 'import solution'",
        agent_params={"file": "solution.py"},
    )
    first, second = experiments_of(solution)
    assert first.score == 0.5
    assert "test_five" in first.evaluation.feedback  # type: ignore[union-attr]
    assert second.score == 1.0
    assert (solution.path / "solution.py").exists() and (solution.path / "tests" / "test_fizzbuzz.py").exists()


def test_command_runs_a_scoring_script_in_the_workspace(workdir: Path, scripted_agent: str) -> None:
    repo = workdir / "start"
    repo.mkdir()
    (repo / "score.py").write_text("import json\nprint(json.dumps({'score': len(open('answer.txt').read())}))\n")
    steps = ("open('answer.txt', 'w').write('abc')", "print('no answer')", "open('answer.txt', 'w').write('abcde')")
    solution = evolve(
        steps=steps,
        evaluator="command",
        evaluator_params={"command": "python score.py", "timeout_s": 30.0},
        starting_repo=str(repo),
    )
    baseline, *experiments = experiments_of(solution)
    assert baseline.baseline and baseline.failed  # the starting code as it is: score.py finds no answer.txt
    assert [e.score for e in experiments] == [3.0, None, 5.0]
    assert "exited with code 1" in experiments[1].evaluation.feedback  # type: ignore[union-attr]
    assert solution.score == 5.0


def test_composite_averages_the_children_that_scored(workdir: Path, scripted_agent: str) -> None:
    steps = (
        "import json\nprint('SCORE: 0.2')\njson.dump({'score': 1.0}, open('results.json', 'w'))",
        "print('SCORE: 0.6')",  # file_json has no score: only regex_pattern counts
    )
    solution = evolve(
        steps=steps,
        max_iterations=2,
        evaluator="composite",
        evaluator_params={"evaluators": (("regex_pattern", {}, 1.0), ("file_json", {}, 3.0))},
    )
    first, second = experiments_of(solution)
    assert first.score == pytest.approx((0.2 * 1 + 1.0 * 3) / 4)
    assert first.evaluation is not None and first.evaluation.metrics == {"regex_pattern": 0.2, "file_json": 1.0}
    assert second.score == pytest.approx(0.6)
    assert "[file_json] no score" in second.evaluation.feedback  # type: ignore[union-attr]
    assert solution.experiment_id == 1


def test_llm_judge_scores_with_the_scripted_judge(workdir: Path, scripted_agent: str) -> None:
    judge = "SCORE: 7\nFEEDBACK: correct, could be faster"
    solution = evolve(
        steps=("print('hello')",),
        max_iterations=2,
        evaluator="llm_judge",
        evaluator_params={"criteria": "prints a greeting", "include_code": True},
        llm_params=scripted_llm(judge),
    )
    assert scores_of(solution) == [0.7, 0.7]  # each experiment's gateway starts at the first reply
    assert "judge: 7/10. correct, could be faster" in solution.feedback
    calls = RunStore(solution.run_dir).llm_calls()
    judged = [call for call in calls if call["purpose"] == "evaluator:llm_judge"]
    assert [call["experiment_id"] for call in judged] == [1, 2]
    assert all(call["model"] == MODEL and call["cost"] > 0 for call in judged)


def test_an_unparsable_judge_reply_gives_no_score(workdir: Path, scripted_agent: str) -> None:
    solution = evolve(
        steps=("print('hello')",), max_iterations=1, evaluator="llm_judge", llm_params=scripted_llm("Looks great!")
    )
    (experiment,) = experiments_of(solution)
    assert experiment.status is ExperimentStatus.FAILED  # it ran, but nothing scored it: not a success
    assert experiment.score is None
    assert "could not be parsed" in experiment.evaluation.feedback  # type: ignore[union-attr]
    assert experiment.error.startswith("no score: ")
    assert solution.experiment_id is None  # nothing scored: no best is named


def test_llm_comparison_rates_similarity_with_the_scripted_model(workdir: Path, scripted_agent: str) -> None:
    solution = evolve(
        steps=("print('1 2 Fizz 4 Buzz')",),
        max_iterations=1,
        evaluator="llm_comparison",
        evaluator_params={"expected": "1 2 Fizz 4 Buzz"},
        llm_params=scripted_llm('{"score": 0.8, "reason": "nearly the same"}'),
    )
    assert solution.score == 0.8
    assert solution.feedback == "similarity 0.8: nearly the same"


def test_llm_comparison_strict_needs_no_model(workdir: Path, scripted_agent: str) -> None:
    steps = ("print('1  2\\nFizz')", "print('1 2 Buzz')")
    solution = evolve(
        steps=steps,
        max_iterations=2,
        evaluator="llm_comparison",
        evaluator_params={"expected": "1 2 Fizz", "strict": True},
    )
    assert scores_of(solution) == [1.0, 0.0]
    assert not [c for c in RunStore(solution.run_dir).llm_calls() if c["purpose"].startswith("evaluator")]


def test_no_score_scores_every_clean_run_zero(workdir: Path, scripted_agent: str) -> None:
    solution = evolve(steps=("print('hi')", "raise SystemExit(2)"), max_iterations=2, evaluator="no_score")
    first, second = experiments_of(solution)
    assert first.score == 0.0 and first.status is ExperimentStatus.SUCCEEDED
    assert second.status is ExperimentStatus.FAILED
    assert solution.experiment_id == 1
    assert solution.score == 0.0


def test_no_score_exports_the_first_clean_run(workdir: Path, scripted_agent: str) -> None:
    steps = ("raise SystemExit(2)", "print('first')", "print('second')")
    solution = evolve(steps=steps, max_iterations=3, debug_attempts=0, evaluator="no_score")
    assert [e.status for e in experiments_of(solution)] == [ExperimentStatus.FAILED] + [ExperimentStatus.SUCCEEDED] * 2
    assert solution.experiment_id == 2  # every clean run scores 0: of equal scores, the first
    assert (solution.path / "main.py").read_text() == "print('first')\n"


def test_a_clean_run_without_a_score_fails_and_its_debug_attempt_is_told_why(
    workdir: Path, scripted_agent: str
) -> None:
    log = workdir / "requests.jsonl"
    solution = evolve(
        steps=("print('done')",),
        agent_params={"fix": "print('SCORE: 0.6')", "log": str(log)},
        max_iterations=1,
        debug_attempts=1,
    )
    (experiment,) = experiments_of(solution)
    assert experiment.status is ExperimentStatus.SUCCEEDED and experiment.score == 0.6
    draft, debug = read_log(log)
    assert (draft["kind"], debug["kind"]) == ("draft", "debug")
    assert str(debug["errors"][-1]).startswith("no score: pattern 'SCORE:")
    assert "did not match the output" in str(debug["errors"][-1])
    assert "done" in str(debug["parent_output_tail"])
    assert RunStore(solution.run_dir).failure_counts() == {"no_score": 1}


def test_a_run_in_which_nothing_scored_names_no_best(workdir: Path, scripted_agent: str) -> None:
    solution = evolve(steps=("print('done')", "print('still no score')"), max_iterations=2, debug_attempts=0)
    experiments = experiments_of(solution)
    assert [e.status for e in experiments] == [ExperimentStatus.FAILED] * 2
    assert all(e.error.startswith("no score: pattern 'SCORE:") for e in experiments)
    assert solution.experiment_id is None and solution.score is None and solution.lineage == ()
    assert not solution.path.exists()  # nothing is exported
    assert RunStore(solution.run_dir).meta()["best_experiment"] is None


# --- stop conditions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "params", "options", "iterations", "reason"),
    [
        ("never", {}, {}, 5, "max_iterations (5) reached"),
        ("max_iterations", {"max_iter": 2}, {}, 2, "2 experiments reached max_iter 2"),
        ("threshold", {"threshold": 0.5}, {}, 2, "score 0.5 reached threshold 0.5 (maximize)"),
        ("threshold", {"threshold": 0.4}, {"direction": "minimize"}, 1, "score 0.2 reached threshold 0.4 (minimize)"),
        ("threshold", {"threshold": 0.1, "direction": "minimize"}, {}, 5, "score 0.1 reached threshold 0.1 (minimize)"),
        ("threshold", {"threshold": 0.3, "maximize": False}, {}, 1, "score 0.2 reached threshold 0.3 (minimize)"),
        ("plateau", {"patience": 2}, {}, 4, "best score 0.5 not improved by more than 0.001 in the last 2"),
        (
            "composite",
            {"conditions": [("threshold", {"threshold": 0.4}), ("max_iterations", {"max_iter": 4})], "mode": "any"},
            {},
            2,
            "score 0.5 reached threshold 0.4 (maximize)",
        ),
        (
            "composite",
            {"conditions": [("threshold", {"threshold": 0.4}), ("max_iterations", {"max_iter": 3})], "mode": "all"},
            {},
            3,
            "score 0.5 reached threshold 0.4 (maximize); 3 experiments reached max_iter 3",
        ),
    ],
)
def test_stop_conditions_end_the_run_with_their_reason(
    workdir: Path,
    scripted_agent: str,
    condition: str,
    params: dict[str, Any],
    options: dict[str, Any],
    iterations: int,
    reason: str,
) -> None:
    steps = tuple(f"print('SCORE: {v}')" for v in (0.2, 0.5, 0.4, 0.45, 0.1))
    solution = evolve(steps=steps, max_iterations=5, stop_condition=condition, stop_condition_params=params, **options)
    assert solution.iterations == iterations
    assert reason in solution.stop_reason
    store = RunStore(solution.run_dir)
    assert store.meta()["stop_reason"] == solution.stop_reason
    assert store.events("run_finished")[-1]["data"]["reason"] == solution.stop_reason


def test_threshold_min_with_the_runs_direction_picks_the_lowest(workdir: Path, scripted_agent: str) -> None:
    steps = tuple(f"print('SCORE: {v}')" for v in (0.5, 0.3, 0.1, 0.05))
    solution = evolve(
        steps=steps,
        max_iterations=4,
        direction="minimize",
        stop_condition="threshold",
        stop_condition_params={"threshold": 0.1},
    )
    assert solution.iterations == 3
    assert solution.score == 0.1


def test_time_limit_stops_after_a_slow_step(workdir: Path, scripted_agent: str) -> None:
    steps = ("import time\ntime.sleep(1.2)\nprint('SCORE: 0.3')", "print('SCORE: 0.9')")
    solution = evolve(
        steps=steps, max_iterations=3, stop_condition="time_limit", stop_condition_params={"max_seconds": 1.0}
    )
    assert solution.iterations == 1
    assert solution.score == 0.3
    assert "reached max_seconds 1s" in solution.stop_reason


def test_consecutive_errors_counts_failures_in_a_row_only(workdir: Path, scripted_agent: str) -> None:
    steps = ("raise SystemExit(1)", "print('SCORE: 0.3')", "raise SystemExit(1)", "raise SystemExit(1)")
    solution = evolve(
        steps=steps,
        max_iterations=6,
        debug_attempts=0,
        stop_condition="consecutive_errors",
        stop_condition_params={"max_errors": 2},
    )
    assert solution.iterations == 4  # the clean second run resets the count
    assert solution.stop_reason == "2 consecutive errors reached max_errors 2"
    assert solution.score == 0.3


@chz.chz
class CostlyAgent(CodingAgent):
    """Writes a fixed score and reports ``cost`` dollars, as a paid agent would."""

    cost: float = 0.4

    def implement(self, request: AgentRequest) -> AgentResult:
        (request.workspace / "main.py").write_text(f"print('SCORE: {request.iteration / 10}')\n")
        return AgentResult(changed_files=("main.py",), cost=self.cost)


class CostlyPlugin:
    @hookimpl
    def tinkerer_register_coding_agents(self, register):
        register("costly", CostlyAgent)


def test_cost_limit_counts_what_the_agent_reports(workdir: Path) -> None:
    with get_manager().registered(CostlyPlugin(), "costly-agent"):
        solution = evolve(
            "costly", max_iterations=6, stop_condition="cost_limit", stop_condition_params={"max_cost": 1.0}
        )
    assert solution.iterations == 3  # 0.4, 0.8, 1.2 dollars
    assert solution.cost == pytest.approx(1.2, abs=1e-3)
    assert "reached max_cost $1.00" in solution.stop_reason
    assert [e.cost for e in experiments_of(solution)] == [0.4, 0.4, 0.4]


def test_cost_limit_counts_scripted_litellm_calls(workdir: Path, scripted_agent: str) -> None:
    # litellm prices the scripted gpt-4o-mini calls (10 prompt + 20 completion tokens): about $1.35e-5 each
    solution = evolve(
        steps=("print('hi')",),
        max_iterations=6,
        evaluator="llm_judge",
        stop_condition="cost_limit",
        stop_condition_params={"max_cost": 4e-5},
        llm_params=scripted_llm("SCORE: 5\nFEEDBACK: fine"),
    )
    calls = RunStore(solution.run_dir).llm_calls()
    assert all(call["cost"] > 0 and call["cost_known"] for call in calls)
    assert solution.cost == pytest.approx(sum(call["cost"] for call in calls))
    assert solution.cost >= 4e-5
    assert solution.iterations < 6
    assert "max_cost" in solution.stop_reason


# --- the llm_edit agent -----------------------------------------------------------------------

WHOLE_FILE = "Here is the program.\n\nmain.py\n```python\nvalues = [3, 4]\nprint('SCORE:', sum(values) / 10)\n```\n"


def test_llm_edit_applies_a_whole_file_reply_runs_and_scores_it(workdir: Path) -> None:
    solution = evolve("llm_edit", max_iterations=1, llm_params=scripted_llm(WHOLE_FILE))
    (experiment,) = experiments_of(solution)
    assert experiment.status is ExperimentStatus.SUCCEEDED
    assert experiment.score == 0.7
    assert "sum(values)" in experiment.diff
    assert (solution.path / "main.py").read_text() == "values = [3, 4]\nprint('SCORE:', sum(values) / 10)\n"
    purposes = [call["purpose"] for call in RunStore(solution.run_dir).llm_calls()]
    assert "agent:llm_edit" in purposes


def test_llm_edit_reply_without_code_fails_the_experiment_and_the_run_goes_on(workdir: Path) -> None:
    solution = evolve(
        "llm_edit", max_iterations=2, debug_attempts=0, llm_params=scripted_llm("I would rather not write code.")
    )
    experiments = experiments_of(solution)
    assert len(experiments) == 2
    assert all(e.status is ExperimentStatus.FAILED for e in experiments)
    assert all(e.error == "agent: no code in reply" for e in experiments)
    assert solution.score is None
    assert solution.stop_reason == "max_iterations (2) reached"
    failures = RunStore(solution.run_dir).events("agent_failed")
    assert [event["experiment_id"] for event in failures] == [1, 2]


def test_llm_edit_debug_attempt_recovers_from_a_reply_without_code(workdir: Path) -> None:
    solution = evolve(
        "llm_edit", max_iterations=1, debug_attempts=1, llm_params=scripted_llm("Thinking about it...", WHOLE_FILE)
    )
    (experiment,) = experiments_of(solution)
    assert experiment.status is ExperimentStatus.SUCCEEDED
    assert experiment.score == 0.7
    (failure,) = RunStore(solution.run_dir).events("agent_failed")
    assert failure["data"] == {"attempt": 1, "error": "no code in reply"}


def test_llm_edit_identical_reply_is_an_error_on_the_next_experiment(workdir: Path) -> None:
    solution = evolve(
        "llm_edit",
        max_iterations=2,
        debug_attempts=0,
        llm_params=scripted_llm(WHOLE_FILE),
        coding_agent_params={"edit_format": "whole"},
    )
    first, second = experiments_of(solution)
    assert first.score == 0.7
    assert second.status is ExperimentStatus.FAILED
    assert second.error == "agent: reply identical to parent"
    assert solution.experiment_id == 1
