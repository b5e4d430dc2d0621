"""ALE-bench's session, standing in: case generation, public and private evaluation of Python code."""

from __future__ import annotations

import subprocess
import sys

from ale_bench.data import Problem, ProblemConstraints, ProblemMetaData, ScoreType
from ale_bench.result import CaseResult, JudgeResult, Result
from tinkerer_plugin_bench.ale.contests import KNAPSACK
from tinkerer_plugin_bench.ale.tools import knapsack

PUBLIC, PRIVATE = [0, 1, 2], [100, 101, 102, 103]
RANKS = [(9000, 1, 2800), (8000, 10, 2000), (6000, 100, 1200), (0, 500, 0)]  # (total score, rank, performance)


class Session:
    def __init__(self, problem_id: str, lite_version: bool, num_workers: int) -> None:
        self.problem_id = problem_id
        self.lite_version = lite_version
        self.problem = Problem(
            ProblemMetaData(problem_id, "Knapsack (stand-in)", ScoreType.MAXIMIZE),
            ProblemConstraints(time_limit=2.0, memory_limit=1024 * 1024 * 1024),
            statement=KNAPSACK,
            statement_ja="",
            example_input=knapsack.generate(0),
            example_output="0 1 2",
            tool_readme="gen and tester, in Rust",
        )
        self.public_seeds = list(PUBLIC)
        self.private_calls = 0
        self.closed = False

    def case_gen(self, seed: list[int] | int = 0, gen_kwargs: dict | None = None) -> list[str] | str:
        return [knapsack.generate(s) for s in seed] if isinstance(seed, list) else knapsack.generate(seed)

    def _judge(self, code: str, code_language: str, seeds: list[int]) -> Result:
        assert code_language == "python", code_language
        cases = []
        for seed in seeds:
            text = knapsack.generate(seed)
            done = subprocess.run([sys.executable, "-c", code], input=text, capture_output=True, text=True, timeout=10)
            if done.returncode != 0:
                cases.append(CaseResult(JudgeResult.RUNTIME_ERROR, done.stderr[-200:], 0))
                continue
            try:
                cases.append(CaseResult(JudgeResult.ACCEPTED, "", knapsack.score(text, done.stdout)))
            except knapsack.WrongAnswer as wrong:
                cases.append(CaseResult(JudgeResult.WRONG_ANSWER, str(wrong), 0))
        return Result(cases)

    def public_eval(
        self, code: str, code_language: str, judge_version: str | None = None, skip_local_visualization: bool = True
    ) -> Result:
        return self._judge(code, code_language, self.public_seeds)

    def private_eval(self, code: str, code_language: str, judge_version: str | None = None) -> tuple[Result, int, int]:
        self.private_calls += 1
        assert self.private_calls == 1, "ALE-bench allows one private evaluation per session"
        result = self._judge(code, code_language, PRIVATE)
        total = result.overall_absolute_score
        rank, performance = next((r, p) for score, r, p in RANKS if total >= score)
        return result, rank, performance

    def close(self) -> None:
        self.closed = True
