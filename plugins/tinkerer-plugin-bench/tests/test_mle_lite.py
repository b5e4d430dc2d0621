"""mle-lite prepares its competitions in MLE-bench's layout and grades submissions like MLE-bench."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from tinkerer_core import Direction, create_component
from tinkerer_plugin_bench.mle.competitions import COMPETITIONS
from tinkerer_plugin_bench.mle.lite import MleLite


@pytest.fixture(scope="module")
def suite(bench_data: Path) -> MleLite:
    return create_component("benchmark_suite", "mle-lite")


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


def submit(folder: Path, header: list[str], lines: list[list[object]]) -> Path:
    (folder / "submission").mkdir(parents=True, exist_ok=True)
    with (folder / "submission" / "submission.csv").open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(lines)
    return folder


def test_every_problem_is_listed_with_its_kind(suite: MleLite) -> None:
    kinds = {problem.id: problem.kind for problem in suite.problems()}
    assert kinds == {
        "house-prices": "tabular regression",
        "diabetes": "tabular regression",
        "breast-cancer": "tabular classification",
        "digits": "image classification",
        "blob-radius": "image regression",
    }


def test_a_competition_is_prepared_as_mlebench_prepare_leaves_one(suite: MleLite, tmp_path: Path) -> None:
    setup = suite.prepare("diabetes", tmp_path / "view")
    folder = suite.root / "diabetes"
    public, private = folder / "prepared" / "public", folder / "prepared" / "private"
    assert sorted(p.name for p in public.iterdir()) == [
        "description.md",
        "sample_submission.csv",
        "test.csv",
        "train.csv",
    ]
    assert [p.name for p in private.iterdir()] == ["test.csv"]
    train, test, answers = rows(public / "train.csv"), rows(public / "test.csv"), rows(private / "test.csv")
    assert len(train) + len(test) == 442 and len(test) == round(442 * 0.25)
    assert "progression" in train[0] and "progression" not in test[0]
    assert [row["id"] for row in answers] == [row["id"] for row in test]
    assert {row["id"] for row in train}.isdisjoint(row["id"] for row in test)
    # the contestant's view is the public folder, and only it; the leaderboard has MLE-bench's score column
    assert sorted(p.name for p in setup.data_dir.iterdir()) == sorted(p.name for p in public.iterdir())
    assert (setup.data_dir / "train.csv").read_bytes() == (public / "train.csv").read_bytes()
    scores = [float(row["score"]) for row in rows(folder / "leaderboard.csv")]
    assert len(scores) == 10 and scores == sorted(scores)  # lower is better: best first
    assert setup.direction is Direction.MINIMIZE
    assert setup.config["evaluator"] == "submission_check"
    assert "Validation score: <value>" in setup.goal and "submission/submission.csv" in setup.goal
    assert "root mean squared error" in setup.goal  # the description is in the goal


def test_preparing_again_reuses_the_prepared_data(suite: MleLite, tmp_path: Path) -> None:
    suite.prepare("diabetes", tmp_path / "first")
    made = (suite.root / "diabetes" / "leaderboard.csv").stat().st_mtime_ns
    suite.prepare("diabetes", tmp_path / "second")
    assert (suite.root / "diabetes" / "leaderboard.csv").stat().st_mtime_ns == made


def test_the_answers_themselves_win_gold(suite: MleLite, tmp_path: Path) -> None:
    suite.prepare("diabetes", tmp_path / "view")
    answers = suite.root / "diabetes" / "prepared" / "private" / "test.csv"
    (tmp_path / "perfect" / "submission").mkdir(parents=True)
    shutil.copy(answers, tmp_path / "perfect" / "submission" / "submission.csv")
    grade = suite.grade("diabetes", tmp_path / "perfect")
    assert (grade.valid_submission, grade.score, grade.verdict) == (True, 0.0, "gold")
    assert grade.details["gold_medal"] and grade.details["any_medal"] and grade.details["above_median"]
    assert grade.details["is_lower_better"] and grade.details["leaderboard_teams"] == 10


def test_the_sample_submission_is_valid_and_below_the_median(suite: MleLite, tmp_path: Path) -> None:
    setup = suite.prepare("diabetes", tmp_path / "view")
    (tmp_path / "sample" / "submission").mkdir(parents=True)
    shutil.copy(setup.data_dir / "sample_submission.csv", tmp_path / "sample" / "submission" / "submission.csv")
    grade = suite.grade("diabetes", tmp_path / "sample")
    ladder = {entry["reference"]: entry["score"] for entry in suite.ladder("diabetes")}
    assert grade.valid_submission and grade.verdict == "below median"
    assert grade.score == pytest.approx(ladder["mean"], abs=1e-3)  # the sample predicts the train mean


@pytest.mark.parametrize(
    ("header", "change", "reason"),
    [
        (["id", "progression"], lambda ids: [[i, "x"] for i in ids], "'x' is not a number"),
        (["id", "progression"], lambda ids: [[i, 1.0] for i in ids[1:]], "1 missing, 0 unknown"),
        (["id", "progression"], lambda ids: [[i, 1.0] for i in [*ids, ids[0]]], "id repeats"),
        (["id", "target"], lambda ids: [[i, 1.0] for i in ids], "no progression column"),
        (["id", "progression"], lambda ids: [[i, "nan"] for i in ids], "not a finite number"),
    ],
)
def test_an_invalid_submission_has_no_score_and_says_why(
    suite: MleLite, tmp_path: Path, header: list[str], change, reason: str
) -> None:
    setup = suite.prepare("diabetes", tmp_path / "view")
    ids = [row["id"] for row in rows(setup.data_dir / "test.csv")]
    grade = suite.grade("diabetes", submit(tmp_path / "bad", header, change(ids)))
    assert not grade.valid_submission and grade.score is None
    assert grade.verdict.startswith("invalid: ") and reason in grade.verdict
    assert not grade.details["any_medal"] and grade.details["valid_submission"] is False


def test_a_missing_submission_is_invalid(suite: MleLite, tmp_path: Path) -> None:
    suite.prepare("diabetes", tmp_path / "view")
    (tmp_path / "empty").mkdir()
    grade = suite.grade("diabetes", tmp_path / "empty")
    assert grade.verdict == "invalid: submission submission.csv was not written"
    assert grade.details["submission_exists"] is False


def test_labels_written_as_numbers_count_alike(suite: MleLite, tmp_path: Path) -> None:
    suite.prepare("digits", tmp_path / "view")
    answers = rows(suite.root / "digits" / "prepared" / "private" / "test.csv")
    written = [[row["ImageId"], f"{float(row['Label']):.1f}"] for row in answers]  # 3.0 for 3
    grade = suite.grade("digits", submit(tmp_path / "floats", ["ImageId", "Label"], written))
    assert grade.score == 1.0 and grade.verdict == "gold"


@pytest.mark.slow
def test_every_competition_has_a_ladder_from_weak_to_strong(suite: MleLite, tmp_path: Path) -> None:
    for competition in COMPETITIONS.values():
        setup = suite.prepare(competition.id, tmp_path / competition.id)
        ladder = suite.ladder(competition.id)
        record = json.loads((suite.root / competition.id / "prepared.json").read_text())
        assert len(ladder) == 10 and record["format"] == "v1"
        best, worst = ladder[0]["score"], ladder[-1]["score"]
        assert setup.direction.is_better(best, worst)
        sample = rows(setup.data_dir / "sample_submission.csv")
        assert list(sample[0]) == [competition.id_column, competition.target]
