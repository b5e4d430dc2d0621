"""Tinkerer's embedded default LLM: small GGUF models run by llama.cpp (``xllamacpp``), no key, no service.

In-process through litellm as ``local/<model>`` (``register_local_provider``), or over HTTP for agents
that run in their own process (``LocalModelServer``). Importing this package loads neither litellm nor
llama.cpp.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tinkerer_plugin_local_llm.launcher import LocalModelServer
from tinkerer_plugin_local_llm.models import DEFAULT_MODEL, MODELS, LocalModelError, model_path
from tinkerer_plugin_local_llm.shared import shared_server, stop_shared_servers

if TYPE_CHECKING:
    from tinkerer_plugin_local_llm.provider import register_local_provider


def __getattr__(name: str) -> Any:
    """``register_local_provider`` imports litellm, so it is imported on first access."""
    if name == "register_local_provider":
        from tinkerer_plugin_local_llm.provider import register_local_provider

        return register_local_provider
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "LocalModelError",
    "LocalModelServer",
    "model_path",
    "register_local_provider",
    "shared_server",
    "stop_shared_servers",
]
