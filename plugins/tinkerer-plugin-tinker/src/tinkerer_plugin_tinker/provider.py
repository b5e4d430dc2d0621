"""The litellm custom provider ``tinker``: ``llm.model=tinker/runs/sft`` evolves with a model Tinkerer trained.

The model after ``tinker/`` is a training run's directory or a ``tinker://.../sampler_weights/NAME`` path (see
:mod:`tinkerer_plugin_tinker.checkpoint_model`). Each checkpoint is opened once per process, on first use.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import threading
from contextlib import ExitStack
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch litellm's price map

import litellm
from litellm import CustomLLM
from litellm.llms.custom_llm import CustomLLMError

from tinkerer_core import TinkererError
from tinkerer_plugin_tinker.checkpoint_model import CheckpointModel, resolve

PROVIDER = "tinker"
DEFAULT_MAX_TOKENS = 1024


class TinkerProvider(CustomLLM):
    """Answers litellm calls for ``tinker/<checkpoint>`` by sampling the checkpoint through the tinker SDK."""

    def __init__(self) -> None:
        super().__init__()
        self._models: dict[str, CheckpointModel] = {}
        self._lock = threading.Lock()
        self._resources = ExitStack()  # the endpoints and local servers the models sample on
        atexit.register(self._resources.close)

    def model(self, name: str) -> CheckpointModel:
        """The opened checkpoint ``name`` (what follows ``tinker/``)."""
        with self._lock:
            if name not in self._models:
                self._models[name] = CheckpointModel(resolve(name), self._resources)
            return self._models[name]

    # litellm calls a custom handler with keyword arguments only: this takes the ones it uses by name
    def completion(  # type: ignore[override]
        self, model: str, messages: list, *args: Any, optional_params: dict, **kwargs: Any
    ) -> litellm.ModelResponse:
        """One chat completion sampled from the checkpoint, with usage tokens."""
        max_tokens = int(optional_params.get("max_tokens") or DEFAULT_MAX_TOKENS)
        try:
            text, prompt_tokens, reply_tokens = self.model(model).chat(
                messages, max_tokens, float(optional_params.get("temperature", 1.0)), optional_params.get("seed")
            )
        except TinkererError as error:
            raise CustomLLMError(status_code=400, message=str(error)) from error
        return litellm.ModelResponse(
            model=f"{PROVIDER}/{model}",
            choices=[
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "length" if reply_tokens >= max_tokens else "stop",
                }
            ],
            usage={
                "prompt_tokens": prompt_tokens,
                "completion_tokens": reply_tokens,
                "total_tokens": prompt_tokens + reply_tokens,
            },
        )

    async def acompletion(self, *args: Any, **kwargs: Any) -> litellm.ModelResponse:
        """``completion`` in a worker thread."""
        return await asyncio.to_thread(self.completion, *args, **kwargs)


def register_tinker_provider() -> None:
    """Make litellm route ``tinker/<checkpoint>`` to :class:`TinkerProvider` (once per process)."""
    if any(item["provider"] == PROVIDER for item in litellm.custom_provider_map):
        return
    litellm.custom_provider_map = [
        *litellm.custom_provider_map,
        {"provider": PROVIDER, "custom_handler": TinkerProvider()},
    ]
