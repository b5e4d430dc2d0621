"""Registers the litellm provider ``local`` whenever Tinkerer opens an LLM gateway for a ``local/`` model."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkerer_core.hookspecs import hookimpl

if TYPE_CHECKING:
    from tinkerer_core.llm import LLMConfig, LLMLedger


@hookimpl(tryfirst=True)
def tinkerer_open_llm(config: LLMConfig, ledger: LLMLedger) -> None:
    """Register provider ``local`` for ``local/...`` models, then return None so the gateway plugin answers."""
    models = [config.model, *(model for model, _ in config.ensemble)]
    if any(model.startswith("local/") for model in models):
        from tinkerer_plugin_local_llm.provider import register_local_provider

        register_local_provider(replace=False)
