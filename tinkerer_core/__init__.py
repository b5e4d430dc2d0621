"""Tinkerer: a framework where AI learns, experiments, builds, ships and trains.

Everything a user or a plugin author needs is importable from here: the Python API (``Tinkerer``,
``Source``, ``DeployStrategy``), the hook marker (``hookimpl``), the interface of every component
kind with the types it is called with and returns, the run configs, the LLM interface and errors.
Beside this namespace, the toolkit modules in ``TOOLKIT`` are public too (validation rules, supervised
processes, the solution runner, workspace shipping ...). ``tinkerer_core.engine`` and every other
module are private: they change without notice.

Names are loaded on first use, so importing the package (and listing plugins) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# the public modules beside this namespace: what plugins may import from, besides ``tinkerer_core`` itself
TOOLKIT = (
    "tinkerer_core.cli_args",  # argparse types for plugin commands: ports, seconds, writable folders
    "tinkerer_core.formatting",  # figures printed with the precision they need (costs)
    "tinkerer_core.isolation",  # private network namespaces and silent servers, for plugins' tests
    "tinkerer_core.local_server_auth",  # local servers only for their owner: keys, loopback Host, Origin
    "tinkerer_core.processes",  # supervised processes that never outlive their owner
    "tinkerer_core.prompts",  # the rendering of an AgentRequest every coding agent shares
    "tinkerer_core.runner",  # a solution's command run with limits (the engine's CommandRunner)
    "tinkerer_core.secrets",  # secret-looking variables scrubbed, text redacted
    "tinkerer_core.shipping",  # workspaces packed, shipped and their changes brought back (executors)
    "tinkerer_core.validation",  # the rules a config field declares, and cautions
    "tinkerer_core.workspace_files",  # safe workspace paths, reads that tell binary files apart, snapshots
)

_EXPORTS = {
    # the Python API
    "Tinkerer": "tinkerer_core.api",
    "Source": "tinkerer_core.types",
    "DeployStrategy": "tinkerer_core.types",
    # plugins: the hook marker, building components by name, the plugin manager
    "hookimpl": "tinkerer_core.hookspecs",
    "create_component": "tinkerer_core.config",
    "component_field": "tinkerer_core.config",
    "get_manager": "tinkerer_core.plugins",
    # run configs
    "EvolveConfig": "tinkerer_core.evolve_config",
    "TrainConfig": "tinkerer_core.training",
    "make_config": "tinkerer_core.config",
    "config_file_values": "tinkerer_core.api",
    # evaluators
    "Evaluator": "tinkerer_core.components",
    "EvaluationContext": "tinkerer_core.components",
    "Evaluation": "tinkerer_core.types",
    "RunResult": "tinkerer_core.types",
    # stop conditions
    "StopCondition": "tinkerer_core.components",
    "RunState": "tinkerer_core.components",
    "StopDecision": "tinkerer_core.components",
    # search strategies
    "SearchStrategy": "tinkerer_core.components",
    "SearchState": "tinkerer_core.components",
    "Proposal": "tinkerer_core.components",
    "Experiment": "tinkerer_core.types",
    "ExperimentStatus": "tinkerer_core.types",
    "Direction": "tinkerer_core.types",
    # coding agents
    "CodingAgent": "tinkerer_core.components",
    "AgentRequest": "tinkerer_core.components",
    "AgentResult": "tinkerer_core.components",
    # knowledge backends
    "KnowledgeBackend": "tinkerer_core.components",
    "KnowledgePage": "tinkerer_core.components",
    "KnowledgeHit": "tinkerer_core.components",
    "PAGE_TYPES": "tinkerer_core.components",
    # trainers
    "Trainer": "tinkerer_core.components",
    "TrainResult": "tinkerer_core.components",
    "Checkpoint": "tinkerer_core.types",
    # deployers
    "Deployer": "tinkerer_core.components",
    "Solution": "tinkerer_core.types",
    "Software": "tinkerer_core.types",
    # benchmark suites
    "BenchmarkSuite": "tinkerer_core.components",
    "BenchmarkProblem": "tinkerer_core.components",
    "BenchmarkGrade": "tinkerer_core.components",
    "ProblemSetup": "tinkerer_core.components",
    # web search providers
    "WebSearchProvider": "tinkerer_core.components",
    "WebResult": "tinkerer_core.components",
    "WebSearchError": "tinkerer_core.components",
    # executors
    "Executor": "tinkerer_core.components",
    "ExecutorContext": "tinkerer_core.components",
    "ExecutorSession": "tinkerer_core.components",
    "ExperimentJob": "tinkerer_core.components",
    "ExperimentOutcome": "tinkerer_core.components",
    "RecordedCommits": "tinkerer_core.components",
    "WorkerLost": "tinkerer_core.components",
    # the LLM interface and its gateway
    "LLM": "tinkerer_core.llm",
    "LLMConfig": "tinkerer_core.llm",
    "LLMLedger": "tinkerer_core.llm",
    "Completion": "tinkerer_core.llm",
    "Messages": "tinkerer_core.llm",
    "LLMError": "tinkerer_core.llm",
    "LLMUnavailableError": "tinkerer_core.llm",
    "LLMFormatError": "tinkerer_core.llm",
    "extract_json": "tinkerer_core.llm",
    "is_small_model": "tinkerer_core.llm",
    "models_of": "tinkerer_core.llm",
    "uses_small_model": "tinkerer_core.llm",
    "open_llm": "tinkerer_core.gateway",
    "lazy_llm": "tinkerer_core.gateway",
    # runs: what reporters and trainers read and write
    "RunStore": "tinkerer_core.store",
    # errors
    "TinkererError": "tinkerer_core.errors",
    "ConfigError": "tinkerer_core.errors",
    "MissingPluginError": "tinkerer_core.errors",
    "UnknownComponentError": "tinkerer_core.errors",
}

__all__ = [  # _EXPORTS' names (a test keeps them so)
    "LLM",
    "PAGE_TYPES",
    "AgentRequest",
    "AgentResult",
    "BenchmarkGrade",
    "BenchmarkProblem",
    "BenchmarkSuite",
    "Checkpoint",
    "CodingAgent",
    "Completion",
    "ConfigError",
    "DeployStrategy",
    "Deployer",
    "Direction",
    "Evaluation",
    "EvaluationContext",
    "Evaluator",
    "EvolveConfig",
    "Executor",
    "ExecutorContext",
    "ExecutorSession",
    "Experiment",
    "ExperimentJob",
    "ExperimentOutcome",
    "ExperimentStatus",
    "KnowledgeBackend",
    "KnowledgeHit",
    "KnowledgePage",
    "LLMConfig",
    "LLMError",
    "LLMFormatError",
    "LLMLedger",
    "LLMUnavailableError",
    "Messages",
    "MissingPluginError",
    "ProblemSetup",
    "Proposal",
    "RecordedCommits",
    "RunResult",
    "RunState",
    "RunStore",
    "SearchState",
    "SearchStrategy",
    "Software",
    "Solution",
    "Source",
    "StopCondition",
    "StopDecision",
    "Tinkerer",
    "TinkererError",
    "TrainConfig",
    "TrainResult",
    "Trainer",
    "UnknownComponentError",
    "WebResult",
    "WebSearchError",
    "WebSearchProvider",
    "WorkerLost",
    "component_field",
    "config_file_values",
    "create_component",
    "extract_json",
    "get_manager",
    "hookimpl",
    "is_small_model",
    "lazy_llm",
    "make_config",
    "models_of",
    "open_llm",
    "uses_small_model",
]

if TYPE_CHECKING:
    from tinkerer_core.api import Tinkerer, config_file_values
    from tinkerer_core.components import (
        PAGE_TYPES,
        AgentRequest,
        AgentResult,
        BenchmarkGrade,
        BenchmarkProblem,
        BenchmarkSuite,
        CodingAgent,
        Deployer,
        EvaluationContext,
        Evaluator,
        Executor,
        ExecutorContext,
        ExecutorSession,
        ExperimentJob,
        ExperimentOutcome,
        KnowledgeBackend,
        KnowledgeHit,
        KnowledgePage,
        ProblemSetup,
        Proposal,
        RecordedCommits,
        RunState,
        SearchState,
        SearchStrategy,
        StopCondition,
        StopDecision,
        Trainer,
        TrainResult,
        WebResult,
        WebSearchError,
        WebSearchProvider,
        WorkerLost,
    )
    from tinkerer_core.config import component_field, create_component, make_config
    from tinkerer_core.errors import ConfigError, MissingPluginError, TinkererError, UnknownComponentError
    from tinkerer_core.evolve_config import EvolveConfig
    from tinkerer_core.gateway import lazy_llm, open_llm
    from tinkerer_core.hookspecs import hookimpl
    from tinkerer_core.llm import (
        LLM,
        Completion,
        LLMConfig,
        LLMError,
        LLMFormatError,
        LLMLedger,
        LLMUnavailableError,
        Messages,
        extract_json,
        is_small_model,
        models_of,
        uses_small_model,
    )
    from tinkerer_core.plugins import get_manager
    from tinkerer_core.store import RunStore
    from tinkerer_core.training import TrainConfig
    from tinkerer_core.types import (
        Checkpoint,
        DeployStrategy,
        Direction,
        Evaluation,
        Experiment,
        ExperimentStatus,
        RunResult,
        Software,
        Solution,
        Source,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tinkerer_core' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return [*globals(), *__all__]
