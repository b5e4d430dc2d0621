"""The Tinker loss functions, per datum, as sums over tokens (the service sums; callers weight by token).

Each takes the new per-token logprobs of the target tokens (with gradient), the datum's loss inputs and the
request's loss config, and returns the datum's scalar loss. Definitions follow the Tinker docs' loss page;
``gspo`` follows the GSPO paper (arXiv 2507.18071). ``cross_entropy`` also takes 2-D targets (``[T, K]`` token
ids with ``[T, K]`` weights, as top-k distillation sends soft targets): the weighted sum over all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from tinkerer_core import TinkererError

if TYPE_CHECKING:
    import torch

Loss = Callable[["torch.Tensor", Mapping[str, "torch.Tensor"], Mapping[str, float | str]], "torch.Tensor"]


class LossError(TinkererError):
    """A loss function that does not exist, or inputs it cannot use."""


def _require(inputs: Mapping[str, torch.Tensor], loss: str, *names: str) -> list[torch.Tensor]:
    missing = [name for name in names if name not in inputs]
    if missing:
        raise LossError(f"loss {loss!r} needs loss_fn_inputs {', '.join(names)}; missing: {', '.join(missing)}")
    return [inputs[name] for name in names]


def cross_entropy(logprobs: torch.Tensor, inputs: Mapping[str, torch.Tensor], _config: Mapping) -> torch.Tensor:
    """Weighted negative log-likelihood: ``-(weights * logprobs).sum()`` (weights default to 1)."""
    weights = inputs.get("weights")
    return -(logprobs if weights is None else logprobs * weights).sum()


def importance_sampling(logprobs: torch.Tensor, inputs: Mapping[str, torch.Tensor], _config: Mapping) -> torch.Tensor:
    """Policy gradient corrected for the sampler: ``-(exp(new - old) * advantages).sum()``."""
    old, advantages = _require(inputs, "importance_sampling", "logprobs", "advantages")
    return -(_ratio(logprobs, old) * advantages).sum()


def ppo(logprobs: torch.Tensor, inputs: Mapping[str, torch.Tensor], config: Mapping) -> torch.Tensor:
    """Clipped surrogate: ``-min(r * A, clip(r, low, high) * A).sum()``; thresholds default to 0.8 and 1.2."""
    import torch

    old, advantages = _require(inputs, "ppo", "logprobs", "advantages")
    ratio = _ratio(logprobs, old)
    low, high = _thresholds(inputs, config, ratio)
    clipped = torch.clamp(ratio, low, high)
    return -torch.minimum(ratio * advantages, clipped * advantages).sum()


def cispo(logprobs: torch.Tensor, inputs: Mapping[str, torch.Tensor], config: Mapping) -> torch.Tensor:
    """Clipped importance-sampling policy optimisation: ``-(sg(clip(r)) * A * logprobs).sum()``."""
    import torch

    old, advantages = _require(inputs, "cispo", "logprobs", "advantages")
    ratio = _ratio(logprobs, old)
    low, high = _thresholds(inputs, config, ratio)
    weight = torch.clamp(ratio, low, high).detach()
    return -(weight * advantages * logprobs).sum()


def dro(logprobs: torch.Tensor, inputs: Mapping[str, torch.Tensor], config: Mapping) -> torch.Tensor:
    """Direct reward optimisation: ``-(A * logprobs - beta / 2 * (logprobs - old) ** 2).sum()``, beta default 0.05."""
    old, advantages = _require(inputs, "dro", "logprobs", "advantages")
    beta = float(config.get("beta", 0.05))
    return -(advantages * logprobs - beta / 2 * (logprobs - old) ** 2).sum()


def gspo(logprobs: torch.Tensor, inputs: Mapping[str, torch.Tensor], config: Mapping) -> torch.Tensor:
    """Group sequence policy optimisation, in its token form: one importance ratio per sequence.

    ``s = exp(mean(new - old))`` over the datum's completion tokens (those with a nonzero advantage), each token's
    ratio ``sg(s) * exp(new - sg(new))`` (the value of ``s``, the gradient of its own logprob), then the clipped
    surrogate ``-min(r * A, clip(r, low, high) * A)`` summed over those tokens; thresholds default to the
    paper's 1 - 3e-4 and 1 + 4e-4 (``clip_low_threshold``, ``clip_high_threshold``).
    """
    import torch

    old, advantages = _require(inputs, "gspo", "logprobs", "advantages")
    mask = advantages != 0
    if not bool(mask.any()):
        return (logprobs * 0).sum()
    sequence = torch.exp((logprobs - old)[mask].mean())
    ratio = sequence.detach() * torch.exp(logprobs - logprobs.detach())
    low, high = _thresholds(inputs, config, ratio, 1 - 3e-4, 1 + 4e-4)
    surrogate = torch.minimum(ratio * advantages, torch.clamp(ratio, low, high) * advantages)
    return -surrogate[mask].sum()


def _ratio(logprobs: torch.Tensor, old: torch.Tensor) -> torch.Tensor:
    import torch

    return torch.exp(logprobs - old)


def _thresholds(
    inputs: Mapping[str, torch.Tensor], config: Mapping, like: torch.Tensor, low: float = 0.8, high: float = 1.2
) -> tuple[torch.Tensor, torch.Tensor]:
    """The clip thresholds, per token (a datum's ``clip_*_threshold``) or one for all (the config's), both as
    tensors like ``like``: ``torch.clamp`` refuses a number beside a tensor."""
    import torch

    def threshold(name: str, default: float) -> torch.Tensor:
        value = inputs.get(name, float(config.get(name, default)))
        return torch.as_tensor(value, dtype=like.dtype, device=like.device)

    return threshold("clip_low_threshold", low), threshold("clip_high_threshold", high)


LOSSES: dict[str, Loss] = {
    "cross_entropy": cross_entropy,
    "importance_sampling": importance_sampling,
    "ppo": ppo,
    "cispo": cispo,
    "dro": dro,
    "gspo": gspo,
}
# losses the SDK names that this server refuses, and why
REFUSED = {
    "stable_reinforce": "stable_reinforce is not available locally: its objective (built on stability records the "
    "service keeps at sampling time) is not published, and the local server does not guess it; "
    "use importance_sampling, ppo, cispo, dro or gspo",
}


def get_loss(name: str) -> Loss:
    """The loss called ``name``; an unknown one lists those this server computes."""
    if name in REFUSED:
        raise LossError(REFUSED[name])
    try:
        return LOSSES[name]
    except KeyError:
        raise LossError(
            f"loss function {name!r} is not available locally; choose one of: {', '.join(LOSSES)}"
        ) from None
