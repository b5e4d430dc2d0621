"""Registers this distribution's knowledge backend with Tinkerer."""

from __future__ import annotations

from typing import Any

from tinkerer_core import hookimpl
from tinkerer_plugin_weaviate.graph_search import GraphSearch


@hookimpl
def tinkerer_register_knowledge_backends(register: Any) -> None:
    """Register ``kg_graph_search``."""
    register("kg_graph_search", GraphSearch)
