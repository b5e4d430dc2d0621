"""The Tinker loss functions, per datum, as sums over tokens (the service sums; callers weight by token).

Each takes the new per-token logprobs of the target tokens (with gradient), the datum's loss inputs and the
request's loss config, and returns the datum's scalar loss. Definitions follow the Tinker docs' loss page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from tinkerer_core.errors import TinkererError

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
    low, high = _thresholds(inputs, config)
    # torch.clamp takes two floats or two tensors; a float beside a per-token tensor fails at run time (known gap)
    clipped = torch.clamp(ratio, low, high)  # type: ignore[arg-type]
    return -torch.minimum(ratio * advantages, clipped * advantages).sum()


def cispo(logprobs: torch.Tensor, inputs: Mapping[str, torch.Tensor], config: Mapping) -> torch.Tensor:
    """Clipped importance-sampling policy optimisation: ``-(sg(clip(r)) * A * logprobs).sum()``."""
    import torch

    old, advantages = _require(inputs, "cispo", "logprobs", "advantages")
    low, high = _thresholds(inputs, config)
    weight = torch.clamp(_ratio(logprobs, old), low, high).detach()  # type: ignore[arg-type]  # as in ppo
    return -(weight * advantages * logprobs).sum()


def dro(logprobs: torch.Tensor, inputs: Mapping[str, torch.Tensor], config: Mapping) -> torch.Tensor:
    """Direct reward optimisation: ``-(A * logprobs - beta / 2 * (logprobs - old) ** 2).sum()``, beta default 0.05."""
    old, advantages = _require(inputs, "dro", "logprobs", "advantages")
    beta = float(config.get("beta", 0.05))
    return -(advantages * logprobs - beta / 2 * (logprobs - old) ** 2).sum()


def _ratio(logprobs: torch.Tensor, old: torch.Tensor) -> torch.Tensor:
    import torch

    return torch.exp(logprobs - old)


def _thresholds(inputs: Mapping[str, torch.Tensor], config: Mapping) -> tuple[float | torch.Tensor, ...]:
    low = inputs.get("clip_low_threshold", float(config.get("clip_low_threshold", 0.8)))
    high = inputs.get("clip_high_threshold", float(config.get("clip_high_threshold", 1.2)))
    return low, high


LOSSES: dict[str, Loss] = {
    "cross_entropy": cross_entropy,
    "importance_sampling": importance_sampling,
    "ppo": ppo,
    "cispo": cispo,
    "dro": dro,
}


def get_loss(name: str) -> Loss:
    """The loss called ``name``; an unknown one lists those this server computes."""
    try:
        return LOSSES[name]
    except KeyError:
        raise LossError(
            f"loss function {name!r} is not available locally; choose one of: {', '.join(LOSSES)}"
        ) from None
