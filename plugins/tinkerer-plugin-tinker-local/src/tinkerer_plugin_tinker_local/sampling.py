"""Batched token sampling with a KV cache: temperature, top-k, top-p, seeds, stop tokens and strings, logprobs.

Several requests decode together (prompts left-padded), each with its own parameters and its own random
generator, so a request's samples do not depend on what else shared the batch. The returned logprobs are
the model's own (temperature 1) log-probabilities of the sampled tokens, the quantity a trainer compares
with its forward pass for importance sampling. The prompt's prefill also answers what a request asks of the
prompt: its tokens' logprobs (all, or the last N), the top-k at each position, the logprobs of named token
ids, and independent draws at each position; and each sampled token's top-k.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tinkerer_plugin_tinker_local.wire import PromptScores, Sequence

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
    topk_prompt: int = 0  # top-k per prompt position
    topk_sample: int = 0  # top-k per sampled position
    last_n: int | None = None  # score only the last N prompt tokens
    target_ids: np.ndarray | None = None  # [len(prompt) - 1, K] token ids to score, -1 for none
    alternatives: int = 0  # draws per prompt position

    @property
    def scores_prompt(self) -> bool:
        return bool(self.prompt_logprobs or self.topk_prompt or self.target_ids is not None or self.alternatives)


Result = tuple[list[Sequence], PromptScores]


class _Rows:
    """The batch's rows (one per sample) and, per request, which rows are its own."""

    def __init__(self, requests: list[SamplingRequest]) -> None:
        self.owner = [index for index, request in enumerate(requests) for _ in range(request.num_samples)]
        self.of_request = [
            [row for row, owner in enumerate(self.owner) if owner == index] for index in range(len(requests))
        ]
        self.tokens: list[list[int]] = [[] for _ in self.owner]
        self.logprobs: list[list[float]] = [[] for _ in self.owner]
        self.topk: list[list[tuple[list[int], list[float]]]] = [[] for _ in self.owner]
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
            _score_prompt(step.logits[rows.of_request[i][0]], request, generators[i])
            if request.scores_prompt
            else PromptScores()
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
        (
            [
                Sequence(
                    rows.tokens[row], rows.logprobs[row], rows.reasons[row] or "length", _topk_arrays(rows.topk[row])
                )
                for row in own
            ],
            scored[index],
        )
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
        if request.topk_sample:
            values, ids = log_distribution[row].topk(min(request.topk_sample, log_distribution.shape[-1]))
            rows.topk[row].append((ids.tolist(), values.tolist()))
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


def _topk_arrays(rows: list[tuple[list[int], list[float]]]) -> tuple[np.ndarray, np.ndarray] | None:
    if not rows:
        return None
    return np.array([ids for ids, _ in rows], dtype=np.int32), np.array([lps for _, lps in rows], dtype=np.float32)


def _score_prompt(logits: torch.Tensor, request: SamplingRequest, generator: torch.Generator) -> PromptScores:
    """What ``request`` asks of its prompt, from a (left-padded) row's prefill logits.

    Row ``i`` of the distribution predicts prompt token ``i + 1``; the first token is never scored. With
    ``last_n``, only the last N prompt positions get logprobs and top-k (the rest are NaN and sentinel rows).
    """
    import torch

    prompt = request.prompt
    own = logits[-len(prompt) : -1].float()
    distribution = torch.log_softmax(own, dim=-1)  # [P - 1, V]
    first_scored = len(prompt) - request.last_n if request.last_n else 1  # prompt position of the first score
    scores = PromptScores()
    if request.prompt_logprobs:
        scored = distribution.gather(1, torch.tensor(prompt[1:]).unsqueeze(1)).squeeze(1).tolist()
        scores.logprobs = [
            float("nan") if position < first_scored else value for position, value in enumerate([0.0, *scored])
        ]
    if request.topk_prompt:
        k = min(request.topk_prompt, distribution.shape[-1])
        values, ids = distribution.topk(k, dim=-1)
        token_ids = np.zeros((len(prompt), k), dtype=np.int32)
        logprobs = np.full((len(prompt), k), MASK_LOGPROB, dtype=np.float32)
        token_ids[first_scored:] = ids.numpy()[first_scored - 1 :]
        logprobs[first_scored:] = values.numpy()[first_scored - 1 :]
        scores.topk = (token_ids, logprobs)
    if request.target_ids is not None:
        wanted = torch.from_numpy(request.target_ids)
        picked = distribution.gather(1, wanted.clamp(min=0))
        scores.targets = torch.where(wanted >= 0, picked, torch.zeros_like(picked)).numpy().astype(np.float32)
    if request.alternatives:
        scaled = own / request.temperature if request.temperature > 0 else None
        if scaled is None:  # greedy: every draw is the most likely token
            drawn = distribution.argmax(dim=-1, keepdim=True).expand(-1, request.alternatives)
        else:
            drawn = torch.multinomial(torch.softmax(scaled, dim=-1), request.alternatives, True, generator=generator)
        scores.alternatives = (drawn.numpy().astype(np.int64), distribution.gather(1, drawn).numpy())
    return scores


MASK_LOGPROB = -99999.0  # the SDK's sentinel for an unscored top-k cell (tinker.types.topk_logprobs)
