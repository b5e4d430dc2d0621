"""The litellm custom provider ``local``: ``litellm.completion(model="local/smollm2-135m", ...)`` runs in-process."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch litellm's price map

import litellm
from litellm import CustomLLM
from litellm.llms.custom_llm import CustomLLMError
from litellm.types.utils import GenericStreamingChunk

from tinkerer_plugin_local_llm.engine import Engine, EngineSettings, check_threads, get_engine
from tinkerer_plugin_local_llm.models import LocalModelError

if TYPE_CHECKING:
    from litellm.types.llms.openai import ChatCompletionUsageBlock

PROVIDER = "local"


class LocalProvider(CustomLLM):
    """Answers litellm calls for ``local/<model>`` with the embedded engine (threads and context per instance)."""

    def __init__(self, threads: int | None = None, ctx_size: int | None = None) -> None:
        super().__init__()
        if threads is not None:
            check_threads(threads)
        self.threads = threads
        self.ctx_size = ctx_size

    def engine(self, model: str) -> Engine:
        """The loaded engine for ``model`` (a local model name, without the ``local/`` prefix)."""
        try:
            settings = EngineSettings.from_env(model)
            settings = EngineSettings(model, self.threads or settings.threads, self.ctx_size or settings.ctx_size)
            return get_engine(settings)
        except LocalModelError as error:
            raise CustomLLMError(status_code=404, message=str(error)) from error

    # litellm calls a custom handler with keyword arguments only: these take the ones they use by name
    def completion(  # type: ignore[override]
        self, model: str, messages: list, *args: Any, optional_params: dict, **kwargs: Any
    ) -> litellm.ModelResponse:
        """One chat completion, with usage tokens."""
        try:
            reply = self.engine(model).chat(_request(messages, optional_params))
        except LocalModelError as error:
            raise CustomLLMError(status_code=400, message=str(error)) from error
        return litellm.ModelResponse(
            id=reply.get("id"),
            created=reply.get("created"),
            model=model,
            choices=reply["choices"],
            usage=_usage(reply),
        )

    def streaming(  # type: ignore[override]  # keywords only, as completion
        self, model: str, messages: list, *args: Any, optional_params: dict, **kwargs: Any
    ) -> Iterator[GenericStreamingChunk]:
        """The reply as text chunks; the last one carries the finish reason and usage."""
        finish_reason = ""
        try:
            for chunk in self.engine(model).stream_chat(_request(messages, optional_params)):
                for choice in chunk.get("choices", ()):
                    finish_reason = choice.get("finish_reason") or finish_reason
                    text = choice.get("delta", {}).get("content")
                    if text:
                        yield _chunk(text)
                if "usage" in chunk:
                    yield _chunk("", finished=True, finish_reason=finish_reason or "stop", usage=_usage(chunk))
        except LocalModelError as error:
            raise CustomLLMError(status_code=400, message=str(error)) from error

    async def acompletion(self, *args: Any, **kwargs: Any) -> litellm.ModelResponse:
        """``completion`` in a worker thread."""
        return await asyncio.to_thread(self.completion, *args, **kwargs)

    # CustomLLM declares astreaming as a coroutine returning an iterator; litellm iterates it (an async generator)
    async def astreaming(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> AsyncIterator[GenericStreamingChunk]:
        """``streaming``, each chunk fetched in a worker thread."""
        chunks = self.streaming(*args, **kwargs)
        while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:  # a chunk is a dict, never None
            yield chunk


def _request(messages: list, optional_params: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI chat request for llama.cpp: sampling options pass through (temperature, seed, stop ...)."""
    options = {key: value for key, value in optional_params.items() if key not in ("stream", "stream_options")}
    return {**options, "messages": messages}


def _usage(reply: dict[str, Any]) -> ChatCompletionUsageBlock:
    usage = reply.get("usage") or {}
    return {
        "prompt_tokens": int(usage.get("prompt_tokens", 0)),
        "completion_tokens": int(usage.get("completion_tokens", 0)),
        "total_tokens": int(usage.get("total_tokens", 0)),
    }


def _chunk(
    text: str, *, finished: bool = False, finish_reason: str = "", usage: ChatCompletionUsageBlock | None = None
) -> GenericStreamingChunk:
    return {"text": text, "is_finished": finished, "finish_reason": finish_reason, "usage": usage, "index": 0}


def register_local_provider(threads: int | None = None, ctx_size: int | None = None, *, replace: bool = True) -> None:
    """Make litellm route ``local/<model>`` to the embedded engine; ``replace=False`` keeps an existing ``local``.

    ``threads`` and ``ctx_size`` default to ``TINKERER_LOCAL_LLM_THREADS`` (1) and ``TINKERER_LOCAL_LLM_CTX`` (2048).
    """
    registered = [item for item in litellm.custom_provider_map if item["provider"] == PROVIDER]
    if registered and not replace:
        return
    others = [item for item in litellm.custom_provider_map if item["provider"] != PROVIDER]
    handler = LocalProvider(threads, ctx_size)
    litellm.custom_provider_map = [*others, {"provider": PROVIDER, "custom_handler": handler}]
