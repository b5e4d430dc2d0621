"""The local tester of an ale-lite problem: runs a solution on the public cases and scores each.

    python data/tools/local_tester.py [main.py]

Runs ``python main.py`` once per input in ``data/in/`` (the case on standard input, the answer on standard
output, problem.TIME_LIMIT_S seconds each), scores every answer with ``problem.py`` next to this file, prints
one line per case and then ``SCORE: <total>``. When a case fails (an error, a timeout, a wrong answer) it
prints no total and exits 1: the contest counts such a submission as failed. Standard library only.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import problem  # type: ignore[import-not-found]  # noqa: E402 - the generator and scorer beside this file


def main(solution: str = "main.py") -> int:
    """Run and score every public case; the exit code says whether all of them were accepted."""
    cases = sorted((HERE.parent / "in").glob("*.txt"))
    total, failed = 0, 0
    for case in cases:
        started = time.monotonic()
        try:
            done = subprocess.run(
                [sys.executable, solution],
                input=case.read_text(),
                capture_output=True,
                text=True,
                timeout=problem.TIME_LIMIT_S,
            )
        except subprocess.TimeoutExpired:
            print(f"{case.stem}: time limit exceeded ({problem.TIME_LIMIT_S:g} s)")
            failed += 1
            continue
        seconds = time.monotonic() - started
        if done.returncode != 0:
            print(f"{case.stem}: runtime error (exit {done.returncode})\n{done.stderr[-1500:]}")
            failed += 1
            continue
        try:
            points = problem.score(case.read_text(), done.stdout)
        except (problem.WrongAnswer, ValueError, IndexError) as wrong:
            print(f"{case.stem}: wrong answer: {wrong}")
            failed += 1
            continue
        total += points
        print(f"{case.stem}: score {points} ({seconds:.2f} s)")
    print(f"{len(cases) - failed} of {len(cases)} cases accepted ({problem.DIRECTION} the score)")
    if failed:  # no total for a submission the contest would reject: every case must be accepted
        return 1
    print(f"SCORE: {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
