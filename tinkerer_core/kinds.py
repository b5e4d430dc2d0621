"""The component kinds a plugin can register, and how each is named and checked."""

from __future__ import annotations

import difflib
import warnings
from dataclasses import dataclass

from tinkerer_core import components
from tinkerer_core.errors import ConfigError
from tinkerer_core.validation import ConfigWarning


@dataclass(frozen=True)
class Kind:
    name: str  # singular, as used in config fields and messages
    plural: str  # as used by ``tinkerer list``
    hook: str  # the registration hook
    interface: type

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "knowledge_backend",
            "knowledge_backends",
            "tinkerer_register_knowledge_backends",
            components.KnowledgeBackend,
        ),
        Kind("coding_agent", "coding_agents", "tinkerer_register_coding_agents", components.CodingAgent),
        Kind("search_strategy", "search_strategies", "tinkerer_register_search_strategies", components.SearchStrategy),
        Kind("evaluator", "evaluators", "tinkerer_register_evaluators", components.Evaluator),
        Kind("stop_condition", "stop_conditions", "tinkerer_register_stop_conditions", components.StopCondition),
        Kind("trainer", "trainers", "tinkerer_register_trainers", components.Trainer),
        Kind("deployer", "deployers", "tinkerer_register_deployers", components.Deployer),
        Kind("executor", "executors", "tinkerer_register_executors", components.Executor),
        Kind(
            "web_search_provider",
            "web_search_providers",
            "tinkerer_register_web_search_providers",
            components.WebSearchProvider,
        ),
        Kind(
            "benchmark_suite",
            "benchmark_suites",
            "tinkerer_register_benchmark_suites",
            components.BenchmarkSuite,
        ),
    )
}


OLD_NAMES = {"agent": "coding_agent", "stop": "stop_condition", "search": "search_strategy"}  # read with a hint


def kind_named(name: str) -> Kind:
    """Look a kind up by singular or plural name (``evaluator``, ``evaluators``, ``stop-conditions``); an old
    short name (``agents``, ``stops``) is read with a warning that names the current one."""
    key = name.replace("-", "_")
    for kind in KINDS.values():
        if key in (kind.name, kind.plural):
            return kind
    old = OLD_NAMES.get(key.removesuffix("es") if key.endswith("ches") else key.removesuffix("s"))
    if old is not None:
        kind = KINDS[old]
        warnings.warn(f"{name!r} is now {kind.plural!r}", ConfigWarning, stacklevel=2)
        return kind
    choices = ", ".join(k.plural for k in KINDS.values())
    close = difflib.get_close_matches(key, [k.plural for k in KINDS.values()], n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ConfigError(f"unknown component kind {name!r}; choose one of: {choices}{hint}")
