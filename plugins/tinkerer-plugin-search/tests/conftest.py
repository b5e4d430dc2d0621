"""Builders for real ``Experiment`` / ``SearchState`` data, and a scripted LLM gateway when one is installed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from tinkerer_core import LLM, Direction, Evaluation, Experiment, ExperimentStatus, LLMLedger, RunResult, SearchState


def _experiment(
    id: int,
    parent: int | None = None,
    score: float | None = None,
    *,
    failed: bool = False,
    running: bool = False,
    idea: str = "",
    feedback: str = "",
    diff: str = "",
    duration: float = 1.0,
) -> Experiment:
    """Experiment ``id`` as the engine stores it (its iteration is its creation order, here its id)."""
    status = ExperimentStatus.RUNNING if running else ExperimentStatus.FAILED if failed else ExperimentStatus.SUCCEEDED
    finished = not running
    return Experiment(
        id=id,
        parent_id=parent,
        iteration=id,
        idea=idea or f"idea {id}",
        status=status,
        kind="draft" if parent is None else "improve",
        diff=diff,
        result=RunResult("python main.py", 1 if failed else 0, duration, "Traceback: boom" if failed else "ok")
        if finished
        else None,
        evaluation=Evaluation(score, feedback) if finished and not failed else None,
        error="ZeroDivisionError: division by zero" if failed else "",
    )


def _state(
    experiments: Sequence[Experiment] = (),
    *,
    direction: Direction = Direction.MAXIMIZE,
    max_iterations: int | None = 20,
    seed: int = 0,
    llm: LLM | None = None,
    log_event: Callable[..., None] | None = None,
) -> SearchState:
    """The state the engine builds: ``iteration`` counts every experiment created so far."""
    return SearchState(
        goal="fit the curve",
        direction=direction,
        experiments=list(experiments),
        iteration=len(experiments),
        max_iterations=max_iterations,
        seed=seed,
        llm=llm,
        log_event=log_event,
    )


@pytest.fixture
def exp() -> Callable[..., Experiment]:
    """Build an experiment: ``exp(id, parent, score, failed=..., running=..., ...)``."""
    return _experiment


@pytest.fixture
def state() -> Callable[..., SearchState]:
    """Build a search state: ``state([experiments], direction=..., max_iterations=..., llm=..., log_event=...)``."""
    return _state


@pytest.fixture
def events() -> list[tuple[str, dict[str, Any]]]:
    """The events a run recorded, as ``(kind, data)``; ``record_event`` fills it."""
    return []


@pytest.fixture
def record_event(events: list[tuple[str, dict[str, Any]]]) -> Callable[..., None]:
    """A ``SearchState.log_event`` that appends to ``events``."""
    return lambda kind, **data: events.append((kind, data))


@pytest.fixture
def scripted_llm() -> Callable[..., LLM]:
    """A real gateway (tinkerer-plugin-litellm) answering ``make(*replies, ledger=...)`` in order."""
    pytest.importorskip("tinkerer_plugin_litellm", reason="needs the LLM gateway plugin tinkerer-plugin-litellm")
    from tinkerer_core import LLMConfig, open_llm

    def make(*replies: str, ledger: LLMLedger | None = None) -> LLM:
        return open_llm(LLMConfig(model="openai/gpt-4o-mini", mock_responses=replies), ledger)

    return make
