"""The mle-bench and ale-bench suites drive MLE-bench's and ALE-bench's APIs: here through stand-ins of their
packages (``standins/``: neither is on PyPI, nor can run here), in real benchmark runs."""

from __future__ import annotations

import importlib
import importlib.util
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tinkerer_core import ConfigError, RunStore, create_component
from tinkerer_plugin_bench.runner import BenchPlan, BenchRun

from .conftest import DIABETES_RIDGE, KNAPSACK_BY_RATIO, scripted

STANDINS = Path(__file__).parent / "standins"


@pytest.fixture
def standins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The stand-in packages on ``sys.path`` (and a ``docker`` on PATH for ALE-bench's check), then gone."""
    for package in ("mlebench", "ale_bench"):
        if importlib.util.find_spec(package) is not None:
            pytest.skip(f"the real {package} is installed: these stand-in tests would shadow it")
    monkeypatch.syspath_prepend(str(STANDINS))
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "docker").write_text("#!/bin/sh\nexit 0\n")
    (tools / "docker").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}:{__import__('os').environ['PATH']}")
    importlib.invalidate_caches()
    yield
    for name in [name for name in sys.modules if name.split(".")[0] in ("mlebench", "ale_bench")]:
        del sys.modules[name]


@pytest.fixture
def mle_data(workdir: Path, bench_data: Path) -> Path:
    """MLE-bench's data folder with one prepared competition (mle-lite's diabetes, as `mlebench prepare` lays
    it out) and one that was never prepared."""
    lite = create_component("benchmark_suite", "mle-lite")
    lite.prepare("diabetes", workdir / "lite-view")
    data = workdir / "mle-data"
    shutil.copytree(lite.root / "diabetes" / "prepared", data / "diabetes" / "prepared")
    shutil.copy(lite.root / "diabetes" / "leaderboard.csv", data / "diabetes" / "leaderboard.csv")
    (data / "unprepared").mkdir()
    return data


@pytest.mark.slow
def test_mle_bench_lists_prepared_competitions_and_grades_with_its_grader(
    standins: None, mle_data: Path, workdir: Path
) -> None:
    suite = create_component("benchmark_suite", "mle-bench", {"data_dir": str(mle_data)})
    assert suite.available() == (True, f"competitions prepared in {mle_data}")
    assert [(p.id, p.ready) for p in suite.problems()] == [("diabetes", True), ("unprepared", False)]
    assert suite.private_paths("diabetes") == (mle_data / "diabetes",)
    plan = BenchPlan(
        "mle-bench", {"data_dir": str(mle_data)}, overrides=("max_iterations=1", *scripted(DIABETES_RIDGE))
    )
    run = BenchRun.start(plan, Path("bench"), say=lambda _: None)
    assert run.plan.problems == ("diabetes",)  # a whole run takes the prepared ones
    (row,) = run.run()
    assert (row["valid_submission"], row["verdict"]) == (True, "gold")
    assert row["details"]["competition_id"] == "diabetes" and row["details"]["is_lower_better"] is True
    config = RunStore(workdir / "bench" / "diabetes").meta()["config"]["values"]
    assert config["direction"] == "minimize"  # from the grader and the leaderboard
    assert config["evaluator"] == {"__component__": "submission_check"}
    assert config["evaluator.sample"] == "data/sample_submission.csv"  # MLE-bench's sample submission, in the view
    assert f"--hide {mle_data / 'diabetes'}" in config["command"]


def test_an_unprepared_mle_bench_competition_says_how_to_prepare_it(standins: None, mle_data: Path) -> None:
    run = BenchRun.start(BenchPlan("mle-bench", {"data_dir": str(mle_data)}, ("unprepared",)), Path("bench"), say=print)
    with pytest.raises(ConfigError, match=r"not prepared .* run `mlebench prepare -c unprepared`"):
        run.run()


@pytest.mark.slow
def test_ale_bench_scores_experiments_by_public_eval_and_grades_once_by_private_eval(
    standins: None, workdir: Path
) -> None:
    plan = BenchPlan(
        "ale-bench", problems=("ahc-standin",), overrides=("max_iterations=1", *scripted(KNAPSACK_BY_RATIO))
    )
    (row,) = BenchRun.start(plan, Path("bench"), say=lambda _: None).run()
    assert row["valid_submission"] and row["details"]["overall_judge_result"] == "ACCEPTED"
    assert row["verdict"] == f"rank {row['details']['rank']}, performance {row['details']['performance']}"
    assert row["details"]["judge"] == {"ACCEPTED": 4}
    store = RunStore(workdir / "bench" / "ahc-standin")
    (experiment,) = store.experiments()
    assert experiment.evaluation is not None and experiment.evaluation.feedback.startswith("public evaluation: 3 cases")
    assert "3 of 3 cases ran" in (experiment.result.output if experiment.result else "")  # the run fed the public cases
    view = workdir / "bench" / "views" / "ahc-standin"
    assert sorted(p.name for p in (view / "in").iterdir()) == ["0000.txt", "0001.txt", "0002.txt"]
    assert (view / "statement.md").read_text().startswith("# Knapsack")
    session_module = importlib.import_module("tinkerer_plugin_bench.ale.real")
    assert session_module._sessions == {}  # the grade closed the session
