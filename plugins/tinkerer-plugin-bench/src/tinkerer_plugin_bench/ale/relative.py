"""Relative scores, as ALE-bench computes them for contests ranked that way: each case against the field's best.

On each case the best accepted absolute score among the field (the references and the submission) gets
100; another gets 100 x score / best when higher is better, 100 x best / score when lower is better; a
rejected case gets 0. A solution's relative score is the mean over the cases (0 to 100), and its rank is
its place among the field by that mean.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tinkerer_core import Direction

CaseScores = Sequence[int | None]  # one absolute score per case; None: the case was rejected


@dataclass(frozen=True)
class Standing:
    """A submission among the references: its relative score, its rank, the field's relative scores."""

    relative_score: float
    rank: int  # 1 is first
    field_size: int
    field: dict[str, float]  # every entrant's relative score, the submission's under ``name``


def case_relative(score: int | None, field: Sequence[int | None], direction: Direction) -> float:
    """``score``'s relative score on one case where ``field`` (``score`` included) was scored."""
    accepted = [value for value in field if value is not None]
    if score is None or not accepted:
        return 0.0
    best = max(accepted) if direction is Direction.MAXIMIZE else min(accepted)
    if direction is Direction.MAXIMIZE:
        return 100.0 * score / best if best > 0 else 100.0
    return 100.0 * best / score if score > 0 else 100.0


def standing(name: str, submission: CaseScores, references: Mapping[str, CaseScores], direction: Direction) -> Standing:
    """Rank ``submission`` among ``references`` (each the same cases' absolute scores)."""
    entrants = {**references, name: submission}
    cases = range(len(submission))
    relative = {
        entrant: sum(
            case_relative(scores[case], [other[case] for other in entrants.values()], direction) for case in cases
        )
        / len(submission)
        for entrant, scores in entrants.items()
    }
    mine = relative[name]
    rank = 1 + sum(1 for entrant, value in relative.items() if entrant != name and value > mine)
    return Standing(
        round(mine, 2), rank, len(entrants), {entrant: round(value, 2) for entrant, value in relative.items()}
    )
