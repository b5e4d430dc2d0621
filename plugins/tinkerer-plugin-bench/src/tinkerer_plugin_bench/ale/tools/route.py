"""Route (ale-lite): the input generator and the scorer, as an AtCoder Heuristic Contest ships its tools.

    python problem.py gen SEED            writes the input of case SEED to standard output
    python problem.py score INPUT OUTPUT  prints the score of OUTPUT on INPUT, or why it is wrong

Standard library only: contestants run it as they like.
"""

from __future__ import annotations

import math
import random
import sys

DIRECTION = "minimize"
TIME_LIMIT_S = 2.0  # per case, for the whole program


class WrongAnswer(Exception):
    """An output the scorer refuses; the message says why."""


def generate(seed: int) -> str:
    """Case ``seed``: N cities (50 to 200) at distinct integer points of a 1000 x 1000 square."""
    rng = random.Random(seed)
    count = rng.randint(50, 200)
    points: set[tuple[int, int]] = set()
    while len(points) < count:
        points.add((rng.randint(0, 1000), rng.randint(0, 1000)))
    cities = sorted(points, key=lambda _: rng.random())
    return f"{count}\n" + "".join(f"{x} {y}\n" for x, y in cities)


def parse_input(text: str) -> list[tuple[int, int]]:
    """The cities of an input."""
    numbers = [int(token) for token in text.split()]
    count = numbers[0]
    return [(numbers[1 + 2 * i], numbers[2 + 2 * i]) for i in range(count)]


def score(input_text: str, output_text: str) -> int:
    """The rounded length of the closed tour the output visits; ``WrongAnswer`` unless it is an order of all cities."""
    cities = parse_input(input_text)
    try:
        order = [int(token) for token in output_text.split()]
    except ValueError:
        raise WrongAnswer("the output must be city numbers separated by spaces or new lines") from None
    if sorted(order) != list(range(len(cities))):
        raise WrongAnswer(f"the output must list each of the {len(cities)} cities 0 to {len(cities) - 1} exactly once")
    return round(sum(math.dist(cities[a], cities[b]) for a, b in zip(order, order[1:] + order[:1], strict=True)))


if __name__ == "__main__":
    if sys.argv[1:2] == ["gen"]:
        sys.stdout.write(generate(int(sys.argv[2])))
    elif sys.argv[1:2] == ["score"]:
        with open(sys.argv[2]) as given, open(sys.argv[3]) as answer:
            try:
                print(score(given.read(), answer.read()))
            except WrongAnswer as wrong:
                sys.exit(f"wrong answer: {wrong}")
    else:
        sys.exit(__doc__)
