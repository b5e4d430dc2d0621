"""The MAP-Elites archive: experiments binned by features, one elite (the best, by direction) per cell."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from tinkerer_core import Experiment
from tinkerer_plugin_search.history import History

FEATURES = ("complexity", "score", "runtime")


def net_lines(diff: str) -> int:
    """Lines a unified diff adds minus the lines it removes."""
    added = sum(1 for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in diff.splitlines() if line.startswith("-") and not line.startswith("---"))
    return added - removed


def feature_value(history: History, experiment: Experiment, dimension: str) -> float:
    """``complexity``: lines of code built up along the lineage; ``score``; ``runtime``: seconds the run took."""
    if dimension == "complexity":
        return float(sum(net_lines(node.diff) for node in history.lineage(experiment)))
    if dimension == "runtime":
        return experiment.result.duration_s if experiment.result else 0.0
    return experiment.score if experiment.score is not None else 0.0


def _bin(value: float, low: float, high: float, bins: int) -> int:
    if high <= low:
        return 0
    return min(bins - 1, int((value - low) / (high - low) * bins))


@dataclass(frozen=True)
class Archive:
    """Elites best first, one per feature cell, and the cell of every scored experiment."""

    elites: list[Experiment]
    cell_of: dict[int, tuple[int, ...]]

    @classmethod
    def build(
        cls, history: History, population: Sequence[Experiment], dimensions: Sequence[str], bins: int, size: int
    ) -> Archive:
        """Bin the scored ``population`` over each dimension's observed range; keep the ``size`` best elites."""
        scored = [e for e in population if e.score is not None]
        values = {e.id: [feature_value(history, e, d) for d in dimensions] for e in scored}
        ranges = (
            [(min(v[i] for v in values.values()), max(v[i] for v in values.values())) for i in range(len(dimensions))]
            if values
            else []
        )
        cell_of = {
            experiment_id: tuple(_bin(value, *ranges[i], bins) for i, value in enumerate(vector))
            for experiment_id, vector in values.items()
        }
        elites: dict[tuple[int, ...], Experiment] = {}
        for experiment in history.ranked(scored):  # best first: the first seen in a cell is its elite
            elites.setdefault(cell_of[experiment.id], experiment)
        return cls(list(elites.values())[:size], cell_of)

    def inspirations(self, parent: Experiment, rng: random.Random, count: int) -> list[Experiment]:
        """Up to ``count`` elites from cells other than the parent's."""
        others = [e for e in self.elites if e.id != parent.id and self.cell_of[e.id] != self.cell_of.get(parent.id)]
        return rng.sample(others, min(count, len(others)))
