"""Evaluators that read the score from the program's output: no_score, regex_pattern, multi_metric."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import chz

from tinkerer_core import Evaluation, EvaluationContext, Evaluator
from tinkerer_core.validation import FieldValueError, Rule, finite, not_empty, valid_regex
from tinkerer_plugin_evaluators.parsing import SCORE_PATTERN, compile_pattern, is_weight, last_match, tail


@chz.chz
class NoScore(Evaluator):
    """Scores every run 0.0: for goals judged by running at all, not by a number."""

    def evaluate(self, ctx: EvaluationContext) -> Evaluation:
        return Evaluation(score=0.0, feedback="no_score: every run scores 0; judge the solution by its output")


@chz.chz
class RegexPattern(Evaluator):
    """The score is the number in the last match of a regex in the output."""

    pattern: str = chz.field(
        default=SCORE_PATTERN,
        validator=[not_empty(), valid_regex()],
        doc="case-insensitive regex; its first group (or the whole match) is the score",
    )
    default_score: float | None = chz.field(
        default=None, validator=finite(), doc="the score when nothing matches or the match is not a number"
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


def _is_metric(name: Any, spec: Any) -> bool:
    """Whether ``name: spec`` reads as ``metric: (regex, weight)`` with a valid regex and a weight above 0."""
    return (
        isinstance(name, str)
        and bool(name.strip())
        and isinstance(spec, Sequence)
        and not isinstance(spec, str)
        and len(spec) == 2
        and isinstance(spec[0], str)
        and bool(spec[0])
        and _REGEX.allows(spec[0])
        and is_weight(spec[1])
    )


def _are_metrics(value: Any) -> bool:
    return isinstance(value, Mapping) and len(value) > 0 and all(_is_metric(*item) for item in value.items())


_REGEX = valid_regex()
PATTERNS = Rule(
    "one or more metric: (regex, weight) entries, each regex valid and each weight a number greater than 0",
    test=_are_metrics,
)


def to_patterns(value: Any, chzself: Any = None) -> Any:
    """Patterns given with lists (config files, JSON) as tuples; anything else is left for ``PATTERNS`` to refuse."""
    if not _are_metrics(value):
        return value
    return {name: (regex, float(weight)) for name, (regex, weight) in value.items()}


@chz.chz
class MultiMetric(Evaluator):
    """The weighted average of several metrics, each read from the output by its own regex."""

    patterns: dict[str, tuple[str, float]] = chz.field(
        converter=to_patterns,
        x_type=Mapping[str, Any],
        validator=PATTERNS,
        doc="metric name -> (regex, weight); the last match's first group is the value",
    )
    invert: tuple[str, ...] = chz.field(
        default=(), doc="metrics where lower is better, on a 0..1 scale: they count as 1 - min(value, 1)"
    )

    @chz.validate
    def _inverts_known_metrics(self) -> None:
        unknown = [name for name in self.invert if name not in self.patterns]
        if unknown:
            raise FieldValueError("invert", self.invert, f"names of metrics in patterns ({', '.join(self.patterns)})")

    @chz.init_property
    def regexes(self) -> dict[str, re.Pattern[str]]:
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
