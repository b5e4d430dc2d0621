"""Kaggle's medal rules, as MLE-bench applies them: a score placed on a competition's leaderboard.

The thresholds follow kaggle.com/progression: with fewer than 100 teams, gold is the score at position
10% of the teams (at least the first), silver at 20% and bronze at 40%; with more teams the positions are
fixed or smaller fractions. A score is above the median when it beats the median leaderboard score.
"""

from __future__ import annotations

import csv
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tinkerer_core import Direction

MEDALS = ("gold", "silver", "bronze")


@dataclass(frozen=True)
class Ranking:
    """Where a score lands on a leaderboard: the medal (if any), above median or not, and the thresholds."""

    medal: str  # gold | silver | bronze | "" (none)
    above_median: bool
    gold_threshold: float
    silver_threshold: float
    bronze_threshold: float
    median_threshold: float

    def as_dict(self) -> dict[str, Any]:
        """The fields MLE-bench's competition report holds for a ranking."""
        return {
            **asdict(self),
            "gold_medal": self.medal == "gold",
            "silver_medal": self.medal == "silver",
            "bronze_medal": self.medal == "bronze",
            "any_medal": bool(self.medal),
        }


def medal_positions(teams: int) -> tuple[int, int, int]:
    """The leaderboard positions (1-based) whose scores are the gold, silver and bronze thresholds."""
    if teams < 1:
        raise ValueError("a leaderboard needs at least one team")
    if teams < 100:
        return max(1, int(teams * 0.1)), max(1, int(teams * 0.2)), max(1, int(teams * 0.4))
    if teams < 250:
        return 10, int(teams * 0.2), int(teams * 0.4)
    if teams < 1000:
        return 10 + int(teams * 0.002), 50, 100
    return 10 + int(teams * 0.002), int(teams * 0.05), int(teams * 0.1)


def rank(score: float | None, leaderboard: Sequence[float], direction: Direction) -> Ranking:
    """Place ``score`` on ``leaderboard`` (every team's score, in any order); None wins nothing."""
    ordered = sorted(leaderboard, reverse=direction is Direction.MAXIMIZE)
    gold, silver, bronze = (ordered[position - 1] for position in medal_positions(len(ordered)))
    median = statistics.median(ordered)
    medal = ""
    if score is not None:
        medal = next(
            (
                name
                for name, threshold in zip(MEDALS, (gold, silver, bronze), strict=True)
                if direction.reaches(score, threshold)
            ),
            "",
        )
    above = score is not None and direction.is_better(score, median)
    return Ranking(medal, above, float(gold), float(silver), float(bronze), float(median))


def verdict(ranking: Ranking) -> str:
    """One word or two for the results table: the medal, else above or below the median."""
    return ranking.medal or ("above median" if ranking.above_median else "below median")


def write_leaderboard(path: Path, entries: Sequence[tuple[str, float]], direction: Direction) -> None:
    """A leaderboard in MLE-bench's shape (a ``score`` column, best first) from ``(team, score)`` entries."""
    ordered = sorted(entries, key=lambda entry: entry[1], reverse=direction is Direction.MAXIMIZE)
    with path.open("w", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["teamId", "teamName", "score"])
        writer.writerows((index, team, repr(float(score))) for index, (team, score) in enumerate(ordered, start=1))


def read_leaderboard(path: Path) -> list[float]:
    """The scores of a leaderboard CSV (its ``score`` column)."""
    with path.open(newline="") as file:
        return [float(row["score"]) for row in csv.DictReader(file)]
