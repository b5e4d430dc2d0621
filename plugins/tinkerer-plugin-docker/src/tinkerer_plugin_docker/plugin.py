"""Registers the `docker` deployer with Tinkerer."""

from __future__ import annotations

from typing import Any

from tinkerer_core import hookimpl


@hookimpl
def tinkerer_register_deployers(register: Any) -> None:
    """Register the Docker deployer."""
    from tinkerer_plugin_docker.deployer import DockerDeployer

    register("docker", DockerDeployer)
