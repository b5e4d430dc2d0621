"""The composite evaluator: combines the scores of child evaluators."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

import chz

from tinkerer_core.components import EvaluationContext, Evaluator
from tinkerer_core.errors import ConfigError
from tinkerer_core.plugins import get_manager
from tinkerer_core.types import Evaluation

Scored = Sequence[tuple[float, float]]  # (score, weight) of the children that scored

AGGREGATIONS: dict[str, Callable[[Scored], float]] = {
    "weighted_avg": lambda scored: sum(s * w for s, w in scored) / sum(w for _, w in scored),
    "min": lambda scored: min(s for s, _ in scored),
    "max": lambda scored: max(s for s, _ in scored),
    "product": lambda scored: math.prod(s for s, _ in scored),
}


@chz.chz
class Composite(Evaluator):
    """Runs several evaluators and aggregates the scores of those that produced one."""

    evaluators: tuple[tuple[str, dict[str, Any], float], ...] = chz.field(
        doc="(evaluator name, its params, weight) for each child"
    )
    aggregation: Literal["weighted_avg", "min", "max", "product"] = chz.field(
        default="weighted_avg", doc="weighted_avg | min | max | product, over the children that scored"
    )

    @chz.init_property
    def children(self) -> tuple[tuple[str, Evaluator, float], ...]:
        if not self.evaluators:
            raise ConfigError("composite needs at least one child: (evaluator name, params, weight)")
        if any(weight <= 0 for _, _, weight in self.evaluators):
            raise ConfigError(f"composite weights must be positive: {[w for _, _, w in self.evaluators]}")
        manager = get_manager()
        labels = _labels([name for name, _, _ in self.evaluators])
        return tuple(
            (label, manager.create("evaluator", name, params), weight)
            for label, (name, params, weight) in zip(labels, self.evaluators, strict=True)
        )

    def evaluate(self, ctx: EvaluationContext) -> Evaluation:
        scored: list[tuple[float, float]] = []
        metrics: dict[str, float] = {}
        lines: list[str] = []
        for label, child, weight in self.children:
            evaluation = child.evaluate(ctx)
            metrics.update({f"{label}.{key}": value for key, value in evaluation.metrics.items()})
            if evaluation.score is None:
                lines.append(f"[{label}] no score: {evaluation.feedback}")
                continue
            scored.append((evaluation.score, weight))
            metrics[label] = evaluation.score
            lines.append(f"[{label}] {evaluation.score:g} (weight {weight:g}): {evaluation.feedback}")
        details = "\n".join(lines)
        if not scored:
            return Evaluation(score=None, feedback=f"no child evaluator produced a score\n{details}", metrics=metrics)
        score = AGGREGATIONS[self.aggregation](scored)
        summary = f"{self.aggregation} {score:g} over {len(scored)} of {len(self.children)} scored evaluators"
        return Evaluation(score=score, feedback=f"{summary}\n{details}", metrics=metrics)


def _labels(names: Sequence[str]) -> list[str]:
    """Names made unique for metrics: a repeated name gets ``#2``, ``#3``..."""
    seen: dict[str, int] = {}
    labels = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        labels.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return labels
