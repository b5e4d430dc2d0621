"""Evaluators that read the score from the program's output: no_score, regex_pattern, multi_metric."""

from __future__ import annotations

import re

import chz

from tinkerer_core.components import EvaluationContext, Evaluator
from tinkerer_core.errors import ConfigError
from tinkerer_core.types import Evaluation
from tinkerer_plugin_evaluators.parsing import SCORE_PATTERN, compile_pattern, last_match, tail


@chz.chz
class NoScore(Evaluator):
    """Scores every run 0.0: for goals judged by running at all, not by a number."""

    def evaluate(self, ctx: EvaluationContext) -> Evaluation:
        return Evaluation(score=0.0, feedback="no_score: every run scores 0; judge the solution by its output")


@chz.chz
class RegexPattern(Evaluator):
    """The score is the number in the last match of a regex in the output."""

    pattern: str = chz.field(
        default=SCORE_PATTERN, doc="case-insensitive regex; its first group (or the whole match) is the score"
    )
    default_score: float | None = chz.field(
        default=None, doc="the score when nothing matches or the match is not a number"
    )

    @chz.init_property
    def regex(self) -> re.Pattern[str]:
        return compile_pattern(self.pattern)

    def evaluate(self, ctx: EvaluationContext) -> Evaluation:
        output = ctx.result.output
        found = last_match(self.regex, output)
        if found is None:
            why = f"pattern {self.pattern!r} did not match the output; it ended with:\n{tail(output)}"
            return Evaluation(score=self.default_score, feedback=why)
        matched, value = found
        if value is None:
            return Evaluation(score=self.default_score, feedback=f"{matched!r} matched but is not a number")
        return Evaluation(score=value, feedback=f"score {value:g} from {matched!r}")


@chz.chz
class MultiMetric(Evaluator):
    """The weighted average of several metrics, each read from the output by its own regex."""

    patterns: dict[str, tuple[str, float]] = chz.field(
        doc="metric name -> (regex, weight); the last match's first group is the value"
    )
    invert: tuple[str, ...] = chz.field(
        default=(), doc="metrics where lower is better, on a 0..1 scale: they count as 1 - min(value, 1)"
    )

    @chz.init_property
    def regexes(self) -> dict[str, re.Pattern[str]]:
        if not self.patterns:
            raise ConfigError("multi_metric needs at least one pattern: {name: (regex, weight)}")
        unknown = sorted(set(self.invert) - set(self.patterns))
        if unknown:
            raise ConfigError(f"invert names {unknown} that are not in patterns {sorted(self.patterns)}")
        if any(weight <= 0 for _, weight in self.patterns.values()):
            raise ConfigError(f"multi_metric weights must be positive: {self.patterns}")
        return {name: compile_pattern(pattern) for name, (pattern, _) in self.patterns.items()}

    def evaluate(self, ctx: EvaluationContext) -> Evaluation:
        values: dict[str, float] = {}
        for name, regex in self.regexes.items():
            found = last_match(regex, ctx.result.output)
            if found is not None and found[1] is not None:
                values[name] = found[1]
        missing = [name for name in self.patterns if name not in values]
        if missing:
            why = f"metrics not found in the output: {', '.join(missing)}; it ended with:\n{tail(ctx.result.output)}"
            return Evaluation(score=None, feedback=why, metrics=values)
        total = sum(weight for _, weight in self.patterns.values())
        score = sum(self._contribution(name, value) for name, value in values.items()) / total
        parts = ", ".join(
            f"{name}={value:g}" + (" (inverted)" if name in self.invert else "") for name, value in values.items()
        )
        return Evaluation(score=score, feedback=f"weighted score {score:g} from {parts}", metrics=values)

    def _contribution(self, name: str, value: float) -> float:
        weight = self.patterns[name][1]
        return weight * (1.0 - min(value, 1.0) if name in self.invert else value)
