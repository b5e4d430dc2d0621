"""Kaggle's medal rules as MLE-bench applies them: thresholds by leaderboard size, medals, the median."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinkerer_core import Direction
from tinkerer_plugin_bench.mle import medals


@pytest.mark.parametrize(
    ("teams", "positions"),
    [
        (1, (1, 1, 1)),
        (10, (1, 2, 4)),
        (99, (9, 19, 39)),
        (100, (10, 20, 40)),
        (500, (11, 50, 100)),
        (2000, (14, 100, 200)),
    ],
)
def test_medal_positions_follow_kaggle_progression(teams: int, positions: tuple[int, int, int]) -> None:
    assert medals.medal_positions(teams) == positions


LADDER = [0.9, 0.95, 0.7, 0.8, 0.85, 0.6, 0.75, 0.65, 0.55, 0.5]  # ten teams, in no order


@pytest.mark.parametrize(
    ("score", "medal", "above"),
    [
        (0.96, "gold", True),
        (0.95, "gold", True),
        (0.92, "silver", True),
        (0.8, "bronze", True),
        (0.73, "", True),
        (0.72, "", False),
    ],
)
def test_a_higher_is_better_score_is_placed_on_ten_teams(score: float, medal: str, above: bool) -> None:
    ranking = medals.rank(score, LADDER, Direction.MAXIMIZE)
    assert (ranking.medal, ranking.above_median) == (medal, above)
    assert (ranking.gold_threshold, ranking.silver_threshold, ranking.bronze_threshold) == (0.95, 0.9, 0.8)
    assert ranking.median_threshold == pytest.approx(0.725)


def test_a_lower_is_better_score_wins_below_the_thresholds() -> None:
    errors = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    assert medals.rank(1.0, errors, Direction.MINIMIZE).medal == "gold"
    assert medals.rank(1.5, errors, Direction.MINIMIZE).medal == "silver"
    assert medals.rank(3.9, errors, Direction.MINIMIZE).medal == "bronze"
    ranking = medals.rank(5.4, errors, Direction.MINIMIZE)
    assert (ranking.medal, ranking.above_median) == ("", True)
    assert medals.verdict(medals.rank(5.5, errors, Direction.MINIMIZE)) == "below median"  # the median is not above it


def test_no_score_wins_nothing_but_the_thresholds_are_reported() -> None:
    ranking = medals.rank(None, LADDER, Direction.MAXIMIZE)
    report = ranking.as_dict()
    assert (report["any_medal"], report["above_median"], report["gold_threshold"]) == (False, False, 0.95)


def test_a_leaderboard_is_written_best_first_with_a_score_column(tmp_path: Path) -> None:
    path = tmp_path / "leaderboard.csv"
    medals.write_leaderboard(path, [("mean", 80.0), ("ridge", 57.1), ("tree", 68.0)], Direction.MINIMIZE)
    assert path.read_text().splitlines() == ["teamId,teamName,score", "1,ridge,57.1", "2,tree,68.0", "3,mean,80.0"]
    assert medals.read_leaderboard(path) == [57.1, 68.0, 80.0]
