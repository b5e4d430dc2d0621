"""Evaluators that ask a language model: llm_judge (criteria) and llm_comparison (expected output)."""

from __future__ import annotations

import re
from typing import Any

import chz

from tinkerer_core import LLM, Evaluation, EvaluationContext, Evaluator, LLMFormatError, MissingPluginError, RunResult
from tinkerer_core.validation import at_least, not_empty
from tinkerer_plugin_evaluators.parsing import json_number, tail
from tinkerer_plugin_evaluators.sources import workspace_sources

OUTPUT_CHARS = 3000  # the tail of the output a model sees
JUDGE_SCORE = re.compile(r"SCORE[*_\s]*:[*_\s]*([-+]?\d*\.?\d+)", re.IGNORECASE)
JUDGE_FEEDBACK = re.compile(r"FEEDBACK[*_\s]*:[*_\s]*(.*)", re.IGNORECASE | re.DOTALL)

JUDGE_SYSTEM = """You judge the result of a program written toward a goal.
Criteria: {criteria}
Reply with exactly these two lines:
SCORE: <a number from 0 to {scale}; {scale} means the criteria are fully met>
FEEDBACK: <one paragraph: what is good and what to improve>"""

COMPARISON_SYSTEM = """You compare a program's actual output with the expected output and rate how well they agree \
in meaning; formatting differences do not matter.
Reply with JSON only: {"score": <a number from 0 to 1>, "reason": "<one sentence>"}"""


def gateway(ctx: EvaluationContext, evaluator: str, model: str | None) -> LLM:
    """The run's LLM, or one for ``model`` with the run's settings and ledger."""
    if ctx.llm is None:
        raise MissingPluginError(
            f"evaluator {evaluator!r} asks a language model, but no LLM gateway is installed: "
            "pip install tinkerer-plugin-litellm, or choose an evaluator that needs no model"
        )
    return ctx.llm if model is None else ctx.llm.with_model(model)


def run_report(result: RunResult) -> str:
    """The run's command, how it ended and the tail of its output, as a model reads them."""
    ending = "timed out" if result.timed_out else f"exit code {result.exit_code}"
    return f"<command>{result.command} ({ending})</command>\n<output>\n{tail(result.output, OUTPUT_CHARS)}\n</output>"


@chz.chz
class LLMJudge(Evaluator):
    """A language model scores the run against criteria, from 0 to ``scale``; normalized to 0..1."""

    criteria: str = chz.field(default="correctness", validator=not_empty(), doc="what the judge looks for")
    scale: int = chz.field(
        default=10, validator=at_least(1), doc="the judge scores from 0 to scale; the score is that / scale"
    )
    include_code: bool = chz.field(default=False, doc="also show the judge the workspace's source files")
    model: str | None = chz.field(default=None, validator=not_empty(), doc="judge with this model instead of the run's")

    def messages(self, ctx: EvaluationContext) -> list[dict[str, str]]:
        """The judge's prompt: the criteria, the goal, the run's output tail and, optionally, the code."""
        user = f"<goal>\n{ctx.goal}\n</goal>\n{run_report(ctx.result)}"
        if self.include_code:
            user += f"\n<code>\n{workspace_sources(ctx.workspace)}\n</code>"
        return [
            {"role": "system", "content": JUDGE_SYSTEM.format(criteria=self.criteria, scale=self.scale)},
            {"role": "user", "content": user},
        ]

    def evaluate(self, ctx: EvaluationContext) -> Evaluation:
        llm = gateway(ctx, "llm_judge", self.model)
        reply = llm.complete(self.messages(ctx), purpose="evaluator:llm_judge").text
        score = JUDGE_SCORE.search(reply)
        if score is None:
            why = f"the judge's reply could not be parsed (no 'SCORE: <n>' line):\n{tail(reply)}"
            return Evaluation(score=None, feedback=why)
        raw = float(score.group(1))
        feedback = JUDGE_FEEDBACK.search(reply)
        text = feedback.group(1).strip() if feedback else reply.strip()
        normalized = min(max(raw / self.scale, 0.0), 1.0)
        return Evaluation(score=normalized, feedback=f"judge: {raw:g}/{self.scale}. {text}", metrics={"judge": raw})


@chz.chz
class LLMComparison(Evaluator):
    """Compares the output with the expected one: exactly (strict) or by a model's similarity rating."""

    expected: str = chz.field(doc="the expected output, or a description of it")
    strict: bool = chz.field(default=False, doc="exact match after normalizing whitespace (1 or 0), no model")
    model: str | None = chz.field(
        default=None, validator=not_empty(), doc="compare with this model instead of the run's"
    )

    def evaluate(self, ctx: EvaluationContext) -> Evaluation:
        if self.strict:
            return self._exact(ctx.result.output)
        llm = gateway(ctx, "llm_comparison", self.model)
        messages = [
            {"role": "system", "content": COMPARISON_SYSTEM},
            {"role": "user", "content": f"<expected>\n{self.expected}\n</expected>\n{run_report(ctx.result)}"},
        ]
        try:
            score, reason = llm.complete_json(messages, _similarity, purpose="evaluator:llm_comparison")
        except LLMFormatError as error:
            return Evaluation(score=None, feedback=f"the comparison reply could not be parsed: {error}")
        return Evaluation(score=score, feedback=f"similarity {score:g}: {reason}")

    def _exact(self, output: str) -> Evaluation:
        if " ".join(output.split()) == " ".join(self.expected.split()):
            return Evaluation(score=1.0, feedback="the output matches the expected output")
        why = f"the output differs from the expected output.\nExpected:\n{tail(self.expected)}\nGot:\n{tail(output)}"
        return Evaluation(score=0.0, feedback=why)


def _similarity(reply: Any) -> tuple[float, str]:
    """Validate the comparison reply: ``{"score": 0..1, "reason": "..."}``."""
    score = json_number(reply.get("score")) if isinstance(reply, dict) else None
    if score is None or not 0.0 <= score <= 1.0:
        raise ValueError('expected {"score": <a number from 0 to 1>, "reason": "..."}')
    return score, str(reply.get("reason", ""))
