"""``ale-lite``: two offline heuristic contest problems in ALE-bench's shape.

Each problem has a statement, an input generator and a scorer (``tools/problem.py``, as AtCoder ships them),
public cases a contestant runs locally and private cases for the final grade. Prepared once::

    <data_dir>/v3/<id>/public/    statement.md, tools/problem.py, tools/local_tester.py, in/0000.txt ... 0004.txt
    <data_dir>/v3/<id>/private/   relative_results.json: every reference solution's score on every private case

The grade runs the exported ``main.py`` on the private cases (seeds 1000 to 1029) and scores it relative to
the reference solutions, as ALE-bench does for its relative-score contests.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import chz

from tinkerer_core import BenchmarkGrade, BenchmarkProblem, BenchmarkSuite, ConfigError, ProblemSetup
from tinkerer_core.validation import not_empty
from tinkerer_plugin_bench.ale.contests import CONTESTS, PRIVATE_SEEDS, PUBLIC_SEEDS, TOOLS, Contest, contest_goal
from tinkerer_plugin_bench.ale.judge import judge_counts, run_case
from tinkerer_plugin_bench.ale.references import REFERENCES
from tinkerer_plugin_bench.ale.relative import standing
from tinkerer_plugin_bench.views import data_root, prepare_once, shared_root, stage_view

FORMAT = "v3"  # the prepared layout's version (v3: the tester is tools/local_tester.py; v2: it prints no total for a rejected run)
TESTER = "python data/tools/local_tester.py main.py"
SUBMISSION_NAME = "this submission"


@chz.chz
class AleLite(BenchmarkSuite):
    """Two offline heuristic contest problems in ALE-bench's shape, scored relative to reference solutions.

    A round trip to shorten and a knapsack to fill, each with an input generator, a scorer and a local tester.
    """

    data_dir: str | None = chz.field(
        default=None,
        validator=not_empty(),
        doc="where the problems are prepared (default: $TINKERER_BENCH_DATA/ale-lite, else ~/.cache/tinkerer/bench/ale-lite)",
    )

    @property
    def root(self) -> Path:
        return data_root("ale-lite", self.data_dir) / FORMAT

    def problems(self) -> list[BenchmarkProblem]:
        return [BenchmarkProblem(c.id, c.title, f"heuristic ({c.direction.value})") for c in CONTESTS.values()]

    def prepare(self, problem_id: str, view: Path) -> ProblemSetup:
        contest = _contest(problem_id)
        folder = prepare_once(self.root / problem_id, lambda scratch: _prepare(contest, scratch))
        stage_view(folder / "public", view)
        goal = contest_goal(contest.title, contest.statement, contest.direction, contest.tools.TIME_LIMIT_S, TESTER)
        config = {
            "evaluator": "regex_pattern",
            "evaluator.pattern": r"SCORE: (-?\d+)",
            "command": TESTER,
            "main_file": "main.py",
        }
        return ProblemSetup(goal=goal, data_dir=view, direction=contest.direction, config=config)

    def grade(self, problem_id: str, solution: Path) -> BenchmarkGrade:
        contest = _contest(problem_id)
        references = json.loads((self.root / problem_id / "private" / "relative_results.json").read_text())
        if not (solution / "main.py").is_file():
            return BenchmarkGrade(False, None, "invalid: no main.py", {"problem_id": problem_id})
        hidden = self.private_paths(problem_id)
        results = [
            run_case(solution, "main.py", contest.tools.generate(seed), contest.tools, hidden) for seed in PRIVATE_SEEDS
        ]
        scores = [result.score for result in results]
        place = standing(SUBMISSION_NAME, scores, references, contest.direction)
        accepted = sum(score is not None for score in scores)
        details: dict[str, Any] = {
            "problem_id": problem_id,
            "cases": len(results),
            "accepted": accepted,
            "judge": judge_counts(results),
            "overall_absolute_score": sum(score or 0 for score in scores),
            "relative_score": place.relative_score,
            "rank": place.rank,
            "field_size": place.field_size,
            "field": place.field,
            "first_failure": next((f"{r.judge}: {r.message}" for r in results if r.judge != "AC"), ""),
        }
        verdict = f"relative {place.relative_score:.2f} (rank {place.rank} of {place.field_size})"
        if accepted < len(results):
            verdict += f", {accepted}/{len(results)} cases accepted"
        return BenchmarkGrade(
            valid_submission=accepted == len(results),
            score=float(details["overall_absolute_score"]),
            verdict=verdict,
            details=details,
        )

    def private_paths(self, problem_id: str) -> tuple[Path, ...]:
        return (shared_root("ale-lite", self.data_dir),)

    def quick(self) -> tuple[str, Mapping[str, Any]]:
        return "knapsack", {"max_iterations": 1}


def _contest(problem_id: str) -> Contest:
    if problem_id not in CONTESTS:
        raise ConfigError(f"ale-lite has no problem {problem_id!r}; its problems: {', '.join(CONTESTS)}")
    return CONTESTS[problem_id]


def _prepare(contest: Contest, folder: Path) -> None:
    """Write the public view (statement, tools, public inputs) and score the references on the private cases."""
    public, private = folder / "public", folder / "private"
    (public / "tools").mkdir(parents=True)
    (public / "in").mkdir()
    private.mkdir()
    (public / "statement.md").write_text(contest.statement)
    shutil.copy(contest.tool_file, public / "tools" / "problem.py")
    shutil.copy(TOOLS / "local_tester.py", public / "tools" / "local_tester.py")
    for seed in PUBLIC_SEEDS:
        (public / "in" / f"{seed:04d}.txt").write_text(contest.tools.generate(seed))
    inputs = [contest.tools.generate(seed) for seed in PRIVATE_SEEDS]
    table = {
        name: [contest.tools.score(text, solve(text)) for text in inputs] for name, solve in REFERENCES[contest.id]
    }
    (private / "relative_results.json").write_text(json.dumps(table, indent=1))
