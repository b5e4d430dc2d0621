"""Run a solution on input files, one at a time, and say how each went: the run of an ale-bench experiment.

    python -m tinkerer_plugin_bench.ale.feed main.py data/in [TIME_LIMIT_S]

Each ``*.txt`` in the folder is given to ``python main.py`` on standard input; the first lines of the output,
the time and any error are printed. Exits 1 when a case fails (an error or a timeout). Scoring is the
evaluator's (ALE-bench's public evaluation), not this module's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SHOWN_CHARS = 300


def main(solution: str, cases: str, time_limit_s: float = 10.0) -> int:
    """Run ``solution`` on every case of the folder ``cases``; 1 when one fails."""
    failed = 0
    inputs = sorted(Path(cases).glob("*.txt"))
    for case in inputs:
        try:
            done = subprocess.run(
                [sys.executable, solution], input=case.read_text(), capture_output=True, text=True, timeout=time_limit_s
            )
        except subprocess.TimeoutExpired:
            print(f"{case.stem}: time limit exceeded ({time_limit_s:g} s)")
            failed += 1
            continue
        if done.returncode != 0:
            print(f"{case.stem}: runtime error (exit {done.returncode})\n{done.stderr[-1500:]}")
            failed += 1
            continue
        print(f"{case.stem}: {len(done.stdout.split())} tokens of output: {done.stdout[:SHOWN_CHARS].strip()}")
    print(f"{len(inputs) - failed} of {len(inputs)} cases ran")
    return 1 if failed else 0


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if len(arguments) < 2:
        sys.exit(__doc__)
    sys.exit(main(arguments[0], arguments[1], float(arguments[2]) if len(arguments) > 2 else 10.0))
