"""``mle-bench``: MLE-bench's competitions as its ``mlebench prepare`` leaves them, graded by its own graders.

MLE-bench is not on PyPI: ``pip install git+https://github.com/openai/mle-bench`` (its README also wants
Git LFS for the leaderboards), then ``mlebench prepare -c <competition>`` (Kaggle credentials) fills its
data folder with ``<id>/prepared/public`` (what an agent sees) and ``<id>/prepared/private`` (the answers).
A run sees a copy of ``public/``; ``grade`` is MLE-bench's ``grade_csv`` with the competition's grader and
leaderboard, and reports what MLE-bench reports.
"""

from __future__ import annotations

import csv
import importlib.util
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import chz

from tinkerer_core import BenchmarkGrade, BenchmarkProblem, BenchmarkSuite, ConfigError, Direction, ProblemSetup
from tinkerer_core.validation import not_empty
from tinkerer_plugin_bench.mle.instructions import competition_goal
from tinkerer_plugin_bench.submission import SUBMISSION
from tinkerer_plugin_bench.views import stage_view

INSTALL = (
    "MLE-bench's package is not installed; it is not on PyPI: pip install git+https://github.com/openai/mle-bench "
    "(then `mlebench prepare -c COMPETITION`); offline, `tinkerer bench run mle-lite` runs the same shape"
)
LISTED_FILES = 30


@chz.chz
class MleBench(BenchmarkSuite):
    """MLE-bench's Kaggle competitions, as `mlebench prepare` left them, graded by MLE-bench (needs its package).

    Its own graders and leaderboards report: valid submission, score, above median, gold/silver/bronze.
    """

    data_dir: str | None = chz.field(
        default=None, validator=not_empty(), doc="MLE-bench's data folder (its --data-dir; default: MLE-bench's own)"
    )

    def available(self) -> tuple[bool, str]:
        if importlib.util.find_spec("mlebench") is None:
            return False, INSTALL
        return True, f"competitions prepared in {self._registry().get_data_dir()}"

    def _registry(self) -> Any:
        from mlebench.registry import registry

        return registry.set_data_dir(Path(self.data_dir).expanduser()) if self.data_dir else registry

    def _competition(self, problem_id: str) -> Any:
        registry = self._registry()
        if problem_id not in registry.list_competition_ids():
            raise ConfigError(f"MLE-bench has no competition {problem_id!r}: `tinkerer bench list` lists them")
        return registry.get_competition(problem_id)

    def problems(self) -> list[BenchmarkProblem]:
        from mlebench.data import is_dataset_prepared

        registry = self._registry()
        listed = []
        for competition_id in registry.list_competition_ids():
            competition = registry.get_competition(competition_id)
            ready = bool(is_dataset_prepared(competition))
            kind = competition.competition_type + ("" if ready else " (not prepared: mlebench prepare -c ...)")
            listed.append(BenchmarkProblem(competition_id, competition.name, kind, ready))
        return listed

    def prepare(self, problem_id: str, view: Path) -> ProblemSetup:
        from mlebench.data import get_leaderboard, is_dataset_prepared

        competition = self._competition(problem_id)
        if not is_dataset_prepared(competition):
            raise ConfigError(
                f"MLE-bench's data for {problem_id} is not prepared in {self._registry().get_data_dir()}: run "
                f"`mlebench prepare -c {problem_id}` (it downloads from Kaggle), or point suite.data_dir= at its data"
            )
        public = Path(competition.public_dir)
        stage_view(public, view, hard_links=True)
        sample = Path(competition.sample_submission).name
        with (public / sample).open(newline="") as file:
            columns = next(csv.reader(file))
        described = public / "description.md"
        description = described.read_text() if described.is_file() else competition.description
        names = sorted(path.name for path in public.iterdir())
        files = names[:LISTED_FILES] + (
            [f"... ({len(names) - LISTED_FILES} more)"] if len(names) > LISTED_FILES else []
        )
        lower = competition.grader.is_lower_better(get_leaderboard(competition))
        config: Mapping[str, Any] = {
            "evaluator": "submission_check",
            "evaluator.sample": f"data/{sample}",
            "command": "python main.py",
            "main_file": "main.py",
        }
        return ProblemSetup(
            goal=competition_goal(competition.name, description, files, sample, columns),
            data_dir=view,
            direction=Direction.MINIMIZE if lower else Direction.MAXIMIZE,
            config=config,
        )

    def grade(self, problem_id: str, solution: Path) -> BenchmarkGrade:
        from mlebench.grade import grade_csv

        report = grade_csv(solution / SUBMISSION, self._competition(problem_id))
        details = report.to_dict()
        if not report.valid_submission:
            verdict = "invalid submission" if report.submission_exists else f"invalid: no {SUBMISSION}"
        elif report.gold_medal or report.silver_medal or report.bronze_medal:
            verdict = "gold" if report.gold_medal else "silver" if report.silver_medal else "bronze"
        else:
            verdict = "above median" if report.above_median else "below median"
        return BenchmarkGrade(bool(report.valid_submission), report.score, verdict, details)

    def private_paths(self, problem_id: str) -> tuple[Path, ...]:
        """The competition's whole data folder: its raw download and private answers (the view is a copy)."""
        return (Path(self._registry().get_data_dir()) / problem_id,)

    def quick(self) -> tuple[str, Mapping[str, Any]]:
        ready = [problem.id for problem in self.problems() if problem.ready]
        if not ready:
            raise ConfigError("no MLE-bench competition is prepared: `mlebench prepare -c spaceship-titanic`")
        return ready[0], {"max_iterations": 1}
