"""Ideas for the next experiment: from the LLM when there is one, else heuristic text that quotes the evidence."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from tinkerer_core import LLM, Experiment, SearchState
from tinkerer_plugin_search.answers import FALLBACKS, ask, parse_ideas
from tinkerer_plugin_search.prompts import clip, failure_text, feedback_text, idea_request, refine_request, score_text

DRAFT_ANGLES = (
    "the simplest approach that works end to end and prints its score",
    "a strong, standard baseline for this kind of problem",
    "an approach that differs from the usual baseline",
    "a fast approach that leaves room to iterate",
)
IMPROVE_ANGLES = (
    "address the weakness the feedback points at",
    "tune the most influential parameters",
    "try a stronger algorithm or model for the core step",
    "improve how the input data is prepared",
    "simplify: remove what does not help and make the main path faster",
    "make the result more robust to edge cases",
)


def _angle(angles: Sequence[str], rng: random.Random, avoid: Sequence[str]) -> str:
    """A seeded pick among ``angles``, preferring one no idea in ``avoid`` already mentions."""
    shuffled = rng.sample(list(angles), len(angles))
    fresh = [angle for angle in shuffled if not any(angle in idea for idea in avoid)]
    return (fresh or shuffled)[0]


def heuristic_idea(kind: str, parent: Experiment | None, rng: random.Random, avoid: Sequence[str] = ()) -> str:
    """An idea without an LLM: it names the parent, quotes its feedback or error, and picks an untried angle."""
    if parent is None or kind == "draft":
        return f"Write a complete first solution to the goal: {_angle(DRAFT_ANGLES, rng, avoid)}."
    if kind == "debug":
        return (
            f'Fix experiment #{parent.id}, which failed with: "{clip(failure_text(parent), 400)}". '
            "Keep its approach; make it run cleanly and print its score."
        )
    feedback = clip(feedback_text(parent), 400) or "no feedback"
    return (
        f'Improve experiment #{parent.id} ({score_text(parent)}; evaluation: "{feedback}"). '
        f"Next step: {_angle(IMPROVE_ANGLES, rng, avoid)}."
    )


@dataclass(frozen=True)
class IdeaRequest:
    """What to ask for: ``count`` ideas of ``kind`` on ``parent``, avoiding ideas already tried.

    ``guidance`` steers the LLM; ``hint`` is appended to heuristic ideas.
    """

    parent: Experiment | None
    kind: str
    count: int
    history: Sequence[Experiment] = ()
    avoid: Sequence[str] = ()
    guidance: str = ""
    hint: str = ""


def generate_ideas(
    state: SearchState,
    llm: LLM | None,
    request: IdeaRequest,
    rng: random.Random,
    *,
    purpose: str,
    seed: int,
    effort: str | None = None,
    steps: int = 1,
    consider: int = 0,
) -> list[str]:
    """``request.count`` distinct ideas, topped up by heuristics.

    The LLM proposes ``max(count, consider)`` ideas best first; each of the ``steps - 1`` further rounds
    critiques and sharpens them; the best ``count`` are kept. ``effort`` is the model's reasoning effort.
    """
    ideas: list[str] = []
    if llm is not None:
        wanted = max(request.count, consider)
        messages = idea_request(
            state, request.parent, request.kind, wanted, request.history, request.avoid, request.guidance, effort
        )
        for step in range(steps):
            if step:
                messages = refine_request(messages, ideas, wanted)
            answer = ask(state, llm, messages, parse_ideas, f"{purpose}: ideas", seed + step, effort)
            if answer is None:  # recorded by ask; earlier rounds' ideas stand
                break
            ideas = [idea for idea in dict.fromkeys(answer) if idea not in request.avoid][:wanted]
            if len(ideas) < request.count:
                FALLBACKS.record(state, f"{purpose}: ideas", f"only {len(ideas)} new ideas of {request.count} wanted")
    while len(ideas) < request.count:
        idea = heuristic_idea(request.kind, request.parent, rng, [*request.avoid, *ideas])
        ideas.append(f"{idea} {request.hint}" if request.hint else idea)
    return ideas[: request.count]
