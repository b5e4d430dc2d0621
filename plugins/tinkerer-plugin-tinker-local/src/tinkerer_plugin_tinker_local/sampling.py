"""Token sampling with a KV cache: temperature, top-k, top-p, seeds, stop tokens and stop strings, logprobs.

The returned logprobs are the model's own (temperature 1) log-probabilities of the sampled tokens, the
quantity a trainer compares with its forward pass for importance sampling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tinkerer_plugin_tinker_local.wire import Sequence

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class Stops:
    """When a sequence ends: on any of ``tokens``, or once its text contains any of ``strings``."""

    tokens: frozenset[int]
    strings: tuple[str, ...]

    @classmethod
    def parse(cls, stop: Any, eos_token_id: int | None) -> Stops:
        """From ``SamplingParams.stop``: None means end of sequence, ``[]`` means never stop early."""
        if stop is None:
            return cls(frozenset(() if eos_token_id is None else (eos_token_id,)), ())
        if isinstance(stop, str):
            return cls(frozenset(), (stop,))
        items = list(stop)
        return cls(
            frozenset(item for item in items if isinstance(item, int)),
            tuple(item for item in items if isinstance(item, str)),
        )


@dataclass(frozen=True)
class SamplingRequest:
    """What one sample call asks for."""

    prompt: list[int]
    num_samples: int
    max_tokens: int
    temperature: float
    top_k: int
    top_p: float
    seed: int | None
    stops: Stops
    prompt_logprobs: bool


def sample(model: Any, tokenizer: Any, request: SamplingRequest) -> tuple[list[Sequence], list[float] | None]:
    """Sample ``num_samples`` continuations of the prompt in one batch, reusing the prompt's KV cache."""
    import torch

    generator = torch.Generator().manual_seed(request.seed if request.seed is not None else torch.seed())
    prompt = torch.tensor([request.prompt], dtype=torch.long)
    with torch.no_grad():
        prefill = model(input_ids=prompt, use_cache=True)
        prompt_logprobs = _prompt_logprobs(prefill.logits[0], request.prompt) if request.prompt_logprobs else None
        cache = prefill.past_key_values
        if request.num_samples > 1:
            cache.batch_repeat_interleave(request.num_samples)
        logits = prefill.logits[:, -1, :].expand(request.num_samples, -1)
        tokens: list[list[int]] = [[] for _ in range(request.num_samples)]
        logprobs: list[list[float]] = [[] for _ in range(request.num_samples)]
        reasons: list[str | None] = [None] * request.num_samples
        for _ in range(request.max_tokens):
            log_distribution = torch.log_softmax(logits.float(), dim=-1)
            chosen = _choose(logits, request, generator)
            for row, token in enumerate(chosen.tolist()):
                if reasons[row] is not None:
                    continue
                tokens[row].append(token)
                logprobs[row].append(float(log_distribution[row, token]))
                if _stopped(tokens[row], token, request.stops, tokenizer):
                    reasons[row] = "stop"
            if all(reason is not None for reason in reasons):
                break
            step = model(input_ids=chosen.unsqueeze(1), past_key_values=cache, use_cache=True)
            cache, logits = step.past_key_values, step.logits[:, -1, :]
    sequences = [Sequence(tokens[row], logprobs[row], reasons[row] or "length") for row in range(request.num_samples)]
    return sequences, prompt_logprobs


def _choose(logits: torch.Tensor, request: SamplingRequest, generator: torch.Generator) -> torch.Tensor:
    import torch

    if request.temperature <= 0:
        return logits.argmax(dim=-1)
    scaled = logits.float() / request.temperature
    if request.top_k > 0:
        kth = torch.topk(scaled, min(request.top_k, scaled.shape[-1]), dim=-1).values[:, -1:]
        scaled = scaled.masked_fill(scaled < kth, float("-inf"))
    if request.top_p < 1:
        ordered, order = torch.sort(scaled, descending=True, dim=-1)
        cumulative = torch.softmax(ordered, dim=-1).cumsum(dim=-1)
        drop = cumulative - torch.softmax(ordered, dim=-1) > request.top_p
        scaled = scaled.scatter(-1, order, ordered.masked_fill(drop, float("-inf")))
    return torch.multinomial(torch.softmax(scaled, dim=-1), 1, generator=generator).squeeze(1)


def _stopped(tokens: list[int], token: int, stops: Stops, tokenizer: Any) -> bool:
    if token in stops.tokens:
        return True
    if not stops.strings:
        return False
    tail = tokenizer.decode(tokens[-32:])
    return any(stop in tail for stop in stops.strings)


def _prompt_logprobs(logits: torch.Tensor, prompt: list[int]) -> list[float]:
    import torch

    log_distribution = torch.log_softmax(logits[:-1].float(), dim=-1)
    scored = log_distribution.gather(1, torch.tensor(prompt[1:]).unsqueeze(1)).squeeze(1)
    return [float("nan"), *scored.tolist()]
