"""Registers the web search providers with Tinkerer: ``ddgs``, ``tavily``, ``brave`` and ``openai``."""

from __future__ import annotations

from typing import Any

from tinkerer_core import hookimpl
from tinkerer_plugin_web_search.brave_search import BraveSearch
from tinkerer_plugin_web_search.ddgs_search import DuckDuckGoSearch
from tinkerer_plugin_web_search.openai_search import OpenAIWebSearch
from tinkerer_plugin_web_search.tavily_search import TavilySearch


@hookimpl
def tinkerer_register_web_search_providers(register: Any) -> None:
    """Register the keyless DuckDuckGo search, the Tavily and Brave APIs, and OpenAI's hosted web search."""
    register("ddgs", DuckDuckGoSearch)
    register("tavily", TavilySearch)
    register("brave", BraveSearch)
    register("openai", OpenAIWebSearch)
