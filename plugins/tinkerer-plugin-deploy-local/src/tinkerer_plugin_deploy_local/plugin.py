"""Registers the `local` deployer with Tinkerer."""

from __future__ import annotations

from typing import Any

from tinkerer_core import hookimpl


@hookimpl
def tinkerer_register_deployers(register: Any) -> None:
    """Register the local deployer."""
    from tinkerer_plugin_deploy_local.deployer import LocalDeployer

    register("local", LocalDeployer)
