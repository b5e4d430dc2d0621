"""Knapsack (ale-lite): the input generator and the scorer, as an AtCoder Heuristic Contest ships its tools.

    python problem.py gen SEED            writes the input of case SEED to standard output
    python problem.py score INPUT OUTPUT  prints the score of OUTPUT on INPUT, or why it is wrong

Standard library only: contestants run it as they like.
"""

from __future__ import annotations

import random
import sys

DIRECTION = "maximize"
TIME_LIMIT_S = 2.0  # per case, for the whole program


class WrongAnswer(Exception):
    """An output the scorer refuses; the message says why."""


def generate(seed: int) -> str:
    """Case ``seed``: N items (50 to 200) with weights 1 to 100 and values near them, a capacity of a third of
    the total weight."""
    rng = random.Random(seed)
    count = rng.randint(50, 200)
    weights = [rng.randint(1, 100) for _ in range(count)]
    values = [max(1, round(weight * rng.uniform(0.5, 1.5) + rng.randint(-10, 10))) for weight in weights]
    capacity = sum(weights) // 3
    return f"{count} {capacity}\n" + "".join(f"{w} {v}\n" for w, v in zip(weights, values, strict=True))


def parse_input(text: str) -> tuple[int, list[tuple[int, int]]]:
    """The capacity and the (weight, value) of each item."""
    numbers = [int(token) for token in text.split()]
    count, capacity = numbers[0], numbers[1]
    return capacity, [(numbers[2 + 2 * i], numbers[3 + 2 * i]) for i in range(count)]


def score(input_text: str, output_text: str) -> int:
    """The total value of the chosen items; ``WrongAnswer`` for unknown or repeated items, or too much weight."""
    capacity, items = parse_input(input_text)
    try:
        chosen = [int(token) for token in output_text.split()]
    except ValueError:
        raise WrongAnswer("the output must be item numbers separated by spaces or new lines") from None
    if any(not 0 <= item < len(items) for item in chosen):
        raise WrongAnswer(f"items are numbered 0 to {len(items) - 1}")
    if len(set(chosen)) != len(chosen):
        raise WrongAnswer("an item is chosen more than once")
    weight = sum(items[item][0] for item in chosen)
    if weight > capacity:
        raise WrongAnswer(f"the chosen items weigh {weight}, more than the capacity {capacity}")
    return sum(items[item][1] for item in chosen)


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
