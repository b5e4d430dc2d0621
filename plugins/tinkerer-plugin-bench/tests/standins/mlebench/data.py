"""MLE-bench's data helpers, standing in."""

from __future__ import annotations

from mlebench.registry import Competition, read_rows


def is_dataset_prepared(competition: Competition, grading_only: bool = False) -> bool:
    public_ok = grading_only or (competition.public_dir.is_dir() and any(competition.public_dir.iterdir()))
    return public_ok and competition.private_dir.is_dir() and any(competition.private_dir.iterdir())


def get_leaderboard(competition: Competition) -> list[dict[str, str]]:
    assert competition.leaderboard.exists(), f"Leaderboard not found locally for competition `{competition.id}`."
    return read_rows(competition.leaderboard)
