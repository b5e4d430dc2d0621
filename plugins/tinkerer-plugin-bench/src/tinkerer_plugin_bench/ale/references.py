"""The reference solutions of ale-lite: the field a submission's relative score is measured against.

Four per problem, from a naive answer to a local search, each a function from an input to an output (run
in-process when a problem is prepared). On every private case the best of them (and of the submission)
sets the bar that case's relative score is measured to.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from tinkerer_plugin_bench.ale.tools import knapsack, route

Solver = Callable[[str], str]
TWO_OPT_PASSES = 4


def route_in_input_order(text: str) -> str:
    return " ".join(map(str, range(len(route.parse_input(text)))))


def route_by_x(text: str) -> str:
    cities = route.parse_input(text)
    return " ".join(map(str, sorted(range(len(cities)), key=lambda i: cities[i])))


def _nearest_neighbour(cities: list[tuple[int, int]]) -> list[int]:
    order, left = [0], set(range(1, len(cities)))
    while left:
        here = cities[order[-1]]
        nearest = min(left, key=lambda i: (math.dist(here, cities[i]), i))
        order.append(nearest)
        left.remove(nearest)
    return order


def route_nearest_neighbour(text: str) -> str:
    return " ".join(map(str, _nearest_neighbour(route.parse_input(text))))


def route_two_opt(text: str) -> str:
    """Nearest neighbour, then 2-opt moves (a few passes over every pair of edges)."""
    cities = route.parse_input(text)
    order = _nearest_neighbour(cities)
    count = len(order)
    for _ in range(TWO_OPT_PASSES):
        improved = False
        for i in range(count - 1):
            for j in range(i + 2, count if i else count - 1):
                a, b = cities[order[i]], cities[order[i + 1]]
                c, d = cities[order[j]], cities[order[(j + 1) % count]]
                if math.dist(a, c) + math.dist(b, d) < math.dist(a, b) + math.dist(c, d) - 1e-9:
                    order[i + 1 : j + 1] = reversed(order[i + 1 : j + 1])
                    improved = True
        if not improved:
            break
    return " ".join(map(str, order))


def _fill(items: list[tuple[int, int]], capacity: int, order: list[int]) -> list[int]:
    chosen, weight = [], 0
    for item in order:
        if weight + items[item][0] <= capacity:
            chosen.append(item)
            weight += items[item][0]
    return chosen


def knapsack_in_input_order(text: str) -> str:
    capacity, items = knapsack.parse_input(text)
    return " ".join(map(str, _fill(items, capacity, list(range(len(items))))))


def knapsack_by_value(text: str) -> str:
    capacity, items = knapsack.parse_input(text)
    return " ".join(map(str, _fill(items, capacity, sorted(range(len(items)), key=lambda i: -items[i][1]))))


def _by_ratio(items: list[tuple[int, int]]) -> list[int]:
    return sorted(range(len(items)), key=lambda i: (-items[i][1] / items[i][0], i))


def knapsack_by_ratio(text: str) -> str:
    capacity, items = knapsack.parse_input(text)
    return " ".join(map(str, _fill(items, capacity, _by_ratio(items))))


def knapsack_swaps(text: str) -> str:
    """Greedy by value per weight, then swaps of one chosen item for one left out while they raise the value."""
    capacity, items = knapsack.parse_input(text)
    chosen = set(_fill(items, capacity, _by_ratio(items)))
    weight = sum(items[i][0] for i in chosen)
    improved = True
    while improved:
        improved = False
        for out in sorted(chosen):
            for into in range(len(items)):
                if into in chosen or items[into][1] <= items[out][1]:
                    continue
                if weight - items[out][0] + items[into][0] <= capacity:
                    chosen.remove(out)
                    chosen.add(into)
                    weight += items[into][0] - items[out][0]
                    improved = True
                    break
            if improved:
                break
    return " ".join(map(str, sorted(chosen)))


REFERENCES: dict[str, list[tuple[str, Solver]]] = {
    "route": [
        ("input order", route_in_input_order),
        ("sorted by x", route_by_x),
        ("nearest neighbour", route_nearest_neighbour),
        ("nearest neighbour + 2-opt", route_two_opt),
    ],
    "knapsack": [
        ("input order", knapsack_in_input_order),
        ("greedy by value", knapsack_by_value),
        ("greedy by value per weight", knapsack_by_ratio),
        ("greedy + swaps", knapsack_swaps),
    ],
}
