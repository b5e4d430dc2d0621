"""``tinkerer bench`` end to end: suites' problems as real evolve runs (llm_edit with scripted replies), graded,
stored, tabled, reported, resumed; and a solution that tries to read the answers finds nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tinkerer_core import ExperimentStatus, RunStore, get_manager, hookimpl
from tinkerer_plugin_bench import sealed
from tinkerer_plugin_bench.results import GRADE_META, results
from tinkerer_plugin_bench.runner import BenchPlan, BenchRun
from tinkerer_plugin_reports.html_report import write_report

from .conftest import DIABETES_RIDGE, KNAPSACK_BY_RATIO, ROUTE_IN_ORDER, scripted

EXAMPLES = Path(__file__).parents[3] / "examples"


def tinkerer(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tinkerer_core.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def bench(*problems: str, suite: str = "ale-lite", overrides: tuple[str, ...] = (), **plan: Any) -> BenchRun:
    return BenchRun.start(
        BenchPlan(suite, problems=problems, overrides=overrides, **plan), Path("bench"), say=lambda _: None
    )


@pytest.mark.slow
def test_the_quick_run_from_the_command_line_prints_the_table(workdir: Path) -> None:
    completed = tinkerer(
        "bench", "run", "ale-lite", "--quick", "--quiet", "run_dir=bench", *scripted(KNAPSACK_BY_RATIO), cwd=workdir
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    lines = completed.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("problem"))
    assert lines[header].split() == [
        "problem",
        "valid",
        "score",
        "verdict",
        "validation",
        "experiments",
        "cost",
        "wall",
    ]
    assert lines[header + 1].split()[:4] == ["knapsack", "yes", "86533", "relative"]
    assert "(rank 2 of 5)" in lines[header + 1]
    assert lines[header + 2].startswith("valid submissions 1/1 · mean relative score 99.")
    rows = json.loads(tinkerer("bench", "results", "bench", "--json", cwd=workdir).stdout)
    assert [(row["problem"], row["experiments"], row["validation_score"]) for row in rows] == [("knapsack", 1, 12007.0)]
    problem_store = RunStore(workdir / "bench" / "knapsack")
    assert problem_store.meta()[GRADE_META]["verdict"] == rows[0]["verdict"]
    assert problem_store.experiments()[0].status is ExperimentStatus.SUCCEEDED
    assert "SCORE: 12007" in (problem_store.experiments()[0].result.output or "")  # type: ignore[union-attr]
    page = write_report(workdir / "bench").read_text()
    assert '"bench": [{"problem": "knapsack"' in page and 'id="bench-table"' in page


@pytest.mark.slow
def test_an_mle_lite_problem_is_graded_with_medals(workdir: Path) -> None:
    run = bench("diabetes", suite="mle-lite", overrides=("max_iterations=1", *scripted(DIABETES_RIDGE)))
    (row,) = run.run()
    assert row["valid_submission"] and row["verdict"] == "gold"  # the ladder's best is this very model
    assert row["score"] == pytest.approx(57.1635, abs=1e-3)
    assert row["details"]["gold_medal"] and row["details"]["leaderboard_teams"] == 10
    assert 40 < row["validation_score"] < 80  # what the solution printed for its own held-out rows
    assert row["experiments"] == 1 and row["wall_s"] > 0
    solution = Path(row["run_dir"]) / "solution"
    assert (solution / "submission" / "submission.csv").is_file() and (
        solution / "main.py"
    ).read_text() == DIABETES_RIDGE


def test_a_solution_that_never_scores_is_graded_as_no_solution(workdir: Path) -> None:
    run = bench("diabetes", suite="mle-lite", overrides=("max_iterations=1", "debug_attempts=0", *scripted("print(1)")))
    (row,) = run.run()
    assert (row["valid_submission"], row["score"], row["best_experiment"]) == (False, None, None)
    assert row["verdict"] == "no solution: no experiment ran cleanly to a score (failures: no_score 1)"
    assert row["details"] == {"failures": {"no_score": 1}}


PEEK = """\
import json
import os

ROOT = {root!r}
ANSWERS = os.path.join(ROOT, "diabetes", "prepared", "private", "test.csv")
found = {{}}
for path in ({data!r}, ANSWERS, os.path.join(ROOT, "diabetes", "leaderboard.csv")):
    try:
        found[path] = os.listdir(path) if os.path.isdir(path) else open(path).read(80)
    except OSError as error:
        found[path] = type(error).__name__
walked = []
for top in (os.path.realpath("data"), {data!r}, {workdir!r}):  # the view, every suite's data, the run's own
    for folder, _, files in os.walk(top):
        walked += [os.path.join(folder, name) for name in files if name in ("leaderboard.csv", "ladder.json") or "private" in folder]
leaked = {{name: value for name, value in os.environ.items() if {data!r} in value}}
print("PEEK " + json.dumps({{"found": found, "walked": walked, "env": leaked}}))
try:
    open(os.path.join("data", "train.csv"), "a").write("tampered")
    print("WROTE")
except OSError as error:
    print("READ-ONLY " + type(error).__name__)
os.makedirs("submission", exist_ok=True)
with open(os.path.join("data", "sample_submission.csv")) as sample:
    open(os.path.join("submission", "submission.csv"), "w").write(sample.read())
print("Validation score: 1.0")
"""


@pytest.mark.slow
def test_a_solution_cannot_read_the_answers_or_the_leaderboard(workdir: Path, bench_data: Path) -> None:
    works, why = sealed.sealing_works()
    if not works:
        pytest.skip(f"answers cannot be hidden on this machine: {why}")
    root = bench_data / "mle-lite" / "v1"
    code = PEEK.format(root=str(root), data=str(bench_data), workdir=str(workdir))
    run = bench("diabetes", suite="mle-lite", overrides=("max_iterations=1", *scripted(code)))
    (row,) = run.run()
    (experiment,) = RunStore(workdir / "bench" / "diabetes").experiments()
    output = experiment.result.output if experiment.result else ""
    peek = json.loads(next(line for line in output.splitlines() if line.startswith("PEEK "))[5:])
    assert peek["found"] == {
        str(bench_data): [],  # every suite's data folder is an empty one in the solution's sight
        str(root / "diabetes" / "prepared" / "private" / "test.csv"): "FileNotFoundError",
        str(root / "diabetes" / "leaderboard.csv"): "FileNotFoundError",
    }
    assert peek["walked"] == [] and peek["env"] == {}
    assert "READ-ONLY OSError" in output  # the data it was given cannot be changed through the hard links
    # the answers are there all along, and the grader, outside, reads them
    assert (root / "diabetes" / "prepared" / "private" / "test.csv").is_file()
    assert b"tampered" not in (root / "diabetes" / "prepared" / "public" / "train.csv").read_bytes()
    assert row["valid_submission"] and row["verdict"] == "below median"


class StopAfterFirstExperiment:
    """Interrupts the run the first time an experiment of ``problem`` finishes, as Ctrl-C would."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        self.fired = False

    @hookimpl
    def tinkerer_experiment_finished(self, run_dir: str, experiment: Any) -> None:
        if Path(run_dir).name == self.problem and not self.fired:
            self.fired = True
            raise KeyboardInterrupt


@pytest.mark.slow
def test_a_stopped_benchmark_resumes_keeping_what_was_graded(workdir: Path) -> None:
    replies = scripted(KNAPSACK_BY_RATIO, ROUTE_IN_ORDER)
    run = bench("knapsack", "route", overrides=("max_iterations=2", "debug_attempts=0", *replies))
    with get_manager().registered(StopAfterFirstExperiment("route"), "stop-route"), pytest.raises(KeyboardInterrupt):
        run.run()
    store = RunStore(workdir / "bench")
    assert store.meta()["status"] == "interrupted"
    assert [row["problem"] for row in results(store)] == ["knapsack"]
    assert RunStore(workdir / "bench" / "route").meta()["status"] == "interrupted"
    knapsack_events = len(RunStore(workdir / "bench" / "knapsack").experiments())

    rows = BenchRun.resume(workdir / "bench", say=lambda _: None).run()
    assert [row["problem"] for row in rows] == ["knapsack", "route"]
    assert len(RunStore(workdir / "bench" / "knapsack").experiments()) == knapsack_events  # not run again
    route = RunStore(workdir / "bench" / "route")
    assert len(route.experiments()) == 2 and route.meta()["status"] == "finished"  # the interrupted run went on
    assert store.meta()["status"] == "finished"


@pytest.mark.slow
def test_a_config_file_and_workers_apply_to_every_problem(workdir: Path) -> None:
    """examples/house_prices.py gives its search, agent, stop condition and budget; the problem its goal and data."""
    completed = tinkerer(
        "bench", "run", "mle-lite", "house-prices", str(EXAMPLES / "house_prices.py"), "max_iterations=2", "workers=2",
        "debug_attempts=0",
        "--quiet", "run_dir=bench", *scripted("print('Validation score: 0.5')"), cwd=workdir,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    store = RunStore(workdir / "bench" / "house-prices")
    config = store.meta()["config"]["values"]
    assert config["goal"].startswith('Solve the offline Kaggle competition "House Prices (synthetic)"')
    stop = config.get("stop_condition", config.get("stop"))  # the field's new name, or its old one
    assert stop == {"__component__": "threshold"} and config["workers"] == 2
    assert config["data_dir"] == str((workdir / "bench" / "views" / "house-prices").resolve())
    experiments = store.experiments()
    assert len(experiments) == 2 and all(e.status is ExperimentStatus.FAILED for e in experiments)
    assert experiments[0].error.startswith("no score: submission/submission.csv is not a valid submission")
    assert experiments[1].error == "agent: reply identical to parent"  # each experiment's script starts over
    assert "no solution" in completed.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bench", "run", "mle-lyte"], "unknown benchmark suite 'mle-lyte'; installed benchmark suites: ale-bench"),
        (["bench", "run", "mle-lite", "titanic"], "mle-lite has no problem 'titanic'; its problems: house-prices"),
        (["bench", "run", "ale-lite", "max_iterations=0"], "max_iterations"),
        (["bench", "run", "ale-lite", "output_path=x"], "output_path is set by the benchmark"),
        (["bench", "run", "mle-bench"], "not on PyPI: pip install git+https://github.com/openai/mle-bench"),
        (["bench", "resume", "nowhere"], "holds no benchmark run"),
    ],
)
def test_bad_input_is_one_line_naming_what_is_wrong(workdir: Path, args: list[str], message: str) -> None:
    completed = tinkerer(*args, cwd=workdir)
    assert completed.returncode == 2, completed.stderr
    assert message in completed.stderr and "Traceback" not in completed.stderr
    assert not (workdir / "runs").exists()  # nothing was started


def test_the_list_says_what_can_run_here(workdir: Path) -> None:
    listed = {row["suite"]: row for row in json.loads(tinkerer("bench", "list", "--json", cwd=workdir).stdout)}
    assert [p["id"] for p in listed["mle-lite"]["problems"]] == [
        "house-prices",
        "diabetes",
        "breast-cancer",
        "digits",
        "blob-radius",
    ]
    assert [p["id"] for p in listed["ale-lite"]["problems"]] == ["route", "knapsack"]
    assert listed["mle-bench"]["available"] is False and "openai/mle-bench" in listed["mle-bench"]["why"]
    assert listed["ale-bench"]["available"] is False and "SakanaAI/ALE-Bench" in listed["ale-bench"]["why"]
