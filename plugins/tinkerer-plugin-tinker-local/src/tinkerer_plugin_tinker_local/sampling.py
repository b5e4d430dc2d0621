"""Batched token sampling with a KV cache: temperature, top-k, top-p, seeds, stop tokens and strings, logprobs.

Several requests decode together (prompts left-padded), each with its own parameters and its own random
generator, so a request's samples do not depend on what else shared the batch. The returned logprobs are
the model's own (temperature 1) log-probabilities of the sampled tokens, the quantity a trainer compares
with its forward pass for importance sampling.
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


Result = tuple[list[Sequence], list[float] | None]


class _Rows:
    """The batch's rows (one per sample) and, per request, which rows are its own."""

    def __init__(self, requests: list[SamplingRequest]) -> None:
        self.owner = [index for index, request in enumerate(requests) for _ in range(request.num_samples)]
        self.of_request = [
            [row for row, owner in enumerate(self.owner) if owner == index] for index in range(len(requests))
        ]
        self.tokens: list[list[int]] = [[] for _ in self.owner]
        self.logprobs: list[list[float]] = [[] for _ in self.owner]
        self.reasons: list[str | None] = [None] * len(self.owner)


def sample(model: Any, tokenizer: Any, requests: list[SamplingRequest], pad_token_id: int = 0) -> list[Result]:
    """Decode every request's samples in one batch; one (sequences, prompt logprobs) result per request."""
    import torch

    rows = _Rows(requests)
    generators = [torch.Generator().manual_seed(r.seed if r.seed is not None else torch.seed()) for r in requests]
    prompts = [requests[owner].prompt for owner in rows.owner]
    width = max(len(prompt) for prompt in prompts)
    input_ids = torch.tensor([[pad_token_id] * (width - len(p)) + p for p in prompts], dtype=torch.long)
    mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts], dtype=torch.long)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    longest = max(request.max_tokens for request in requests)
    with torch.no_grad():
        step = model(input_ids=input_ids, attention_mask=mask, position_ids=positions, use_cache=True)
        scored = [
            _prompt_logprobs(step.logits[rows.of_request[i][0]], request.prompt) if request.prompt_logprobs else None
            for i, request in enumerate(requests)
        ]
        cache, logits, position = step.past_key_values, step.logits[:, -1, :], positions[:, -1]
        for produced in range(longest):
            log_distribution = torch.log_softmax(logits.float(), dim=-1)
            chosen = torch.zeros(len(rows.owner), dtype=torch.long)
            for index, request in enumerate(requests):
                if produced < request.max_tokens:
                    own = rows.of_request[index]
                    chosen[own] = _choose(logits[own], request, generators[index])
            _record(rows, requests, chosen, log_distribution, produced, tokenizer)
            if all(reason is not None for reason in rows.reasons):
                break
            mask = torch.cat([mask, torch.ones(len(rows.owner), 1, dtype=torch.long)], dim=1)
            position = position + 1
            step = model(
                input_ids=chosen.unsqueeze(1),
                attention_mask=mask,
                position_ids=position.unsqueeze(1),
                past_key_values=cache,
                use_cache=True,
            )
            cache, logits = step.past_key_values, step.logits[:, -1, :]
    return [
        ([Sequence(rows.tokens[row], rows.logprobs[row], rows.reasons[row] or "length") for row in own], scored[index])
        for index, own in enumerate(rows.of_request)
    ]


def _record(
    rows: _Rows,
    requests: list[SamplingRequest],
    chosen: torch.Tensor,
    log_distribution: torch.Tensor,
    produced: int,
    tokenizer: Any,
) -> None:
    for row, token in enumerate(chosen.tolist()):
        if rows.reasons[row] is not None:
            continue
        request = requests[rows.owner[row]]
        rows.tokens[row].append(token)
        rows.logprobs[row].append(float(log_distribution[row, token]))
        if _stopped(rows.tokens[row], token, request.stops, tokenizer):
            rows.reasons[row] = "stop"
        elif produced + 1 >= request.max_tokens:
            rows.reasons[row] = "length"


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
        probabilities = torch.softmax(ordered, dim=-1)
        drop = probabilities.cumsum(dim=-1) - probabilities > request.top_p
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
    """Logprobs of each prompt token after the first, from a (left-padded) row's prefill logits."""
    import torch

    own = logits[-len(prompt) : -1].float()
    scored = torch.log_softmax(own, dim=-1).gather(1, torch.tensor(prompt[1:]).unsqueeze(1)).squeeze(1)
    return [float("nan"), *scored.tolist()]
