"""The evolve engine end to end: real workspaces, runner, store, evaluator, stop and search plugins.

Only the coding agent is scripted (``ScriptedAgent`` in conftest): it writes known code per step.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from pathlib import Path

import chz
import pytest

from tinkerer_core import (
    ConfigError,
    Direction,
    Evaluation,
    Experiment,
    ExperimentStatus,
    Proposal,
    RunStore,
    SearchState,
    SearchStrategy,
    Tinkerer,
    get_manager,
    hookimpl,
)
from tinkerer_core.types import best_experiment

from .conftest import needs_defaults, read_log

pytestmark = needs_defaults


SCORES = ("print('SCORE: 0.2')", "print('SCORE: 0.5')", "print('SCORE: 0.4')")
SCRIPTED_LLM = {"model": "openai/gpt-4o-mini", "mock_responses": ('{"ideas": ["a scripted idea"]}',)}


def evolve(agent: str, steps: tuple[str, ...] = SCORES, **options: object):
    options.setdefault("evaluator", "regex_pattern")
    options.setdefault("search_strategy", "linear_search")
    options.setdefault("max_iterations", len(steps))
    options.setdefault("run_dir", "run")
    options.setdefault("llm_params", SCRIPTED_LLM)
    agent_params = {"steps": steps, **options.pop("agent_params", {})}  # type: ignore[dict-item]
    return Tinkerer().evolve(goal="print a good score", coding_agent=agent, coding_agent_params=agent_params, **options)


def test_best_solution_is_checked_out_with_lineage_and_stored_history(workdir: Path, scripted_agent: str) -> None:
    solution = evolve(scripted_agent, output_path="best")
    assert solution.score == 0.5
    assert solution.experiment_id == 2
    assert solution.direction is Direction.MAXIMIZE
    assert solution.lineage[-1] == 2
    assert solution.iterations == 3
    assert solution.path == (workdir / "best").resolve()
    assert (workdir / "best" / "main.py").read_text() == "print('SCORE: 0.5')\n"
    assert "max_iterations" in solution.stop_reason

    store = RunStore(solution.run_dir)
    experiments = store.experiments()
    assert [e.score for e in experiments] == [0.2, 0.5, 0.4]
    assert all(e.status is ExperimentStatus.SUCCEEDED for e in experiments)
    assert all("SCORE" in e.diff for e in experiments)
    assert store.summary()["best_score"] == 0.5
    assert store.meta()["status"] == "finished"
    branches = subprocess.run(["git", "branch"], cwd=solution.run_dir / "repo", capture_output=True, text=True).stdout
    assert {"exp-1", "exp-2", "exp-3"} <= {line.strip("*+ ") for line in branches.splitlines()}


def test_minimize_picks_the_lowest_score(workdir: Path, scripted_agent: str) -> None:
    solution = evolve(scripted_agent, direction="minimize")
    assert solution.score == 0.2
    assert solution.experiment_id == 1
    assert solution.path == (workdir / "run" / "solution").resolve()


def test_threshold_stops_the_run_early(workdir: Path, scripted_agent: str) -> None:
    solution = evolve(
        scripted_agent, max_iterations=10, stop_condition="threshold", stop_condition_params={"threshold": 0.5}
    )
    assert solution.iterations == 2
    assert solution.score == 0.5
    assert "0.5" in solution.stop_reason


def test_feedback_flows_to_the_next_attempt(workdir: Path, scripted_agent: str) -> None:
    log = workdir / "requests.jsonl"
    evolve(scripted_agent, agent_params={"log": str(log)})
    requests = read_log(log)
    assert requests[0]["kind"] == "draft"
    assert requests[0]["parent_score"] is None
    second = requests[1]
    assert second["parent_score"] == 0.2
    assert second["parent_code"]["main.py"] == "print('SCORE: 0.2')\n"
    assert "SCORE: 0.2" in second["parent_output_tail"]


def test_failed_run_gets_a_debug_attempt_that_sees_the_error(workdir: Path, scripted_agent: str) -> None:
    log = workdir / "requests.jsonl"
    solution = evolve(
        scripted_agent,
        steps=("raise ValueError('broken on purpose')",),
        max_iterations=1,
        agent_params={"fix": "print('SCORE: 0.9')", "log": str(log)},
    )
    assert solution.score == 0.9
    requests = read_log(log)
    assert [r["kind"] for r in requests] == ["draft", "debug"]
    assert "broken on purpose" in requests[1]["errors"][-1]
    events = RunStore(solution.run_dir).events("run_failed")
    assert events[0]["data"]["attempt"] == 1


def test_debug_attempts_are_bounded_and_failures_count_as_errors(workdir: Path, scripted_agent: str) -> None:
    log = workdir / "requests.jsonl"
    solution = evolve(
        scripted_agent,
        steps=("raise SystemExit(1)",),
        max_iterations=5,
        debug_attempts=1,
        stop_condition="consecutive_errors",
        stop_condition_params={"max_errors": 2},
        agent_params={"log": str(log)},
    )
    assert solution.iterations == 2
    assert solution.score is None
    assert len(read_log(log)) == 4  # two experiments, each a first try and one debug attempt
    experiments = RunStore(solution.run_dir).experiments()
    assert all(e.status is ExperimentStatus.FAILED for e in experiments)


def test_silent_hang_times_out_and_the_run_goes_on(workdir: Path, scripted_agent: str) -> None:
    solution = evolve(
        scripted_agent,
        steps=("import time\ntime.sleep(60)", "print('SCORE: 0.3')"),
        timeout_s=1.0,
        debug_attempts=0,
    )
    first, second = RunStore(solution.run_dir).experiments()
    assert first.result is not None and first.result.timed_out
    assert first.result.duration_s < 5
    assert first.status is ExperimentStatus.FAILED
    assert second.score == 0.3


def test_solutions_do_not_see_api_keys_unless_passed(
    workdir: Path, scripted_agent: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value")
    monkeypatch.setenv("MY_SERVICE_TOKEN", "token-value")
    code = "import os\nprint('SCORE:', int('OPENAI_API_KEY' in os.environ) + 2 * int('MY_SERVICE_TOKEN' in os.environ))"
    assert evolve(scripted_agent, steps=(code,)).score == 0
    assert evolve(scripted_agent, steps=(code,), run_dir="run2", pass_env=("MY_SERVICE_TOKEN",)).score == 2


def test_data_dir_is_available_to_solutions_but_not_committed(workdir: Path, scripted_agent: str) -> None:
    data = workdir / "data_in"
    data.mkdir()
    (data / "value.txt").write_text("0.75")
    code = "print('SCORE:', open('data/value.txt').read())"
    solution = evolve(scripted_agent, steps=(code,), data_dir=str(data))
    assert solution.score == 0.75
    tracked = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", "exp-1"], cwd=solution.run_dir / "repo", capture_output=True, text=True
    ).stdout.split()
    assert tracked == ["main.py"]


def test_starting_repo_seeds_the_first_solution(workdir: Path, scripted_agent: str) -> None:
    repo = workdir / "start"
    repo.mkdir()
    (repo / "helper.py").write_text("VALUE = 0.6\n")
    solution = evolve(
        scripted_agent, steps=("from helper import VALUE\nprint('SCORE:', VALUE)",), starting_repo=str(repo)
    )
    assert solution.score == 0.6
    assert (solution.path / "helper.py").exists()


def test_parallel_workers_give_the_same_experiments_as_a_serial_run(workdir: Path, scripted_agent: str) -> None:
    steps = tuple(f"print('SCORE: {value}')" for value in (0.1, 0.4, 0.3, 0.8, 0.6, 0.2))
    serial = evolve(scripted_agent, steps=steps, run_dir="serial", workers=1)
    parallel = evolve(scripted_agent, steps=steps, run_dir="parallel", workers=2)

    def content(run_dir: Path) -> list[tuple[int, float | None, str]]:
        return [(e.iteration, e.score, e.status.value) for e in RunStore(run_dir).experiments()]

    assert content(serial.run_dir) == content(parallel.run_dir)
    assert serial.score == parallel.score == 0.8


def test_output_path_owned_by_someone_else_is_refused(workdir: Path, scripted_agent: str) -> None:
    precious = workdir / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(ConfigError, match="not written by Tinkerer"):
        evolve(scripted_agent, output_path=str(precious))
    assert (precious / "notes.txt").read_text() == "keep me"
    first = evolve(scripted_agent, output_path="out", run_dir="a")
    second = evolve(scripted_agent, output_path="out", run_dir="b", direction="minimize")  # overwrites its own
    assert first.path == second.path
    assert (workdir / "out" / "main.py").read_text() == "print('SCORE: 0.2')\n"


def test_an_agent_that_crashes_fails_its_experiment_only(workdir: Path, scripted_agent: str) -> None:
    solution = evolve(scripted_agent, steps=SCORES, max_iterations=2, agent_params={"file": "../escape/main.py"})
    experiments = RunStore(solution.run_dir).experiments()
    assert all(e.status is ExperimentStatus.FAILED for e in experiments)
    assert "FileNotFoundError" in experiments[0].error


class LifecycleRecorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    @hookimpl
    def tinkerer_run_start(self, run_dir, config):
        self.calls.append(("start", config.goal))

    @hookimpl
    def tinkerer_experiment_started(self, run_dir, experiment):
        self.calls.append(("started", experiment.iteration))

    @hookimpl
    def tinkerer_experiment_finished(self, run_dir, experiment):
        self.calls.append(("experiment", experiment.score))

    @hookimpl
    def tinkerer_run_end(self, run_dir, solution, reason):
        self.calls.append(("end", solution.score))


def test_lifecycle_hooks_see_every_experiment(workdir: Path, scripted_agent: str) -> None:
    recorder = LifecycleRecorder()
    with get_manager().registered(recorder, "recorder"):
        evolve(scripted_agent)
    assert recorder.calls == [
        ("start", "print a good score"),
        ("started", 1),
        ("experiment", 0.2),
        ("started", 2),
        ("experiment", 0.5),
        ("started", 3),
        ("experiment", 0.4),
        ("end", 0.5),
    ]


@chz.chz
class ChainSearch(SearchStrategy):
    """Builds every experiment on the one before it, failed or not."""

    def propose(self, state: SearchState, count: int) -> list[Proposal]:
        last = state.experiments[-1] if state.experiments else None
        return [Proposal(last.id if last else None, "the next link", "improve" if last else "draft")]


class ChainSearchPlugin:
    @hookimpl
    def tinkerer_register_search_strategies(self, register):
        register("chain", ChainSearch)


def test_a_child_of_an_experiment_that_committed_nothing_starts_from_the_base(
    workdir: Path, scripted_agent: str
) -> None:
    with get_manager().registered(ChainSearchPlugin(), "chain-search"):
        solution = evolve(scripted_agent, search_strategy="chain", agent_params={"fail_at": (1,)}, max_iterations=2)
    failed, child = RunStore(solution.run_dir).experiments()
    assert failed.status is ExperimentStatus.FAILED and not failed.commit
    assert child.parent_id == failed.id and child.score == 0.5
    assert "+print('SCORE: 0.5')" in child.diff  # diffed from the base, where its workspace started


def test_an_existing_run_dir_is_not_overwritten(workdir: Path, scripted_agent: str) -> None:
    evolve(scripted_agent)
    with pytest.raises(ConfigError, match="tinkerer resume"):
        evolve(scripted_agent)


def test_python_api_rejects_unknown_names_and_params(workdir: Path, scripted_agent: str) -> None:
    with pytest.raises(ConfigError, match=r"installed evaluators: .*regex_pattern"):
        evolve(scripted_agent, evaluator="regexx")
    with pytest.raises(ConfigError, match="patern"):
        evolve(scripted_agent, evaluator_params={"patern": "x"})
    with pytest.raises(ConfigError, match="max_iterations must be at least 1"):
        evolve(scripted_agent, max_iterations=0)
    assert not os.path.exists(workdir / "run")


def test_training_metrics_are_stored_per_step(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    store.record_metrics(1, {"loss": 2.5, "tokens_per_s": 100.0})
    store.record_metrics(2, {"loss": 1.5})
    store.record_metrics(2, {"loss": 1.25})  # a re-recorded step overwrites
    assert store.metrics() == {"loss": [(1, 2.5), (2, 1.25)], "tokens_per_s": [(1, 100.0)]}


def _scored(experiment_id: int, score: float | None, status: ExperimentStatus) -> Experiment:
    evaluation = Evaluation(score=score) if score is not None else None
    return Experiment(
        id=experiment_id, parent_id=None, iteration=experiment_id, idea="", status=status, evaluation=evaluation
    )


def test_one_rule_for_the_best_what_the_search_builds_on_is_what_the_run_exports() -> None:
    ok, failed = ExperimentStatus.SUCCEEDED, ExperimentStatus.FAILED
    runs = [
        _scored(1, None, ok),
        _scored(2, 3.0, failed),  # a crashed run that printed a score is a failure, never the best
        _scored(3, 2.0, ok),
        _scored(4, 2.0, ok),
        _scored(5, 1.0, ok),
    ]
    state = SearchState(goal="g", direction=Direction.MAXIMIZE, experiments=runs, iteration=5, max_iterations=9, seed=0)
    assert state.best() is runs[2]  # of equal scores, the first
    assert best_experiment(runs, Direction.MAXIMIZE) is runs[2]
    assert best_experiment(runs, Direction.MINIMIZE) is runs[4]
    unscored = [_scored(1, None, ok), _scored(2, None, ok), _scored(3, 4.0, failed)]
    assert replace(state, experiments=unscored).best() is None  # nothing succeeded with a score: no best
