"""Registers the ``aider`` coding agent and the command ``tinkerer aider setup``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tinkerer_core import hookimpl

if TYPE_CHECKING:
    import argparse


@hookimpl
def tinkerer_register_coding_agents(register: Any) -> None:
    """Register the ``aider`` coding agent."""
    from tinkerer_plugin_aider.agent import AiderAgent

    register("aider", AiderAgent)


@hookimpl
def tinkerer_register_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``tinkerer aider setup``: create aider's own virtual environment."""
    from tinkerer_plugin_aider.setup import add_arguments, cmd_setup

    command = subparsers.add_parser("aider", help="the aider coding agent")
    actions = command.add_subparsers(dest="aider_command", required=True, metavar="ACTION")
    setup_command = actions.add_parser(
        "setup", help="create aider's own virtual environment (python -m venv + pip install aider-chat)"
    )
    add_arguments(setup_command)
    setup_command.set_defaults(handler=cmd_setup)
