"""Registers the `modal` deployer with Tinkerer."""

from __future__ import annotations

from typing import Any

from tinkerer_core import hookimpl


@hookimpl
def tinkerer_register_deployers(register: Any) -> None:
    """Register the Modal deployer."""
    from tinkerer_plugin_modal.deployer import ModalDeployer

    register("modal", ModalDeployer)
