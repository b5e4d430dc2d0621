"""Registers the litellm provider ``local`` for ``local/`` models, and the command ``tinkerer local-llm serve``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkerer_core import hookimpl

if TYPE_CHECKING:
    import argparse

    from tinkerer_core import LLMConfig, LLMLedger


@hookimpl(tryfirst=True)
def tinkerer_open_llm(config: LLMConfig, ledger: LLMLedger) -> None:
    """Register provider ``local`` for ``local/...`` models, then return None so the gateway plugin answers."""
    if any(model.startswith("local/") for model in config.models):
        from tinkerer_plugin_local_llm.provider import register_local_provider

        register_local_provider(replace=False)


@hookimpl
def tinkerer_register_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``tinkerer local-llm serve``: the local model over OpenAI-compatible HTTP on 127.0.0.1."""
    from tinkerer_plugin_local_llm.server import add_arguments, serve  # neither litellm nor llama.cpp

    command = subparsers.add_parser("local-llm", help="the embedded local model")
    actions = command.add_subparsers(dest="local_llm_command", required=True, metavar="ACTION")
    serve_command = actions.add_parser(
        "serve", help="serve a local model over OpenAI-compatible HTTP on 127.0.0.1 until Ctrl-C"
    )
    add_arguments(serve_command)
    serve_command.set_defaults(handler=serve)
