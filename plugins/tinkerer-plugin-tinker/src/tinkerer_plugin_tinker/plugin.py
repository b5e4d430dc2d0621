"""Registers the Tinker trainers, the litellm provider ``tinker`` for trained checkpoints and ``tinkerer mcp``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinkerer_core import hookimpl
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
    """Add ``tinkerer mcp serve``: the training session as MCP tools over stdio."""
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
