"""Registers the ``openhands`` coding agent and the command ``tinkerer openhands setup``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tinkerer_core import hookimpl

if TYPE_CHECKING:
    import argparse


@hookimpl
def tinkerer_register_coding_agents(register: Any) -> None:
    """Register the ``openhands`` coding agent."""
    from tinkerer_plugin_openhands.agent import OpenHandsAgent

    register("openhands", OpenHandsAgent)


@hookimpl
def tinkerer_register_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``tinkerer openhands setup``: create OpenHands' own virtual environment."""
    from tinkerer_plugin_openhands.setup import add_arguments, cmd_setup

    command = subparsers.add_parser("openhands", help="the OpenHands coding agent")
    actions = command.add_subparsers(dest="openhands_command", required=True, metavar="ACTION")
    setup_command = actions.add_parser(
        "setup", help="create OpenHands' own virtual environment (Python 3.12+ venv + pip install openhands-sdk)"
    )
    add_arguments(setup_command)
    setup_command.set_defaults(handler=cmd_setup)
