"""ale-lite's problems: statements in the shape of an AtCoder Heuristic Contest, with their tools and seeds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from tinkerer_core import Direction
from tinkerer_plugin_bench.ale.tools import knapsack, route

TOOLS = Path(__file__).parent / "tools"
PUBLIC_SEEDS = tuple(range(5))  # the cases a contestant gets (data/in/0000.txt ...)
PRIVATE_SEEDS = tuple(range(1000, 1030))  # the cases the final grade runs


@dataclass(frozen=True)
class Contest:
    """One ale-lite problem."""

    id: str
    title: str
    tools: ModuleType  # generate(seed), score(input, output), DIRECTION, TIME_LIMIT_S
    statement: str

    @property
    def direction(self) -> Direction:
        return Direction(self.tools.DIRECTION)

    @property
    def tool_file(self) -> Path:
        return TOOLS / f"{self.id}.py"


ROUTE = f"""# Route

## Problem

A courier must visit N cities and come back to the first one. Find a short round trip.

## Input

```
N
x_0 y_0
...
x_{{N-1}} y_{{N-1}}
```

50 <= N <= 200; the cities are distinct integer points with 0 <= x, y <= 1000.

## Output

The N city numbers 0 to N-1, each exactly once, in the order they are visited (separated by spaces or new
lines). The trip ends back at the first city.

## Scoring

The score of a case is the length of the round trip (the sum of the Euclidean distances between consecutive
cities, the last back to the first), rounded to an integer. **Lower is better.** An output that does not
list every city exactly once is a wrong answer.

## Input generation

`tools/problem.py gen SEED`: N is uniform in 50..200, each city uniform in the square.

## Time limit

{route.TIME_LIMIT_S:g} seconds per case.
"""

KNAPSACK = f"""# Knapsack

## Problem

N items each have a weight and a value. Choose items whose total weight does not exceed the capacity C, so
that their total value is as large as possible.

## Input

```
N C
w_0 v_0
...
w_{{N-1}} v_{{N-1}}
```

50 <= N <= 200; 1 <= w_i <= 100; 1 <= v_i; C is a third of the total weight (rounded down).

## Output

The numbers (0 to N-1) of the chosen items, separated by spaces or new lines; nothing when no item is chosen.

## Scoring

The score of a case is the total value of the chosen items. **Higher is better.** Unknown or repeated
items, or a total weight above C, are a wrong answer.

## Input generation

`tools/problem.py gen SEED`: N is uniform in 50..200, each weight uniform in 1..100, each value about its
weight times a uniform factor in 0.5..1.5, plus or minus up to 10 (at least 1).

## Time limit

{knapsack.TIME_LIMIT_S:g} seconds per case.
"""

CONTESTS = {
    contest.id: contest
    for contest in (
        Contest("route", "Route (a round trip through N cities)", route, ROUTE),
        Contest("knapsack", "Knapsack (the most value within a capacity)", knapsack, KNAPSACK),
    )
}


def contest_goal(title: str, statement: str, direction: Direction, time_limit_s: float, tester: str) -> str:
    """The goal of an evolve run on one heuristic contest problem."""
    better = "lower" if direction is Direction.MINIMIZE else "higher"
    return f"""\
Solve the heuristic optimisation problem "{title}" (ALE-bench, in the style of the AtCoder Heuristic Contest).
Write main.py, a Python program that reads one test case from standard input and prints its answer to
standard output, within {time_limit_s:g} seconds per case. A {better} score is better.
Each experiment runs `{tester}`, which runs main.py on the public cases in data/in/ and prints one line per
case and `SCORE: <total>`; data/tools/ has the input generator and the scorer. The final grade runs main.py
on private cases and compares its scores with other solutions' (a relative score).

The problem statement (data/statement.md):

{statement}"""
