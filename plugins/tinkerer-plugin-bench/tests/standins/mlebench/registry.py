"""MLE-bench's registry, standing in: competitions are folders in the data directory, as ``prepare`` leaves them.

Each ``<data_dir>/<id>/`` holds ``prepared/public`` and ``prepared/private/test.csv``; the competition's
metric (rmse, lower is better) and leaderboard live beside it, where the real package keeps them in its own
``competitions/<id>/`` folder.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = Path(os.environ.get("MLEBENCH_STANDIN_DATA", "/nonexistent")).resolve()


class Grader:
    """The competition's grader: root mean squared error of the second column, by the first."""

    name = "rmse"

    def is_lower_better(self, leaderboard: list[dict[str, str]]) -> bool:
        scores = [float(row["score"]) for row in leaderboard]
        return bool(scores[0] < scores[-1])

    def __call__(self, submission: list[dict[str, str]], answers: list[dict[str, str]]) -> float | None:
        key, target = list(answers[0])
        truth = {row[key]: float(row[target]) for row in answers}
        try:
            predicted = {row[key]: float(row[target]) for row in submission}
        except (KeyError, ValueError):
            return None
        if predicted.keys() != truth.keys():
            return None
        return round(math.sqrt(sum((predicted[k] - truth[k]) ** 2 for k in truth) / len(truth)), 5)


@dataclass(frozen=True)
class Competition:
    id: str
    name: str
    description: str
    grader: Grader
    answers: Path
    gold_submission: Path
    sample_submission: Path
    competition_type: str
    raw_dir: Path
    private_dir: Path
    public_dir: Path
    checksums: Path
    leaderboard: Path


class Registry:
    def __init__(self, data_dir: Path = DEFAULT_DATA_DIR) -> None:
        self._data_dir = Path(data_dir).resolve()

    def get_competition(self, competition_id: str) -> Competition:
        root = self._data_dir / competition_id
        public = root / "prepared" / "public"
        return Competition(
            id=competition_id,
            name=competition_id.replace("-", " ").title(),
            description=(root / "description.md").read_text() if (root / "description.md").is_file() else "?",
            grader=Grader(),
            answers=root / "prepared" / "private" / "test.csv",
            gold_submission=root / "prepared" / "private" / "test.csv",
            sample_submission=public / "sample_submission.csv",
            competition_type="simple",
            raw_dir=root / "raw",
            private_dir=root / "prepared" / "private",
            public_dir=public,
            checksums=root / "checksums.yaml",
            leaderboard=root / "leaderboard.csv",
        )

    def get_data_dir(self) -> Path:
        return self._data_dir

    def set_data_dir(self, new_data_dir: Path) -> Registry:
        return Registry(new_data_dir)

    def list_competition_ids(self) -> list[str]:
        return sorted(p.name for p in self._data_dir.iterdir() if p.is_dir()) if self._data_dir.is_dir() else []


registry = Registry()


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as file:
        return list(csv.DictReader(file))
