"""Registers the litellm gateway and the ``llm_edit`` coding agent with Tinkerer."""

from __future__ import annotations

from typing import Any

from tinkerer_core import LLM, LLMConfig, LLMLedger, hookimpl
from tinkerer_plugin_litellm.agent import LLMEditAgent
from tinkerer_plugin_litellm.gateway import LiteLLMGateway


@hookimpl
def tinkerer_open_llm(config: LLMConfig, ledger: LLMLedger) -> LLM:
    """A litellm gateway for ``config`` that records every call in ``ledger``."""
    return LiteLLMGateway(config, ledger)


@hookimpl
def tinkerer_register_coding_agents(register: Any) -> None:
    """Register the ``llm_edit`` coding agent."""
    register("llm_edit", LLMEditAgent)
