"""Stand-in for ALE-bench's package (SakanaAI/ALE-Bench): ``start`` opens a session on an offline problem.

Its one problem, ``ahc-standin``, is ale-lite's knapsack (higher is better); sessions judge Python code in a
subprocess instead of ALE-bench's Docker judge, with the real session's method names, arguments and results.
"""

from __future__ import annotations

from ale_bench.session import Session


def start(problem_id: str, lite_version: bool = False, num_workers: int = 1, **options: object) -> Session:
    from ale_bench.data import list_problem_ids

    if problem_id not in list_problem_ids(lite_version=lite_version):
        raise ValueError(f"Problem ID {problem_id} not found.")
    return Session(problem_id, lite_version, num_workers)
