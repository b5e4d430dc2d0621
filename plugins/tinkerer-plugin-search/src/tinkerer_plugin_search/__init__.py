"""Tinkerer search strategies: ``linear_search``, ``llm_tree_search`` and ``evolutionary``."""

from tinkerer_plugin_search.evolutionary import EvolutionarySearch
from tinkerer_plugin_search.linear import LinearSearch
from tinkerer_plugin_search.tree_search import LLMTreeSearch

__all__ = ["EvolutionarySearch", "LLMTreeSearch", "LinearSearch"]
