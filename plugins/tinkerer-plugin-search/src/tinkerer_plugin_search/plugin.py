"""Registers the search strategies of this distribution with Tinkerer."""

from __future__ import annotations

from typing import Any

from tinkerer_core import hookimpl


@hookimpl
def tinkerer_register_search_strategies(register: Any) -> None:
    """Register ``linear_search``, ``llm_tree_search`` and ``evolutionary``."""
    from tinkerer_plugin_search.evolutionary import EvolutionarySearch
    from tinkerer_plugin_search.linear import LinearSearch
    from tinkerer_plugin_search.tree_search import LLMTreeSearch

    register("linear_search", LinearSearch)
    register("llm_tree_search", LLMTreeSearch)
    register("evolutionary", EvolutionarySearch)
