"""How many tokens a prompt may take: the model's context window minus the reply's tokens and a margin."""

from __future__ import annotations

import os

from tinkerer_core import LLM, is_small_model, models_of
from tinkerer_plugin_litellm.litellm_api import LOCAL_PREFIX, import_litellm

LOCAL_CTX_ENV = "TINKERER_LOCAL_LLM_CTX"  # the embedded engine's context (tinkerer-plugin-local-llm)
SMALL_CONTEXT = 2048  # small models whose window litellm does not know (e.g. served by llama.cpp)
DEFAULT_CONTEXT = 32_768
MARGIN_TOKENS = 64  # chat template tokens and estimation error
MIN_PROMPT_TOKENS = 256


def context_window(model: str) -> int:
    """The context window of ``model``, in tokens: litellm's figure, the local engine's, or a default by size."""
    if model.startswith(LOCAL_PREFIX):
        return int(os.environ.get(LOCAL_CTX_ENV, SMALL_CONTEXT))
    try:
        info = import_litellm().get_model_info(model)
        known = info.get("max_input_tokens") or info.get("max_tokens")
    except Exception:  # litellm raises for models it has no entry for
        known = None
    if known:
        return int(known)
    return SMALL_CONTEXT if is_small_model(model) else DEFAULT_CONTEXT


def prompt_budget(llm: LLM, reply_tokens: int, fixed_tokens: int) -> int:
    """Tokens left for the request in the smallest window among ``llm``'s models after the reply and fixed text."""
    window = min(context_window(model) for model in models_of(llm))
    return max(window - reply_tokens - fixed_tokens - MARGIN_TOKENS, MIN_PROMPT_TOKENS)
