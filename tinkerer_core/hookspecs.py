"""The hooks a Tinkerer plugin can implement.

Every hook starts with ``tinkerer_``. Registration hooks receive a ``register(name, cls)``
callback so one plugin can register any number of components of a kind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import argparse

    from tinkerer_core.llm import LLM, LLMConfig, LLMLedger
    from tinkerer_core.types import Experiment, Solution

PROJECT = "tinkerer"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- registration: one hook per component kind -----------------------------------------------


@hookspec
def tinkerer_register_knowledge_backends(register: Any) -> None:
    """Register knowledge backends: ``register(name, cls)`` with a ``KnowledgeBackend`` subclass."""


@hookspec
def tinkerer_register_coding_agents(register: Any) -> None:
    """Register coding agents: ``register(name, cls)`` with a ``CodingAgent`` subclass."""


@hookspec
def tinkerer_register_search_strategies(register: Any) -> None:
    """Register search strategies: ``register(name, cls)`` with a ``SearchStrategy`` subclass."""


@hookspec
def tinkerer_register_evaluators(register: Any) -> None:
    """Register evaluators: ``register(name, cls)`` with an ``Evaluator`` subclass."""


@hookspec
def tinkerer_register_stop_conditions(register: Any) -> None:
    """Register stop conditions: ``register(name, cls)`` with a ``StopCondition`` subclass."""


@hookspec
def tinkerer_register_trainers(register: Any) -> None:
    """Register trainers: ``register(name, cls)`` with a ``Trainer`` subclass."""


@hookspec
def tinkerer_register_deployers(register: Any) -> None:
    """Register deployers: ``register(name, cls)`` with a ``Deployer`` subclass."""


@hookspec
def tinkerer_register_executors(register: Any) -> None:
    """Register executors (where experiments run): ``register(name, cls)`` with an ``Executor`` subclass."""


@hookspec
def tinkerer_register_web_search_providers(register: Any) -> None:
    """Register web search providers for ``research``: ``register(name, cls)`` with a ``WebSearchProvider`` subclass."""


@hookspec
def tinkerer_register_benchmark_suites(register: Any) -> None:
    """Register benchmark suites for ``tinkerer bench``: ``register(name, cls)`` with a ``BenchmarkSuite`` subclass."""


# --- services --------------------------------------------------------------------------------


@hookspec(firstresult=True)
def tinkerer_open_llm(config: LLMConfig, ledger: LLMLedger) -> LLM | None:
    """Return an ``LLM`` gateway for ``config`` that records every call in ``ledger``; first result wins."""


# --- command line ----------------------------------------------------------------------------


@hookspec
def tinkerer_register_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add CLI subcommands: ``subparsers.add_parser(name)`` and ``set_defaults(handler=fn)``."""


# --- run lifecycle, for loggers and reporters ------------------------------------------------


@hookspec
def tinkerer_run_start(run_dir: str, config: Any) -> None:
    """Called once when an evolve run starts or resumes, with its run directory and config."""


@hookspec
def tinkerer_experiment_started(run_dir: str, experiment: Experiment) -> None:
    """Called when an experiment is handed to a worker, with its id, parent, kind and idea."""


@hookspec
def tinkerer_experiment_finished(run_dir: str, experiment: Experiment) -> None:
    """Called after every experiment is stored, with the finished ``Experiment``."""


@hookspec
def tinkerer_run_end(run_dir: str, solution: Solution | None, reason: str) -> None:
    """Called once when a run ends, with the best solution (None when nothing scored) and why."""


@hookspec
def tinkerer_train_metrics(run_dir: str, step: int, metrics: dict[str, float]) -> None:
    """Called after every training step with the step's metrics (loss, reward, tokens/s ...)."""
