"""Asking the LLM for structured answers: validation, the model to use, and fallbacks (logged, counted, recorded)."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, TypeVar

from tinkerer_core import LLM, Messages, SearchState, TinkererError, uses_small_model
from tinkerer_core.validation import Rule, one_of
from tinkerer_plugin_search.prompts import EFFORT

T = TypeVar("T")
log = logging.getLogger("tinkerer_plugin_search")
MAX_IDEA_CHARS = 2000


class FallbackCounter:
    """How often each LLM-driven decision fell back to a heuristic, by purpose (thread-safe)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def record(self, state: SearchState, purpose: str, reason: str) -> None:
        """Count a fallback for ``purpose``, log why, and write it to the run's events as ``search_fallback``."""
        with self._lock:
            self.counts[purpose] += 1
        log.warning("%s: falling back to a heuristic: %s", purpose, reason)
        if state.log_event is not None:
            state.log_event("search_fallback", purpose=purpose, reason=reason)


FALLBACKS = FallbackCounter()


def parse_ideas(reply: Any) -> list[str]:
    """The non-empty idea strings of ``{"ideas": [...]}`` (or ``{"idea": "..."}``), cut to a sane length."""
    if not isinstance(reply, dict):
        raise ValueError('expected an object like {"ideas": ["..."]}')
    raw = reply.get("ideas", [reply["idea"]] if "idea" in reply else None)
    if not isinstance(raw, list):
        raise ValueError('"ideas" must be a list of strings')
    ideas = [item.strip()[:MAX_IDEA_CHARS] for item in raw if isinstance(item, str) and item.strip()]
    if not ideas:
        raise ValueError('"ideas" holds no non-empty string')
    return ideas


@dataclass(frozen=True)
class Selection:
    """The candidate ids a model chose, and the entries it gave that are not candidates."""

    ids: tuple[int, ...]
    ignored: tuple[Any, ...]


def selection_parser(candidate_ids: Collection[int]) -> Callable[[Any], Selection]:
    """A validator for ``{"selected": [ids]}`` that keeps candidate ids only; none valid is an error."""

    def parse(reply: Any) -> Selection:
        if not isinstance(reply, dict) or not isinstance(reply.get("selected"), list):
            raise ValueError('expected an object like {"selected": [3, 7]}')
        ids: list[int] = []
        ignored: list[Any] = []
        for item in reply["selected"]:
            valid = isinstance(item, int) and not isinstance(item, bool) and item in candidate_ids
            if valid and item not in ids:
                ids.append(item)
            elif not valid:
                ignored.append(item)
        if not ids:
            raise ValueError(f"none of {reply['selected']!r} is a candidate; candidates: {sorted(candidate_ids)}")
        return Selection(tuple(ids), tuple(ignored))

    return parse


def ask(
    state: SearchState,
    llm: LLM | None,
    messages: Messages,
    parse: Callable[[Any], T],
    purpose: str,
    seed: int,
    effort: str | None = None,
) -> T | None:
    """The parsed answer, or None when there is no LLM or its answer is unusable (then recorded in FALLBACKS).

    ``effort`` (low, medium, high) goes to the model as ``reasoning_effort`` and sets the least token budget;
    None leaves both to the model and the LLM config.
    """
    if llm is None:
        return None
    max_tokens = max(EFFORT[effort][0], llm.config.max_tokens) if effort else None
    try:
        return llm.complete_json(
            messages, parse, purpose=purpose, seed=seed, max_tokens=max_tokens, reasoning_effort=effort
        )
    except TinkererError as error:  # an unusable answer or a failed call: the heuristic takes over
        FALLBACKS.record(state, purpose, f"{type(error).__name__}: {error}")
        return None


IDEA_SOURCES = ("auto", "llm", "heuristic")
IDEAS_DOC = (
    "where ideas (and choices) come from: llm, heuristic (no LLM call: every call goes to the coding agent), "
    "or auto (heuristic for local and tiny models, whose JSON answers rarely parse, else llm)"
)


IDEA_SOURCE = one_of(*IDEA_SOURCES)
MODEL_NAMES = Rule(
    "model names, none of them empty",
    test=lambda names: all(isinstance(name, str) and name.strip() for name in names),
)


def idea_llm(llm: LLM | None, source: str) -> LLM | None:
    """The LLM to ask for ideas under ``source``, or None for heuristic ideas."""
    if llm is None or source == "heuristic":
        return None
    if source == "auto" and uses_small_model(llm):
        return None
    return llm


def model_llm(llm: LLM | None, model: str | None, ensemble: tuple[str, ...]) -> LLM | None:
    """The run's LLM, switched to ``model`` / an equal-weight ``ensemble`` when given (same ledger)."""
    if llm is None or (model is None and not ensemble):
        return llm
    return llm.with_model(model, ensemble)
