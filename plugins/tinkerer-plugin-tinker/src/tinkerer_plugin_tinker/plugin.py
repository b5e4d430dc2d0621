"""Registers the Tinker trainers, the litellm provider ``tinker`` for trained checkpoints, ``tinkerer data`` and
``tinkerer mcp``."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinkerer_core import ConfigError, hookimpl
from tinkerer_core.cli_args import check_writable_folder, seconds

if TYPE_CHECKING:
    from tinkerer_core import LLMConfig, LLMLedger

MODEL_PREFIX = "tinker/"


@hookimpl
def tinkerer_register_trainers(register: Any) -> None:
    """Register ``tinker_sft``, ``tinker_grpo`` and ``eval_driven``."""
    from tinkerer_plugin_tinker.eval_loop import EvalDrivenTrainer
    from tinkerer_plugin_tinker.grpo import TinkerGRPO
    from tinkerer_plugin_tinker.sft import TinkerSFT

    register("tinker_sft", TinkerSFT)
    register("tinker_grpo", TinkerGRPO)
    register("eval_driven", EvalDrivenTrainer)


@hookimpl(tryfirst=True)
def tinkerer_open_llm(config: LLMConfig, ledger: LLMLedger) -> None:
    """Check each ``tinker/...`` model names a checkpoint and register provider ``tinker`` for them, then return
    None so the gateway plugin answers."""
    checkpoints = [model.removeprefix(MODEL_PREFIX) for model in config.models if model.startswith(MODEL_PREFIX)]
    if checkpoints:
        from tinkerer_plugin_tinker.checkpoint_model import resolve
        from tinkerer_plugin_tinker.provider import register_tinker_provider

        for checkpoint in checkpoints:
            resolve(checkpoint)  # a ConfigError naming llm.model before any call
        register_tinker_provider()


@hookimpl
def tinkerer_register_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``tinkerer mcp serve`` (the training session as MCP tools over stdio), ``tinkerer data from-runs``
    (training data from evolve runs) and ``tinkerer data practice`` (practice tasks to evolve on)."""
    data = subparsers.add_parser("data", help="training data for tinker_sft and tinker_grpo")
    data_actions = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    from_runs = data_actions.add_parser(
        "from-runs", help="SFT, hindsight and RL rows from the coding agent's calls in evolve runs"
    )
    from_runs.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN_DIR", help="an evolve run's directory")
    from_runs.add_argument("--out", type=Path, required=True, help="the folder for sft, hindsight and rl.jsonl")
    from_runs.add_argument(
        "--exclude-goals",
        type=Path,
        default=None,
        metavar="FILE",
        help="held-out goals, one per line (or JSON lines with a goal): runs toward them contribute nothing",
    )
    from_runs.set_defaults(handler=_from_runs)
    practice = data_actions.add_parser(
        "practice", help="practice tasks for evolve runs: a start, checks, a reference and a config each"
    )
    practice.add_argument("--count", type=int, required=True, help="how many tasks, the families taken in turn")
    practice.add_argument("--seed", type=int, default=0, help="the same seed writes the same tasks")
    practice.add_argument("--out", type=Path, required=True, help="the folder for one folder per task and goals.txt")
    practice.add_argument(
        "--family",
        action="append",
        default=None,
        metavar="NAME",
        help="only this family (repeatable): docstring, repair, constants, strings; default all",
    )
    practice.set_defaults(handler=_practice)
    command = subparsers.add_parser("mcp", help="training tools for agents (Model Context Protocol)")
    actions = command.add_subparsers(dest="mcp_command", required=True, metavar="ACTION")
    serve = actions.add_parser("serve", help="serve the training tools over stdio")
    serve.add_argument("--log-dir", default="runs/mcp", help="where each training session keeps its logs")
    serve.add_argument("--kg-index", default=None, help="a knowledge .index file for the knowledge_search tool")
    serve.add_argument("--lock-timeout", type=seconds, default=10.0, help="seconds a tool waits for a busy session")
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from tinkerer_plugin_tinker.mcp_server import serve

    check_writable_folder(Path(args.log_dir), "--log-dir")
    serve(args.log_dir, args.kg_index, args.lock_timeout)
    return 0


def _from_runs(args: argparse.Namespace) -> int:
    from tinkerer_plugin_tinker import experience

    exclude = experience.excluded_goals(args.exclude_goals) if args.exclude_goals else set()
    found = experience.from_runs(args.run_dirs, exclude)
    if not any(found.files().values()):
        raise ConfigError(
            f"RUN_DIR {' '.join(map(str, args.run_dirs))} gave no training rows; nothing was written to "
            f"--out {args.out}:\n{found.report()}"
        )
    check_writable_folder(args.out, "--out")
    experience.write(found, args.out)
    print(f"{found.report()}\nwritten to {args.out}")
    return 0


def _practice(args: argparse.Namespace) -> int:
    from tinkerer_plugin_tinker import practice

    families = args.family or tuple(practice.FAMILIES)
    practice.check_request(args.count, families)
    check_writable_folder(args.out, "--out")
    tasks = practice.generate(args.count, args.seed, families)
    practice.write(tasks, args.out)
    written = ", ".join(f"{n} {family}" for family, n in Counter(task.family for task in tasks).items())
    print(f"{len(tasks)} practice tasks ({written}) written to {args.out}")
    print(f"evolve one: tinkerer evolve {args.out / tasks[0].name / 'config.py'}")
    print(f"their goals, for --exclude-goals: {args.out / practice.GOALS_FILE}")
    return 0
