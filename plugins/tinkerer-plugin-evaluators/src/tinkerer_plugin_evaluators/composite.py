"""The composite evaluator: combines the scores of child evaluators."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import chz

from tinkerer_core import Evaluation, EvaluationContext, Evaluator, create_component
from tinkerer_core.validation import Rule, one_of
from tinkerer_plugin_evaluators.parsing import is_weight

Scored = Sequence[tuple[float, float]]  # (score, weight) of the children that scored

AGGREGATIONS: dict[str, Callable[[Scored], float]] = {
    "weighted_avg": lambda scored: sum(s * w for s, w in scored) / sum(w for _, w in scored),
    "min": lambda scored: min(s for s, _ in scored),
    "max": lambda scored: max(s for s, _ in scored),
    "product": lambda scored: math.prod(s for s, _ in scored),
}


Children = tuple[tuple[str, dict[str, Any], float], ...]


def _is_child(entry: Any) -> bool:
    """Whether ``entry`` reads as ``(evaluator name, params, weight)`` with a weight greater than 0."""
    return (
        isinstance(entry, Sequence)
        and not isinstance(entry, str)
        and len(entry) == 3
        and isinstance(entry[0], str)
        and bool(entry[0].strip())
        and isinstance(entry[1], Mapping)
        and is_weight(entry[2])
    )


def _are_children(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str) and len(value) > 0 and all(map(_is_child, value))


CHILDREN = Rule(
    "one or more (evaluator name, params, weight) triples, each weight a number greater than 0",
    test=_are_children,
)


def to_children(value: Any, chzself: Any = None) -> Any:
    """Children given as lists (config files, JSON) as tuples; anything else is left for ``CHILDREN`` to refuse."""
    if not _are_children(value):
        return value
    return tuple((name, dict(params), float(weight)) for name, params, weight in value)


@chz.chz
class Composite(Evaluator):
    """Runs several evaluators and aggregates the scores of those that produced one."""

    evaluators: Children = chz.field(
        converter=to_children,
        x_type=Sequence[Any],
        validator=CHILDREN,
        doc="(evaluator name, its params, weight) for each child",
    )
    aggregation: str = chz.field(
        default="weighted_avg",
        validator=one_of(*AGGREGATIONS),
        doc="weighted_avg | min | max | product, over the children that scored",
    )

    @chz.init_property
    def children(self) -> tuple[tuple[str, Evaluator, float], ...]:
        labels = _labels([name for name, _, _ in self.evaluators])
        return tuple(
            (label, create_component("evaluator", name, params), weight)
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
