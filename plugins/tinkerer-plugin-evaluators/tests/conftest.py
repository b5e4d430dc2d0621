"""Builders for real evaluation contexts and evaluators resolved through the plugin manager."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tinkerer_core import LLM, EvaluationContext, Evaluator, RunResult, create_component

MakeContext = Callable[..., EvaluationContext]


@pytest.fixture
def make_ctx(tmp_path: Path) -> MakeContext:
    """A context for a run that printed ``output``, with ``tmp_path`` as its workspace."""

    def make(output: str = "", *, exit_code: int | None = 0, llm: LLM | None = None) -> EvaluationContext:
        result = RunResult(command="python main.py", exit_code=exit_code, duration_s=0.5, output=output)
        return EvaluationContext(goal="predict house prices", result=result, workspace=tmp_path, llm=llm)

    return make


@pytest.fixture
def create() -> Callable[..., Evaluator]:
    """Build an installed evaluator by name, as a config does."""

    def build(name: str, **params: Any) -> Evaluator:
        return create_component("evaluator", name, params)

    return build
