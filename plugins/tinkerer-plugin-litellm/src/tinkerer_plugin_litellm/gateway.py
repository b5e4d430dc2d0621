"""The LLM gateway: litellm calls with retries, costs, a response cache, ensembles and scripted replies."""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from pathlib import Path
from typing import Any

from tinkerer_core import LLM, Completion, LLMConfig, LLMLedger, LLMUnavailableError, Messages
from tinkerer_plugin_litellm.cache import ResponseCache, cache_key
from tinkerer_plugin_litellm.errors import LLMCallError, describe
from tinkerer_plugin_litellm.keys import load_env_file
from tinkerer_plugin_litellm.litellm_api import (
    cost_of,
    import_litellm,
    is_retryable,
    missing_key_hint,
    require_provider,
)


@dataclasses.dataclass(frozen=True)
class Request:
    """One call, with the config's defaults filled in and the model chosen."""

    model: str
    api_base: str | None
    messages: list[dict[str, str]]
    temperature: float
    max_tokens: int
    seed: int | None
    reasoning_effort: str | None

    def key(self) -> str:
        return cache_key(
            self.model,
            self.api_base,
            self.messages,
            self.temperature,
            self.max_tokens,
            self.seed,
            self.reasoning_effort,
        )


class LiteLLMGateway(LLM):
    """Calls any litellm model; thread-safe, records every call (cached ones too) in the ledger."""

    backoff_base_s: float = 1.0  # the first retry waits about this long, then it doubles
    backoff_max_s: float = 30.0

    def __init__(self, config: LLMConfig, ledger: LLMLedger, *, backoff_base_s: float | None = None) -> None:
        self.config = config
        self.ledger = ledger
        if backoff_base_s is not None:
            self.backoff_base_s = backoff_base_s
        self.cache = ResponseCache(Path(config.cache_dir)) if config.cache_dir else None
        self.calls = 0  # litellm calls made, retries included (scripted reply i goes to call i)
        self._models, self._weights = _ensemble(config)
        self._rng = random.Random()
        self._lock = threading.Lock()
        load_env_file(Path.cwd() / ".env")

    def complete(
        self,
        messages: Messages,
        *,
        purpose: str = "",
        temperature: float | None = None,
        max_tokens: int | None = None,
        seed: int | None = None,
        reasoning_effort: str | None = None,
    ) -> Completion:
        """The model's reply, from the cache when it holds one; recorded in the ledger under ``purpose``."""
        request = Request(
            model=self._pick_model(seed),
            api_base=self.config.api_base,
            messages=[dict(message) for message in messages],
            temperature=self.config.temperature if temperature is None else temperature,
            max_tokens=self.config.max_tokens if max_tokens is None else max_tokens,
            seed=seed,
            reasoning_effort=reasoning_effort,
        )
        key = request.key()
        cached = self.cache.get(key) if self.cache else None
        if cached is not None:
            completion = dataclasses.replace(cached, cost=0.0, cached=True, duration_s=0.0)
        else:
            completion = self._call_with_retries(request)
            if self.cache:
                self.cache.put(key, completion)
        completion = dataclasses.replace(completion, messages=tuple(request.messages))
        self.ledger.record(purpose, completion)
        return completion

    def _pick_model(self, seed: int | None) -> str:
        if not self._models:
            return self.config.model
        if seed is not None:
            return random.Random(seed).choices(self._models, self._weights)[0]
        with self._lock:
            return self._rng.choices(self._models, self._weights)[0]

    def _call_with_retries(self, request: Request) -> Completion:
        require_provider(request.model)
        attempts = max(self.config.retries, 0) + 1
        attempt = 1
        while True:
            try:
                return self._call(request)
            except Exception as error:
                if not is_retryable(error):
                    raise LLMCallError(
                        describe(request.model, error) + missing_key_hint(request.model, error)
                    ) from None
                if attempt == attempts:
                    raise LLMUnavailableError(
                        f"gave up after {attempts} attempts: {describe(request.model, error)}"
                        + self._timeout_hint(request, error)
                    ) from None
            time.sleep(self._backoff(attempt))
            attempt += 1

    def _timeout_hint(self, request: Request, error: BaseException) -> str:
        """For a timeout: where the model was called and the limits it hit, and what to check; else empty."""
        if not isinstance(error, import_litellm().Timeout):
            return ""
        where = request.api_base or "the provider's default endpoint"
        return (
            f"; {where} did not answer within llm.timeout_s={self.config.timeout_s:g} s "
            f"(connecting: llm.connect_timeout_s={self.config.connect_timeout_s:g} s). Check that the server runs "
            "and serves this model, or raise llm.timeout_s for a slow model"
        )

    def _timeout(self) -> Any:
        """The call's limits: ``timeout_s`` for the whole request, ``connect_timeout_s`` to connect."""
        import httpx

        total = self.config.timeout_s
        return httpx.Timeout(total, connect=min(self.config.connect_timeout_s, total))

    def _backoff(self, attempt: int) -> float:
        delay = min(self.backoff_base_s * 2 ** (attempt - 1), self.backoff_max_s)
        with self._lock:
            return delay * (0.5 + self._rng.random())  # jitter: 0.5x to 1.5x

    def _call(self, request: Request) -> Completion:
        options: dict[str, Any] = {"seed": request.seed} if request.seed is not None else {}
        if request.reasoning_effort is not None:
            options["reasoning_effort"] = request.reasoning_effort
        with self._lock:
            index = self.calls
            self.calls += 1
        if self.config.mock_responses:
            options["mock_response"] = self.config.mock_responses[index % len(self.config.mock_responses)]
        litellm = import_litellm()
        started = time.monotonic()
        response = litellm.completion(
            model=request.model,
            messages=request.messages,
            api_base=request.api_base,
            temperature=request.temperature,
            max_tokens=request.max_tokens,
            timeout=self._timeout(),
            max_retries=0,  # the gateway retries, with backoff
            drop_params=True,  # a model that lacks e.g. seed or reasoning_effort ignores it instead of failing
            **options,
        )
        cost, cost_known = cost_of(response, request.model)
        usage = getattr(response, "usage", None)
        return Completion(
            text=response.choices[0].message.content or "",
            model=request.model,
            prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
            cost=cost,
            cost_known=cost_known,
            duration_s=time.monotonic() - started,
        )


def _ensemble(config: LLMConfig) -> tuple[list[str], list[float]]:
    """The ensemble's models and weights (``LLMConfig`` checked that each weight is above 0)."""
    return [model for model, _ in config.ensemble], [float(weight) for _, weight in config.ensemble]
