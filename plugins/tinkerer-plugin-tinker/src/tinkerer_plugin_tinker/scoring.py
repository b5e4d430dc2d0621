"""Scoring a model's replies to held-out tasks: exact match, containment, code that must pass asserts, or any evaluator.

A task row is ``{"prompt": ..., "answer": ..., "tests": ...}``. ``python_asserts`` runs the reply's code with the
row's ``tests`` (Python asserts) in a scratch workspace under the engine's time and memory limits, with
secrets scrubbed from the environment. Any installed ``Evaluator`` also works: it sees the reply as the run's
output, ``reply.txt`` in the workspace, and the prompt (plus reference answer) as the goal.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinkerer_core import ConfigError, EvaluationContext, Evaluator, RunResult

SCORERS = ("exact_match", "contains", "python_asserts", "evaluator")
_FENCE = re.compile(r"```(?:python|py)?\s*\n(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class TaskResult:
    """One task's reply, its score in [0, 1] and why."""

    prompt: str
    reply: str
    score: float
    feedback: str


def normalize(text: str) -> str:
    """Case and surrounding whitespace and punctuation do not count."""
    return " ".join(text.strip().strip(".!").lower().split())


def extract_code(reply: str) -> str:
    """The reply's fenced code blocks joined, or the whole reply when it has none."""
    blocks = _FENCE.findall(reply)
    return "\n\n".join(blocks) if blocks else reply


def score_reply(scorer: str, row: dict[str, Any], reply: str, evaluator: Evaluator | None = None) -> TaskResult:
    """Score one reply to one task row."""
    if scorer == "exact_match":
        right = normalize(reply) == normalize(str(_field(row, "answer", scorer)))
        return TaskResult(row["prompt"], reply, float(right), "exact match" if right else "does not match the answer")
    if scorer == "contains":
        right = normalize(str(_field(row, "answer", scorer))) in normalize(reply)
        return TaskResult(row["prompt"], reply, float(right), "contains the answer" if right else "answer missing")
    if scorer == "python_asserts":
        return _run_asserts(row, reply)
    if scorer == "evaluator":
        if evaluator is None:
            raise ConfigError("scorer=evaluator needs an evaluator, e.g. evaluator=llm_judge")
        return _evaluate(evaluator, row, reply)
    raise ConfigError(f"unknown scorer {scorer!r}; choose one of: {', '.join(SCORERS)}")


def _field(row: dict[str, Any], name: str, scorer: str) -> Any:
    if name not in row:
        raise ConfigError(f"scorer {scorer} needs a {name!r} field in every task row; missing in {row['prompt']!r:.60}")
    return row[name]


def _run_asserts(row: dict[str, Any], reply: str) -> TaskResult:
    from tinkerer_core.runner import Limits, run_command
    from tinkerer_core.secrets import scrubbed_environment

    tests = _field(row, "tests", "python_asserts")
    tests = "\n".join(tests) if isinstance(tests, list) else str(tests)
    with tempfile.TemporaryDirectory(prefix="tinkerer-eval-") as scratch:
        workspace = Path(scratch)
        (workspace / "check.py").write_text(f"{extract_code(reply)}\n\n# --- tests ---\n{tests}\n")
        result = run_command(
            "python check.py",
            workspace,
            Limits(timeout_s=10, memory_mb=1024, output_chars=4000),
            scrubbed_environment(os.environ),
        )
    passed = result.exit_code == 0
    feedback = "all asserts pass" if passed else (result.output.strip().splitlines() or ["failed"])[-1]
    return TaskResult(row["prompt"], reply, float(passed), feedback)


def _evaluate(evaluator: Evaluator, row: dict[str, Any], reply: str) -> TaskResult:
    from tinkerer_core import LLMConfig, LLMLedger, lazy_llm

    goal = row["prompt"] + (f"\n\nReference answer: {row['answer']}" if "answer" in row else "")
    with tempfile.TemporaryDirectory(prefix="tinkerer-eval-") as scratch:
        workspace = Path(scratch)
        (workspace / "reply.txt").write_text(reply)
        result = RunResult(command="reply", exit_code=0, duration_s=0.0, output=reply)
        context = EvaluationContext(
            goal=goal, result=result, workspace=workspace, llm=lazy_llm(LLMConfig(), LLMLedger())
        )
        evaluation = evaluator.evaluate(context)
    score = 0.0 if evaluation.score is None else min(max(float(evaluation.score), 0.0), 1.0)
    return TaskResult(row["prompt"], reply, score, evaluation.feedback)
