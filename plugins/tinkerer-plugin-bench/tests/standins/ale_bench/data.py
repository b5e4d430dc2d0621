"""ALE-bench's problem data, standing in."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ScoreType(enum.StrEnum):
    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"


@dataclass(frozen=True)
class ProblemMetaData:
    problem_id: str
    title: str
    score_type: ScoreType


@dataclass(frozen=True)
class ProblemConstraints:
    time_limit: float
    memory_limit: int


@dataclass(frozen=True)
class Problem:
    metadata: ProblemMetaData
    constraints: ProblemConstraints
    statement: str
    statement_ja: str
    example_input: str
    example_output: str
    tool_readme: str


def list_problem_ids(lite_version: bool = False) -> list[str]:
    return ["ahc-standin"]
