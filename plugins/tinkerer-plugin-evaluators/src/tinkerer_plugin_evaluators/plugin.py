"""Registers this distribution's evaluators with Tinkerer."""

from __future__ import annotations

from typing import Any

from tinkerer_core import hookimpl
from tinkerer_plugin_evaluators.command import Command
from tinkerer_plugin_evaluators.composite import Composite
from tinkerer_plugin_evaluators.json_file import FileJson
from tinkerer_plugin_evaluators.judges import LLMComparison, LLMJudge
from tinkerer_plugin_evaluators.output import MultiMetric, NoScore, RegexPattern
from tinkerer_plugin_evaluators.pytest_suite import Pytest

EVALUATORS = {
    "no_score": NoScore,
    "regex_pattern": RegexPattern,
    "file_json": FileJson,
    "multi_metric": MultiMetric,
    "llm_judge": LLMJudge,
    "llm_comparison": LLMComparison,
    "composite": Composite,
    "pytest": Pytest,
    "command": Command,
}


@hookimpl
def tinkerer_register_evaluators(register: Any) -> None:
    """Register every evaluator of this plugin under its config name."""
    for name, cls in EVALUATORS.items():
        register(name, cls)
