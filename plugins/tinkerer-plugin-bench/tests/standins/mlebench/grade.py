"""MLE-bench's grading, standing in: ``grade_csv`` returns a ``CompetitionReport`` of the real shape."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mlebench.data import get_leaderboard
from mlebench.registry import Competition, read_rows


@dataclass(frozen=True)
class CompetitionReport:
    competition_id: str
    score: float | None
    gold_threshold: float
    silver_threshold: float
    bronze_threshold: float
    median_threshold: float
    any_medal: bool
    gold_medal: bool
    silver_medal: bool
    bronze_medal: bool
    above_median: bool
    submission_exists: bool
    valid_submission: bool
    is_lower_better: bool
    created_at: datetime
    submission_path: str

    def to_dict(self) -> dict:
        return {**self.__dict__, "created_at": self.created_at.isoformat()}


def grade_csv(path_to_submission: Path, competition: Competition) -> CompetitionReport:
    exists = path_to_submission.is_file() and path_to_submission.suffix.lower() == ".csv"
    score = competition.grader(read_rows(path_to_submission), read_rows(competition.answers)) if exists else None
    leaderboard = get_leaderboard(competition)
    scores = sorted(float(row["score"]) for row in leaderboard)  # lower is better here
    gold, silver, bronze, median = scores[0], scores[1], scores[3], statistics.median(scores)
    medal = {"gold": score is not None and score <= gold}
    medal["silver"] = not medal["gold"] and score is not None and score <= silver
    medal["bronze"] = not medal["gold"] and not medal["silver"] and score is not None and score <= bronze
    return CompetitionReport(
        competition_id=competition.id,
        score=score,
        gold_threshold=gold,
        silver_threshold=silver,
        bronze_threshold=bronze,
        median_threshold=median,
        any_medal=any(medal.values()),
        gold_medal=medal["gold"],
        silver_medal=medal["silver"],
        bronze_medal=medal["bronze"],
        above_median=score is not None and score < median,
        submission_exists=exists,
        valid_submission=score is not None,
        is_lower_better=competition.grader.is_lower_better(leaderboard),
        created_at=datetime.now(),
        submission_path=str(path_to_submission),
    )
