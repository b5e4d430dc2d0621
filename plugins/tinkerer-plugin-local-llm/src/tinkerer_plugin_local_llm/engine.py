"""The in-process engine: one GGUF model loaded by llama.cpp's server code through ``xllamacpp``.

``xllamacpp.Server`` answers OpenAI-shaped request dicts from Python and also listens on HTTP at
127.0.0.1. Engines load lazily, once per process and settings (``get_engine``).
"""

from __future__ import annotations

import os
import queue
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from tinkerer_plugin_local_llm.models import DEFAULT_MODEL, LocalModelError, get_model, model_path

THREADS_ENV = "TINKERER_LOCAL_LLM_THREADS"
CTX_ENV = "TINKERER_LOCAL_LLM_CTX"
MAX_THREADS = 512  # llama.cpp's GGML_MAX_N_THREADS
MIN_CTX = 16  # llama.cpp aborts the process (SIGABRT) on a context of 1 token; below 16 no chat prompt fits


def check_threads(threads: int) -> None:
    """Refuse a thread count llama.cpp would abort on or fail to start (it is checked before the library sees it)."""
    if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= MAX_THREADS:
        raise LocalModelError(
            f"threads {threads!r} is out of range: give 1-{MAX_THREADS} CPU threads (--threads, ${THREADS_ENV})"
        )


@dataclass(frozen=True)
class EngineSettings:
    """Which local model to load and with how many CPU threads and tokens of context (0: the model's own).

    Checked when made: llama.cpp aborts the whole process on some values instead of raising.
    """

    model: str = DEFAULT_MODEL
    threads: int = 1
    ctx_size: int = 2048

    def __post_init__(self) -> None:
        local_model = get_model(self.model)
        check_threads(self.threads)
        trained = local_model.context_length
        if (
            isinstance(self.ctx_size, bool)
            or not isinstance(self.ctx_size, int)
            or not (self.ctx_size == 0 or MIN_CTX <= self.ctx_size <= trained)
        ):
            raise LocalModelError(
                f"ctx_size {self.ctx_size!r} is out of range for {self.model}: give 0 (the model's own {trained} "
                f"tokens) or {MIN_CTX}-{trained} (--ctx-size, ${CTX_ENV})"
            )

    @classmethod
    def from_env(cls, model: str = DEFAULT_MODEL) -> EngineSettings:
        """Settings for ``model`` with threads and context from ``TINKERER_LOCAL_LLM_THREADS`` / ``_CTX``."""
        return cls(model, _env_int(THREADS_ENV, 1), _env_int(CTX_ENV, 2048))


def _env_int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    try:
        return int(text) if text else default
    except ValueError:
        raise LocalModelError(f"${name} {text!r} is not a whole number: set it to one, or unset it") from None


class Engine:
    """A loaded local model answering OpenAI chat-completion requests (dicts in, dicts out)."""

    def __init__(self, settings: EngineSettings, *, port: int = 0, api_key: str | None = None) -> None:
        import xllamacpp

        local_model = get_model(settings.model)
        params = xllamacpp.CommonParams()
        params.model.path = str(model_path(settings.model))
        params.model_alias = {settings.model}
        params.n_ctx = settings.ctx_size
        params.cpuparams.n_threads = settings.threads
        params.cpuparams_batch.n_threads = settings.threads
        params.hostnames = ["127.0.0.1"]
        params.port = port
        params.api_keys = [api_key] if api_key else []
        # llama.cpp's defaults (a thread per core, an hour to send a request) let 17 stalled clients starve the
        # owner (0 of 10 requests answered, measured on 2 cores); with these, 10 of 10
        params.n_threads_http = 64
        params.timeout_read = 60
        params.verbosity = 0
        params.use_jinja = True  # the chat template's jinja: llama.cpp answers OpenAI tools with it
        if local_model.chat_template is not None:  # llama.cpp's jinja reads tool calls from the template's format
            params.chat_template = local_model.chat_template
        self.settings = settings
        try:
            self._server = xllamacpp.Server(params)
        except RuntimeError as error:  # llama.cpp says only "Failed to init server, please check the input params"
            raise LocalModelError(
                f"llama.cpp could not start {settings.model} with ctx_size {settings.ctx_size} and {settings.threads} "
                f"threads ({error}): free some memory or lower ctx_size, and check that port {port} is free"
            ) from None

    @property
    def url(self) -> str:
        """The engine's HTTP address, e.g. ``http://127.0.0.1:8080`` (OpenAI routes under ``/v1``)."""
        return self._server.listening_address

    def chat(self, request: dict[str, Any]) -> dict[str, Any]:
        """The ``chat.completion`` reply to an OpenAI chat request."""
        return _checked(self._call({**request, "stream": False}))

    def stream_chat(self, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """The ``chat.completion.chunk`` replies to ``request``, the last one carrying usage."""
        request = {**request, "stream": True, "stream_options": {"include_usage": True}}
        chunks: queue.Queue[Any] = queue.Queue()
        done = object()
        cancelled = threading.Event()

        def on_chunk(chunk: dict[str, Any]) -> bool:
            chunks.put(chunk)
            return cancelled.is_set()  # True stops generation

        def generate() -> None:
            try:
                chunks.put(self._call(request, on_chunk))
            except Exception as error:  # re-raised in the consumer's thread
                chunks.put(error)
            chunks.put(done)

        threading.Thread(target=generate, name="local-llm-stream", daemon=True).start()
        try:
            while (item := chunks.get()) is not done:
                if isinstance(item, Exception):
                    raise item
                if item is not None:
                    yield _checked(item)
        finally:
            cancelled.set()

    def _call(self, request: dict[str, Any], on_chunk: Callable[[dict[str, Any]], bool] | None = None) -> Any:
        try:
            if on_chunk is None:
                return self._server.handle_chat_completions(request)
            return self._server.handle_chat_completions(request, on_chunk)
        except ValueError as error:
            raise LocalModelError(f"local model {self.settings.model!r} rejected the request: {error}") from None


def _checked(reply: dict[str, Any]) -> dict[str, Any]:
    """``reply``, unless llama.cpp answered with an error object."""
    if "error" not in reply:
        return reply
    error = reply["error"] if isinstance(reply["error"], dict) else {"message": reply["error"]}
    message = f"local model error: {error.get('message')}"
    if error.get("type") == "exceed_context_size_error":
        message += f" (set ${CTX_ENV} or ctx_size)"
    raise LocalModelError(message)


_engines: dict[EngineSettings, Engine] = {}
_engines_lock = threading.Lock()


def get_engine(settings: EngineSettings) -> Engine:
    """The process-wide engine for ``settings``, loaded on first use (thread-safe).

    Its HTTP side requires a random API key, so only this process can use it.
    """
    with _engines_lock:
        if settings not in _engines:
            _engines[settings] = Engine(settings, api_key=secrets.token_urlsafe(24))
        return _engines[settings]
