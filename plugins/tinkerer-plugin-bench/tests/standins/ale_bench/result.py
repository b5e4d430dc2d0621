"""ALE-bench's results, standing in (the real ones are pydantic models with these fields)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class JudgeResult(enum.StrEnum):
    ACCEPTED = "ACCEPTED"
    WRONG_ANSWER = "WRONG_ANSWER"
    RUNTIME_ERROR = "RUNTIME_ERROR"
    TIME_LIMIT_EXCEEDED = "TIME_LIMIT_EXCEEDED"


@dataclass(frozen=True)
class CaseResult:
    judge_result: JudgeResult
    message: str
    absolute_score: int
    execution_time: float = 0.0
    memory_usage: int = 0


@dataclass(frozen=True)
class Result:
    case_results: list[CaseResult]
    allow_score_non_ac: bool = False

    @property
    def overall_judge_result(self) -> JudgeResult:
        failed = [case.judge_result for case in self.case_results if case.judge_result is not JudgeResult.ACCEPTED]
        return failed[0] if failed else JudgeResult.ACCEPTED

    @property
    def overall_absolute_score(self) -> int:
        if self.overall_judge_result is not JudgeResult.ACCEPTED:
            return 0
        return sum(case.absolute_score for case in self.case_results)

    @property
    def overall_relative_score(self) -> int | None:
        return None
