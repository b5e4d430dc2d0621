"""The benchmark suites end to end: `tinkerer bench run mle-lite` and `ale-lite`, their results tables and times.

Full mode runs every problem of both suites with the model you name (default: the embedded
local/smollm2-135m) and the suites' default budget (3 experiments a problem), then prints each table and the
wall time with the machine's load. ``--quick`` runs each suite's quick problem (`--quick`: one experiment) with
one scripted reply that solves it (litellm's offline mock through the real gateway), in a fresh data folder, so
preparing, running, grading and the table are measured in seconds on any machine.

    python benchmarks/bench_suites.py [--model openai/gpt-4o-mini] [--quick]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCRIPTED_MODEL = "openai/gpt-4o-mini"
QUICK_SOLUTIONS = {
    "ale-lite": """\
import sys

numbers = [int(token) for token in sys.stdin.read().split()]
count, capacity = numbers[0], numbers[1]
items = sorted(range(count), key=lambda i: -numbers[3 + 2 * i] / numbers[2 + 2 * i])
chosen, weight = [], 0
for i in items:
    if weight + numbers[2 + 2 * i] <= capacity:
        chosen.append(i)
        weight += numbers[2 + 2 * i]
print(" ".join(map(str, chosen)))
""",
    "mle-lite": """\
import csv
import os

import numpy as np
from sklearn.linear_model import Ridge

train = list(csv.DictReader(open("data/train.csv")))
test = list(csv.DictReader(open("data/test.csv")))
names = [name for name in train[0] if name not in ("id", "progression")]
x = np.array([[float(row[n]) for n in names] for row in train])
y = np.array([float(row["progression"]) for row in train])
cut = len(x) * 4 // 5
model = Ridge(alpha=0.1).fit(x[:cut], y[:cut])
print("Validation score:", float(np.sqrt(np.mean((model.predict(x[cut:]) - y[cut:]) ** 2))))
model.fit(x, y)
os.makedirs("submission", exist_ok=True)
with open("submission/submission.csv", "w") as file:
    file.write("id,progression\\n")
    for row, value in zip(test, model.predict(np.array([[float(row[n]) for n in names] for row in test]))):
        file.write(row["id"] + "," + str(value) + "\\n")
""",
}


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def bench(suite: str, arguments: list[str], folder: Path, env: dict[str, str]) -> tuple[float, str]:
    """Run ``tinkerer bench run SUITE ...`` in ``folder``; its wall time and what it printed."""
    command = [sys.executable, "-m", "tinkerer_core.cli", "bench", "run", suite, f"run_dir=runs/{suite}", *arguments]
    started = time.monotonic()
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, env=env)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(
            f"{' '.join(command[3:6])} failed with {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        )
    return seconds, done.stdout


def table_of(output: str) -> str:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("problem"))
    return "\n".join(lines[start:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="any litellm model (default: the embedded one)")
    parser.add_argument("--quick", action="store_true", help="each suite's quick problem with a scripted reply")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-suites-") as scratch:
        folder = Path(scratch)
        env = {**os.environ, "TINKERER_BENCH_DATA": str(folder / "data"), "TINKERER_QUIET": "1"}
        for suite in ("ale-lite", "mle-lite"):
            if args.quick:
                reply = f"Here is the complete program.\n\nmain.py\n```python\n{QUICK_SOLUTIONS[suite]}```\n"
                arguments = ["--quick", f"llm.model={SCRIPTED_MODEL}", f"llm.mock_responses.0={reply}"]
            else:
                arguments = [f"llm.model={args.model}"] if args.model else []
            before = load()
            seconds, output = bench(suite, arguments, folder, env)
            mode = (
                "quick problem, scripted reply"
                if args.quick
                else f"every problem, {args.model or 'the embedded model'}"
            )
            print(f"{suite} ({mode}): {seconds:.1f} s wall, load {before} -> {load()}")
            print(table_of(output))
            print()


if __name__ == "__main__":
    main()
