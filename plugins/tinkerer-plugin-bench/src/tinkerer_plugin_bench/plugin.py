"""Registers the benchmark suites, the ``submission_check`` evaluator and the ``tinkerer bench`` command."""

from __future__ import annotations

from typing import Any

from tinkerer_core import hookimpl
from tinkerer_plugin_bench.ale.lite import AleLite
from tinkerer_plugin_bench.ale.real import AleBench, AlePublicEval
from tinkerer_plugin_bench.evaluator import SubmissionCheck
from tinkerer_plugin_bench.mle.lite import MleLite
from tinkerer_plugin_bench.mle.real import MleBench


@hookimpl
def tinkerer_register_benchmark_suites(register: Any) -> None:
    """The offline suites and the runners of the real benchmarks (which need their packages)."""
    register("mle-lite", MleLite)
    register("ale-lite", AleLite)
    register("mle-bench", MleBench)
    register("ale-bench", AleBench)


@hookimpl
def tinkerer_register_evaluators(register: Any) -> None:
    """``submission_check`` (a Kaggle-style submission's shape, scored by the solution's validation score) and
    ``ale_public_eval`` (ALE-bench's public evaluation)."""
    register("submission_check", SubmissionCheck)
    register("ale_public_eval", AlePublicEval)


@hookimpl
def tinkerer_register_commands(subparsers: Any) -> None:
    """``tinkerer bench list | run | resume | results``."""
    from tinkerer_plugin_bench.command import add_commands

    add_commands(subparsers)
