"""Registers the ``ray`` executor (Ray itself is imported only when a run starts)."""

from __future__ import annotations

from typing import Any

from tinkerer_core import hookimpl


@hookimpl
def tinkerer_register_executors(register: Any) -> None:
    """Register ``ray``."""
    from tinkerer_plugin_ray.executor import RayExecutor

    register("ray", RayExecutor)
