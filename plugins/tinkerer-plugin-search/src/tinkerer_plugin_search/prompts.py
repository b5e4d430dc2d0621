"""Prompt building shared by the strategies: how experiments, the goal and requests are worded."""

from __future__ import annotations

import json
from collections.abc import Sequence

from tinkerer_core import Direction, Experiment, Messages, SearchState

SYSTEM = (
    "You plan experiments for an automated search in which a coding agent writes and runs code toward a goal, "
    "and an evaluator scores every run. Answer with one JSON object and nothing else."
)
# reasoning effort -> (the least max_tokens, as native reasoning and a "reasoning" field both take tokens;
#                      the prompt's request to reason first, for models without native reasoning)
EFFORT: dict[str, tuple[int, str]] = {
    "low": (512, ""),
    "medium": (1024, 'First weigh the evidence in one to three sentences in a "reasoning" field. '),
    "high": (4096, 'First reason step by step about the evidence in a "reasoning" field. '),
}
MAX_LISTED = 20  # experiments shown in one prompt
KIND_GUIDANCE = {
    "debug": "That experiment failed: propose how to fix its error while keeping its approach.",
    "draft": "Each idea is a complete first solution, and the ideas differ in approach.",
}


def clip(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def failure_text(experiment: Experiment) -> str:
    """Why an experiment failed: its error, else the tail of its output."""
    if experiment.error:
        return experiment.error
    if experiment.result is not None and experiment.result.output:
        return experiment.result.output_tail(500)
    return "failed without output"


def feedback_text(experiment: Experiment) -> str:
    """The evaluator's feedback on an experiment, or an empty string."""
    return experiment.evaluation.feedback if experiment.evaluation else ""


def score_text(experiment: Experiment) -> str:
    """``score 0.83``, or ``no score``."""
    return f"score {experiment.score:g}" if experiment.score is not None else "no score"


def describe(experiment: Experiment) -> str:
    """A few lines that tell a model what an experiment tried and what came of it."""
    origin = f"built on #{experiment.parent_id}" if experiment.parent_id is not None else "draft"
    lines = [f"#{experiment.id} ({origin}, {experiment.status.value}, {score_text(experiment)})"]
    lines.append(f"  idea: {clip(experiment.idea, 300)}")
    if feedback_text(experiment):
        lines.append(f"  feedback: {clip(feedback_text(experiment), 300)}")
    if experiment.failed:
        lines.append(f"  error: {clip(failure_text(experiment), 300)}")
    return "\n".join(lines)


def goal_block(state: SearchState) -> str:
    """The goal, the score's direction and any knowledge context."""
    better = "higher" if state.direction is Direction.MAXIMIZE else "lower"
    text = f"Goal: {state.goal}\nA {better} score is better."
    if state.knowledge_context:
        text += f"\n\nRelevant knowledge:\n{clip(state.knowledge_context, 2000)}"
    return text


def listing(experiments: Sequence[Experiment]) -> str:
    """Experiments described one after another, at most ``MAX_LISTED``."""
    return "\n".join(describe(e) for e in experiments[:MAX_LISTED]) or "(none yet)"


def reasoning_hint(effort: str | None) -> str:
    """What the prompt asks the model to reason about first at ``effort`` (None: nothing)."""
    return EFFORT[effort][1] if effort else ""


def idea_request(
    state: SearchState,
    parent: Experiment | None,
    kind: str,
    count: int,
    history: Sequence[Experiment],
    avoid: Sequence[str] = (),
    guidance: str = "",
    effort: str | None = None,
) -> Messages:
    """Ask for ``count`` ideas of ``kind`` to try on ``parent`` (None: a first solution from an empty workspace)."""
    parts = [goal_block(state), f"Experiments so far, most relevant first:\n{listing(history)}"]
    parts.append(f"Build on this experiment:\n{describe(parent)}" if parent else "Start from an empty workspace.")
    if avoid:
        tried = "\n".join(f"- {clip(idea, 200)}" for idea in avoid[:MAX_LISTED])
        parts.append(f"Already tried or in progress here; propose something different:\n{tried}")
    parts += [text for text in (KIND_GUIDANCE.get(kind, ""), guidance) if text]
    parts.append(
        f"{reasoning_hint(effort)}Propose {count} distinct next experiment(s), most promising first, each one or two "
        'sentences a coding agent can implement in one go. Answer as JSON: {"ideas": ["...", ...]}'
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n\n".join(parts)}]


def refine_request(messages: Messages, ideas: Sequence[str], count: int) -> Messages:
    """Continue ``messages`` asking the model to critique ``ideas`` and return a sharper set."""
    return [
        *messages,
        {"role": "assistant", "content": json.dumps({"ideas": list(ideas)})},
        {
            "role": "user",
            "content": f"Critique these ideas against the experiments above: drop any already tried or unlikely to "
            f"improve the score, sharpen the rest. Answer as JSON with up to {count} ideas, best first: "
            '{"ideas": ["...", ...]}',
        },
    ]


def selection_request(
    state: SearchState, candidates: Sequence[Experiment], limit: int, criterion: str, effort: str | None = None
) -> Messages:
    """Ask which of ``candidates`` (by id) to build on next, at most ``limit``."""
    parts = [
        goal_block(state),
        f"Candidate experiments:\n{listing(candidates)}",
        f"{reasoning_hint(effort)}Choose up to {limit} candidate ids to build on next. Criterion: {criterion} "
        'Answer as JSON: {"selected": [id, ...]}',
    ]
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n\n".join(parts)}]
