"""``ale-bench``: ALE-bench's AtCoder Heuristic Contest problems, driven through its session API.

ALE-bench is not on PyPI: ``pip install git+https://github.com/SakanaAI/ALE-Bench`` and its Docker images
(its README's ``scripts/docker_build_*.sh``); problems download from its Hugging Face data set. A problem's
session (``ale_bench.start``) gives the statement and the public cases (the contestant's view), scores each
experiment with ``public_eval`` (the ``ale_public_eval`` evaluator) and grades the final solution once with
``private_eval``: its rank and performance among the contest's participants.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import chz

from tinkerer_core import (
    BenchmarkGrade,
    BenchmarkProblem,
    BenchmarkSuite,
    Direction,
    Evaluation,
    EvaluationContext,
    Evaluator,
    ProblemSetup,
)
from tinkerer_core.validation import at_least, not_empty
from tinkerer_plugin_bench.ale.contests import contest_goal

INSTALL = (
    "ALE-bench's package is not installed; it is not on PyPI: pip install git+https://github.com/SakanaAI/ALE-Bench "
    "(and its Docker images); offline, `tinkerer bench run ale-lite` runs the same shape"
)
ACCEPTED = "ACCEPTED"
LANGUAGE = "python"  # Tinkerer's solutions are Python programs (ALE-bench also judges C++ and Rust)
FEED = "python -m tinkerer_plugin_bench.ale.feed main.py data/in"

_sessions: dict[tuple[str, bool, int], Any] = {}  # one ALE-bench session per problem in this process


def session_for(problem_id: str, lite_version: bool, num_workers: int) -> Any:
    """This process's ALE-bench session of a problem, started on first use."""
    key = (problem_id, lite_version, num_workers)
    if key not in _sessions:
        import ale_bench

        _sessions[key] = ale_bench.start(problem_id=problem_id, lite_version=lite_version, num_workers=num_workers)
    return _sessions[key]


def close_session(problem_id: str, lite_version: bool, num_workers: int) -> None:
    """End a problem's session (its containers and temporary files), if this process started one."""
    session = _sessions.pop((problem_id, lite_version, num_workers), None)
    if session is not None:
        session.close()


def judged(result: Any) -> str:
    """The overall judge result of an ALE-bench ``Result`` as text (ACCEPTED, WRONG_ANSWER ...)."""
    verdict = result.overall_judge_result
    return str(getattr(verdict, "value", verdict))


def first_failure(result: Any) -> str:
    """The judge result and message of the first case that was not accepted."""
    for case in result.case_results:
        verdict = str(getattr(case.judge_result, "value", case.judge_result))
        if verdict != ACCEPTED:
            return f"{verdict}: {case.message}"
    return ""


@chz.chz
class AleBench(BenchmarkSuite):
    """ALE-bench's AtCoder Heuristic Contest problems, through its session API (needs its package).

    Public evaluation scores each experiment; one private evaluation grades the final solution (rank, performance).
    """

    lite_version: bool = chz.field(default=True, doc="ALE-bench's lite version: fewer public and private cases")
    num_workers: int = chz.field(default=1, validator=at_least(1), doc="cases ALE-bench judges in parallel")

    def available(self) -> tuple[bool, str]:
        if importlib.util.find_spec("ale_bench") is None:
            return False, INSTALL
        if shutil.which("docker") is None:
            return False, "ALE-bench judges solutions in Docker containers: no `docker` here"
        return True, "available"

    def problems(self) -> list[BenchmarkProblem]:
        from ale_bench.data import list_problem_ids

        return [BenchmarkProblem(pid, pid, "heuristic") for pid in list_problem_ids(lite_version=self.lite_version)]

    def prepare(self, problem_id: str, view: Path) -> ProblemSetup:
        session = session_for(problem_id, self.lite_version, self.num_workers)
        problem = session.problem
        view.mkdir(parents=True, exist_ok=True)
        (view / "statement.md").write_text(problem.statement)
        (view / "example_input.txt").write_text(problem.example_input)
        (view / "example_output.txt").write_text(problem.example_output)
        (view / "tools_readme.md").write_text(problem.tool_readme)
        (view / "in").mkdir(exist_ok=True)
        seeds = list(session.public_seeds)
        for seed, text in zip(seeds, session.case_gen(seeds), strict=True):
            (view / "in" / f"{seed:04d}.txt").write_text(text)
        direction = Direction(str(getattr(problem.metadata.score_type, "value", problem.metadata.score_type)))
        time_limit = float(problem.constraints.time_limit)
        config: Mapping[str, Any] = {
            "evaluator": "ale_public_eval",
            "evaluator.problem_id": problem_id,
            "evaluator.lite_version": self.lite_version,
            "evaluator.num_workers": self.num_workers,
            "command": f"{FEED} {time_limit * 2:g}",
            "main_file": "main.py",
        }
        goal = contest_goal(problem.metadata.title, problem.statement, direction, time_limit, FEED)
        return ProblemSetup(goal=goal, data_dir=view, direction=direction, config=config)

    def grade(self, problem_id: str, solution: Path) -> BenchmarkGrade:
        program = solution / "main.py"
        if not program.is_file():
            return BenchmarkGrade(False, None, "invalid: no main.py", {"problem_id": problem_id})
        session = session_for(problem_id, self.lite_version, self.num_workers)
        try:
            result, rank, performance = session.private_eval(program.read_text(), code_language=LANGUAGE)
        finally:
            close_session(problem_id, self.lite_version, self.num_workers)
        verdict = judged(result)
        cases = Counter(str(getattr(case.judge_result, "value", case.judge_result)) for case in result.case_results)
        details = {
            "problem_id": problem_id,
            "overall_judge_result": verdict,
            "overall_absolute_score": result.overall_absolute_score,
            "overall_relative_score": result.overall_relative_score,
            "rank": rank,
            "performance": performance,
            "judge": dict(cases),
            "first_failure": first_failure(result),
        }
        summary = f"rank {rank}, performance {performance}" + ("" if verdict == ACCEPTED else f" ({verdict})")
        return BenchmarkGrade(verdict == ACCEPTED, float(result.overall_absolute_score), summary, details)

    def private_paths(self, problem_id: str) -> tuple[Path, ...]:
        """ALE-bench's download cache: the problems' data, private seeds included."""
        from ale_bench.utils import get_cache_dir

        return (Path(get_cache_dir()),)

    def quick(self) -> tuple[str, Mapping[str, Any]]:
        return "ahc001", {"max_iterations": 1}


@chz.chz
class AlePublicEval(Evaluator):
    """Scores main.py with ALE-bench's public evaluation of the problem (its public cases, in its judge)."""

    problem_id: str = chz.field(validator=not_empty(), doc="the ALE-bench problem (ahc001 ...)")
    lite_version: bool = chz.field(default=True, doc="ALE-bench's lite version")
    num_workers: int = chz.field(default=1, validator=at_least(1), doc="cases judged in parallel")
    main_file: str = chz.field(default="main.py", validator=not_empty(), doc="the solution's source, in the workspace")

    def evaluate(self, ctx: EvaluationContext) -> Evaluation:
        source = ctx.workspace / self.main_file
        if not source.is_file():
            return Evaluation(score=None, feedback=f"no {self.main_file} to evaluate")
        session = session_for(self.problem_id, self.lite_version, self.num_workers)
        result = session.public_eval(source.read_text(), code_language=LANGUAGE)
        verdict = judged(result)
        if verdict != ACCEPTED:
            return Evaluation(score=None, feedback=f"public evaluation: {verdict}; {first_failure(result)}")
        score = float(result.overall_absolute_score)
        return Evaluation(
            score=score, feedback=f"public evaluation: {len(result.case_results)} cases accepted, score {score:g}"
        )
