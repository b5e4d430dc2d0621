"""``mle-lite``: five offline competitions in the layout MLE-bench's ``prepare`` leaves, graded like MLE-bench.

Each competition is prepared once under the suite's data folder::

    <data_dir>/v1/<id>/prepared/public/   description.md, train.csv, test.csv, sample_submission.csv
    <data_dir>/v1/<id>/prepared/private/  test.csv (the answers)
    <data_dir>/v1/<id>/leaderboard.csv    the reference ladder's scores, best first (ladder.json: who scored what)

A run sees a copy of ``public/`` only; ``grade`` scores the exported ``submission/submission.csv`` against
``private/test.csv`` and ranks it on the leaderboard (MLE-bench's report: valid submission, score, above
median, gold/silver/bronze).
"""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import chz

from tinkerer_core import BenchmarkGrade, BenchmarkProblem, BenchmarkSuite, ConfigError, ProblemSetup
from tinkerer_core.validation import not_empty
from tinkerer_plugin_bench.mle import medals
from tinkerer_plugin_bench.mle.competitions import COMPETITIONS, Cell, Competition, Dataset, description
from tinkerer_plugin_bench.mle.grading import grade_file
from tinkerer_plugin_bench.mle.instructions import competition_goal
from tinkerer_plugin_bench.mle.ladder import ladder_scores
from tinkerer_plugin_bench.submission import SUBMISSION, SubmissionError
from tinkerer_plugin_bench.views import data_root, prepare_once, shared_root, stage_view

FORMAT = "v1"  # the prepared layout's version: a new one prepares again, beside the old
SAMPLE = "sample_submission.csv"
RUN_CONFIG = {"evaluator": "submission_check", "command": "python main.py", "main_file": "main.py"}


@chz.chz
class MleLite(BenchmarkSuite):
    """Five offline Kaggle-style competitions in MLE-bench's shape, ranked on reference-model leaderboards.

    Tabular and image, regression and classification, from scikit-learn's data sets or seeded generators.
    """

    data_dir: str | None = chz.field(
        default=None,
        validator=not_empty(),
        doc="where the competitions are prepared (default: $TINKERER_BENCH_DATA/mle-lite, else ~/.cache/tinkerer/bench/mle-lite)",
    )

    @property
    def root(self) -> Path:
        return data_root("mle-lite", self.data_dir) / FORMAT

    def problems(self) -> list[BenchmarkProblem]:
        return [BenchmarkProblem(c.id, c.title, c.kind) for c in COMPETITIONS.values()]

    def prepare(self, problem_id: str, view: Path) -> ProblemSetup:
        competition = _competition(problem_id)
        folder = prepare_once(self.root / problem_id, lambda scratch: _prepare(competition, scratch))
        public = folder / "prepared" / "public"
        stage_view(public, view)
        with (public / SAMPLE).open(newline="") as file:
            columns = next(csv.reader(file))
        files = sorted(path.name for path in public.iterdir())
        goal = competition_goal(competition.title, (public / "description.md").read_text(), files, SAMPLE, columns)
        return ProblemSetup(goal=goal, data_dir=view, direction=competition.metric.direction, config=RUN_CONFIG)

    def grade(self, problem_id: str, solution: Path) -> BenchmarkGrade:
        competition = _competition(problem_id)
        folder = self.root / problem_id
        submission = solution / SUBMISSION
        score: float | None = None
        error = ""
        try:
            score = round(grade_file(competition, submission, folder / "prepared" / "private" / "test.csv"), 5)
        except SubmissionError as invalid:
            error = str(invalid)
        leaderboard = medals.read_leaderboard(folder / "leaderboard.csv")
        ranking = medals.rank(score, leaderboard, competition.metric.direction)
        details: dict[str, Any] = {
            "competition_id": problem_id,
            "score": score,
            **ranking.as_dict(),
            "submission_exists": submission.is_file(),
            "valid_submission": score is not None,
            "is_lower_better": competition.metric.direction.value == "minimize",
            "submission_path": str(submission),
            "leaderboard_teams": len(leaderboard),
        }
        if error:
            details["error"] = error
        verdict = medals.verdict(ranking) if score is not None else f"invalid: {error}"
        return BenchmarkGrade(valid_submission=score is not None, score=score, verdict=verdict, details=details)

    def private_paths(self, problem_id: str) -> tuple[Path, ...]:
        return (shared_root("mle-lite", self.data_dir),)

    def quick(self) -> tuple[str, Mapping[str, Any]]:
        return "diabetes", {"max_iterations": 1}

    def ladder(self, problem_id: str) -> list[dict[str, Any]]:
        """The reference solutions of a prepared competition and their test scores, best first."""
        return list(json.loads((self.root / problem_id / "ladder.json").read_text()))


def _competition(problem_id: str) -> Competition:
    if problem_id not in COMPETITIONS:
        raise ConfigError(f"mle-lite has no problem {problem_id!r}; its problems: {', '.join(COMPETITIONS)}")
    return COMPETITIONS[problem_id]


def _prepare(competition: Competition, folder: Path) -> None:
    """Split the data set, write the public and private files, and score the ladder for the leaderboard."""
    import sklearn

    data = competition.make()
    order = list(range(len(data.rows)))
    random.Random(competition.split_seed).shuffle(order)
    cut = round(len(order) * competition.test_fraction)
    test, train = _subset(data, order[:cut]), _subset(data, order[cut:])
    public, private = folder / "prepared" / "public", folder / "prepared" / "private"
    public.mkdir(parents=True)
    private.mkdir(parents=True)
    train_ids = list(range(1, len(train.rows) + 1))
    test_ids = list(range(len(train.rows) + 1, len(data.rows) + 1))
    header = [competition.id_column, *data.features]
    _write(
        public / "train.csv",
        [*header, competition.target],
        [[i, *r, t] for i, r, t in zip(train_ids, train.rows, train.targets, strict=True)],
    )
    _write(public / "test.csv", header, [[i, *r] for i, r in zip(test_ids, test.rows, strict=True)])
    placeholder = _placeholder(competition, train)
    _write(public / SAMPLE, [competition.id_column, competition.target], [[i, placeholder] for i in test_ids])
    _write(
        private / "test.csv",
        [competition.id_column, competition.target],
        [[i, t] for i, t in zip(test_ids, test.targets, strict=True)],
    )
    sample = f"{test_ids[0]},{placeholder}"
    (public / "description.md").write_text(description(competition, len(train.rows), len(test.rows), sample))
    scores = ladder_scores(competition, train, test)
    medals.write_leaderboard(folder / "leaderboard.csv", scores, competition.metric.direction)
    ranked = sorted(scores, key=lambda entry: entry[1], reverse=competition.metric.direction.value == "maximize")
    record = [{"reference": name, "score": round(value, 5)} for name, value in ranked]
    (folder / "ladder.json").write_text(json.dumps(record, indent=2))
    (folder / "prepared.json").write_text(json.dumps({"format": FORMAT, "scikit_learn": sklearn.__version__}))


def _subset(data: Dataset, indices: list[int]) -> Dataset:
    return Dataset(data.features, [data.rows[i] for i in indices], [data.targets[i] for i in indices])


def _placeholder(competition: Competition, train: Dataset) -> Cell:
    """The sample submission's value: the train mean (regression) or the most frequent label."""
    if competition.task == "classification":
        return Counter(train.targets).most_common(1)[0][0]
    return round(sum(float(t) for t in train.targets) / len(train.targets), 4)


def _write(path: Path, header: list[str], rows: list[list[Cell]]) -> None:
    with path.open("w", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([[_cell(value) for value in row] for row in rows])


def _cell(value: Cell) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(round(value, 6)) if isinstance(value, float) else str(value)
