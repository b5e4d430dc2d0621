"""The optimizers a training model can be created with: the SDK's ``adamw`` and ``dimuon`` families.

AdamW is ``torch.optim.AdamW`` with the step's ``AdamParams``. Dimuon follows the SDK's description of it: an
exponential moving average of the gradient (``beta1``) whose matrix sign (``U Vᵀ`` of its singular value
decomposition: every singular value set to 1, so a LoRA factor's direction has Frobenius norm sqrt(rank)) is
the step direction, scaled by the learning rate. The service's row and column preconditioner (the ``damping``
of later SDKs) and its rank correction are not part of SDK 0.38's ``DimuonParams`` and are not reproduced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from tinkerer_core import TinkererError

if TYPE_CHECKING:
    import torch

FAMILIES = ("adamw", "dimuon")
ADAM_DEFAULTS = {"learning_rate": 1e-4, "beta1": 0.9, "beta2": 0.95, "eps": 1e-12, "weight_decay": 0.0}
DIMUON_DEFAULTS = {"beta1": 0.9}


class OptimizerError(TinkererError):
    """An optimizer this server does not have, or step parameters for another family."""


def family(config: dict[str, Any] | None) -> str:
    """The optimizer family of a ``CreateModelRequest.optimizer_config`` (AdamW when none is given)."""
    name = (config or {}).get("type", "adamw")
    if name not in FAMILIES:
        raise OptimizerError(f"optimizer {name!r} is not available locally; choose one of: {', '.join(FAMILIES)}")
    return name


def step_family(params: dict[str, Any]) -> str:
    """The family an ``OptimStepRequest``'s parameters are for (``AdamParams`` carry no ``type``)."""
    return params.get("type", "adamw")


def build(name: str, parameters: Iterable[torch.Tensor]) -> torch.optim.Optimizer:
    """A fresh optimizer of family ``name`` over ``parameters``."""
    import torch

    if name == "dimuon":
        return _dimuon_class()(parameters)
    return torch.optim.AdamW(parameters, lr=ADAM_DEFAULTS["learning_rate"])


def configure(optimizer: torch.optim.Optimizer, name: str, params: dict[str, Any]) -> None:
    """Set this step's hyperparameters on every parameter group (omitted ones take the defaults)."""
    if step_family(params) != name:
        raise OptimizerError(
            f"this model was created with the {name} optimizer; pass "
            f"{'DimuonParams' if name == 'dimuon' else 'AdamParams'}, not {step_family(params)} parameters"
        )
    for group in optimizer.param_groups:
        if name == "dimuon":
            group.update(lr=params["learning_rate"], beta1=params.get("beta1", DIMUON_DEFAULTS["beta1"]))
        else:
            settings = {**ADAM_DEFAULTS, **params}
            group.update(
                lr=settings["learning_rate"],
                betas=(settings["beta1"], settings["beta2"]),
                eps=settings["eps"],
                weight_decay=settings["weight_decay"],
            )


def _dimuon_class() -> Callable[[Iterable[torch.Tensor]], torch.optim.Optimizer]:
    import torch

    class Dimuon(torch.optim.Optimizer):
        """Momentum (an EMA of gradients), then the matrix sign of the momentum as the direction."""

        def __init__(self, params: Iterable[torch.Tensor]) -> None:
            super().__init__(params, {"lr": 0.0, "beta1": DIMUON_DEFAULTS["beta1"]})

        @torch.no_grad()
        def step(self, closure: Any = None) -> None:  # type: ignore[override]  # no closure: one step per request
            for group in self.param_groups:
                for parameter in group["params"]:
                    if parameter.grad is None:
                        continue
                    state = self.state[parameter]
                    momentum = state.setdefault("momentum", torch.zeros_like(parameter))
                    momentum.mul_(group["beta1"]).add_(parameter.grad, alpha=1 - group["beta1"])
                    parameter.add_(_matrix_sign(momentum), alpha=-group["lr"])

    return Dimuon


def _matrix_sign(matrix: torch.Tensor) -> torch.Tensor:
    """``U Vᵀ`` for a matrix (its nonzero singular values set to one); the sign of each entry for a vector."""
    import torch

    if not torch.any(matrix):  # nothing to follow yet (a LoRA factor whose partner is still zero)
        return torch.zeros_like(matrix)
    if matrix.ndim < 2:
        return torch.sign(matrix)
    left, _, right = torch.linalg.svd(matrix.float(), full_matrices=False)
    return (left @ right).to(matrix.dtype)
