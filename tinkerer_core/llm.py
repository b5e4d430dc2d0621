"""The LLM interface every component calls; a plugin (``tinkerer-plugin-litellm``) provides it.

Components never import a provider SDK: they receive an ``LLM`` and call ``complete`` or
``complete_json``. Replies are parsed as data (JSON), never evaluated as code.
"""

from __future__ import annotations

import json
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import chz

from tinkerer_core.errors import TinkererError
from tinkerer_core.validation import Rule, a_path, at_least, not_empty, positive, warn_above

T = TypeVar("T")
Messages = Sequence[Mapping[str, str]]


_WEIGHTED_MODELS = Rule(
    "(model, weight) pairs, each with a model name and a weight greater than 0",
    test=lambda pairs: all(model.strip() and weight > 0 for model, weight in pairs),
)


@chz.chz
class LLMConfig:
    """Which model to call and how."""

    model: str = chz.field(
        default="local/smollm2-135m", validator=not_empty(), doc="a litellm model name, or local/<name>"
    )
    api_base: str | None = chz.field(default=None, validator=not_empty(), doc="an OpenAI-compatible server to call")
    temperature: float = chz.field(
        default=0.7,
        validator=[at_least(0), warn_above(2, "providers accept 0 to 2 (some only 0 to 1)")],
        doc="sampling temperature: 0 is greedy, higher is more varied",
    )
    max_tokens: int = chz.field(default=1024, validator=at_least(1), doc="the longest reply, in tokens")
    timeout_s: float = chz.field(default=120.0, validator=positive(), doc="seconds a call waits for the server's reply")
    connect_timeout_s: float = chz.field(
        default=10.0, validator=positive(), doc="seconds to connect to the model's server"
    )
    retries: int = chz.field(
        default=3, validator=at_least(0), doc="retries with backoff on rate limits and transient errors"
    )
    cache_dir: str | None = chz.field(
        default=None, validator=a_path(), doc="on-disk response cache: a re-run costs nothing"
    )
    ensemble: tuple[tuple[str, float], ...] = chz.field(
        default=(), validator=_WEIGHTED_MODELS, doc="(model, weight) pairs to sample from"
    )
    mock_responses: tuple[str, ...] = chz.field(default=(), doc="scripted replies, in order (tests, dry runs)")

    @property
    def models(self) -> list[str]:
        """The models a gateway may call: the ensemble's, else the one model."""
        return [model for model, _ in self.ensemble] or [self.model]


@dataclass(frozen=True)
class Completion:
    """One LLM reply and what it cost."""

    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    cost_known: bool = True  # False for local models and unknown prices: cost is 0 and flagged
    cached: bool = False
    duration_s: float = 0.0
    messages: Messages = ()  # the messages the reply answers: gateways set them so the run store keeps the text


class LLMError(TinkererError):
    """An LLM call failed; the message names the model and the cause, never a key."""


class LLMUnavailableError(LLMError):
    """The model could not be reached even after retries (rate limits, timeouts, outages).

    The engine counts it as the failure of one experiment, not the end of the run.
    """


class LLMFormatError(LLMError):
    """The model's reply could not be parsed into the requested structure."""


class LLMLedger:
    """Records every LLM call, and events about the replies; the run store subclasses this to persist them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Completion]] = []
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def record(self, purpose: str, completion: Completion) -> None:
        with self._lock:
            self.calls.append((purpose, completion))

    def log_event(self, kind: str, **data: Any) -> None:
        """Note what came of a reply (e.g. ``failure`` with a ``cause``); the engine stores it with the experiment."""
        with self._lock:
            self.events.append((kind, data))

    @property
    def total_cost(self) -> float:
        return sum(completion.cost for _, completion in self.calls)


class LLM(ABC):
    """A gateway to a language model, configured by ``config``, recording calls in ``ledger``.

    A gateway is built as ``cls(config, ledger)`` (what ``tinkerer_open_llm`` receives); ``with_model``
    builds its twin that way (override it for a gateway built otherwise)."""

    def __init__(self, config: LLMConfig, ledger: LLMLedger) -> None:
        self.config = config
        self.ledger = ledger

    @abstractmethod
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
        """Return the model's reply to ``messages``; ``purpose`` labels the call in the ledger."""

    def with_model(self, model: str | None = None, ensemble: Sequence[str] = ()) -> LLM:
        """The same settings and ledger with another model, or an equal-weight ensemble of models."""
        config = chz.replace(
            self.config,
            model=model or self.config.model,
            # a single model given replaces the run's ensemble; an ensemble given replaces both
            ensemble=tuple((name, 1.0) for name in ensemble) if ensemble else (() if model else self.config.ensemble),
        )
        return type(self)(config, self.ledger)

    def complete_json(
        self,
        messages: Messages,
        validate: Callable[[Any], T],
        *,
        purpose: str = "",
        attempts: int = 2,
        **options: Any,
    ) -> T:
        """Ask for JSON, parse it and pass it through ``validate``; re-ask once with the error."""
        history = list(messages)
        error = ""
        for _ in range(attempts):
            reply = self.complete(history, purpose=purpose, **options).text
            try:
                return validate(extract_json(reply))
            except (ValueError, TypeError, KeyError) as problem:
                error = str(problem)
                history = [
                    *history,
                    {"role": "assistant", "content": reply},
                    {"role": "user", "content": f"That reply was not valid ({error}). Answer with the JSON only."},
                ]
        raise LLMFormatError(f"the model's reply could not be parsed: {error}")


SMALL_MODEL_MARKERS = ("135m", "270m", "360m", "0.5b", "-1b", ":1b")


def is_small_model(model: str) -> bool:
    """Local and tiny models: they follow whole-file answers far better than edit formats, and need short prompts."""
    name = model.lower()
    return name.startswith("local/") or any(marker in name for marker in SMALL_MODEL_MARKERS)


def models_of(llm: LLM) -> list[str]:
    """The models ``llm``'s gateway may call (:attr:`LLMConfig.models`)."""
    return llm.config.models


def uses_small_model(llm: LLM) -> bool:
    """Whether any model the gateway may call is small (``is_small_model``): then all calls are kept simple."""
    return any(is_small_model(model) for model in models_of(llm))


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


def extract_json(text: str) -> Any:
    """The first JSON value in ``text``: a fenced block, or the first ``{...}`` / ``[...]`` that parses."""
    candidates = [match.group(1) for match in _FENCE.finditer(text)] + [text]
    decoder = json.JSONDecoder()
    for candidate in candidates:
        for start, char in enumerate(candidate):
            if char in "{[":
                try:
                    value, _ = decoder.raw_decode(candidate, start)
                    return value
                except json.JSONDecodeError:
                    continue
    raise ValueError("no JSON object found in the reply")
