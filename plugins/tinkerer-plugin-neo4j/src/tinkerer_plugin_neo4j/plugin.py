"""Registers this distribution's knowledge backend with Tinkerer."""

from __future__ import annotations

from typing import Any

from tinkerer_core import hookimpl
from tinkerer_plugin_neo4j.navigation import LLMNavigation


@hookimpl
def tinkerer_register_knowledge_backends(register: Any) -> None:
    """Register ``kg_llm_navigation``."""
    register("kg_llm_navigation", LLMNavigation)
