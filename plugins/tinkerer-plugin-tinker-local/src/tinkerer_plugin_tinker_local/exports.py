"""External weights: an adapter in the PEFT layout that ``tinker_cookbook.weights`` merges and peft loads.

An export is ``adapter_model.safetensors`` (peft's key names, ``base_model.model.<module>.lora_A.weight``) and
``adapter_config.json`` (a peft ``LoraConfig``). Given age recipients (``age1...`` keys or SSH public keys), each
file is encrypted to them and stored with an ``.age`` suffix, as the service does for ``weights.download``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tinkerer_core import TinkererError

WEIGHTS_FILE = "adapter_model.safetensors"
CONFIG_FILE = "adapter_config.json"
MAX_RECIPIENTS = 10


class ExportError(TinkererError):
    """Encryption recipients that cannot be used."""


def peft_config(lora: dict[str, Any], alpha: int, targets: list[str], base_model_path: str) -> dict[str, Any]:
    """The ``adapter_config.json`` of an adapter trained with ``lora`` on ``targets``."""
    return {
        "peft_type": "LORA",
        "task_type": "CAUSAL_LM",
        "base_model_name_or_path": base_model_path,
        "r": lora["rank"],
        "lora_alpha": alpha,
        "lora_dropout": 0.0,
        "bias": "none",
        "fan_in_fan_out": False,
        "target_modules": targets,
        "inference_mode": True,
    }


def write(directory: Path, weights: dict[str, Any], config: dict[str, Any], age_recipients: list[str] | None) -> None:
    """Write the two files into ``directory`` (each encrypted to ``age_recipients`` when there are any)."""
    from safetensors.torch import save as to_bytes

    files = {WEIGHTS_FILE: to_bytes(weights), CONFIG_FILE: (json.dumps(config, indent=2) + "\n").encode()}
    if age_recipients:
        pyrage = _pyrage()
        recipients = _recipients(pyrage, age_recipients)
        files = {f"{name}.age": pyrage.encrypt(payload, recipients) for name, payload in files.items()}
    for name, payload in files.items():
        (directory / name).write_bytes(payload)


def _pyrage() -> Any:
    """The age implementation (pyrage, which tinker-cookbook's weights.download uses too)."""
    try:
        import pyrage  # type: ignore[import-untyped]  # a compiled module without type information
    except ImportError:
        raise ExportError("encrypted exports need the pyrage package: pip install pyrage") from None
    return pyrage


def _recipients(pyrage: Any, keys: list[str]) -> list[Any]:
    if len(keys) > MAX_RECIPIENTS:
        raise ExportError(f"at most {MAX_RECIPIENTS} age recipients; got {len(keys)}")
    parsed = []
    for key in keys:
        kind = pyrage.x25519.Recipient if key.startswith("age1") else pyrage.ssh.Recipient
        try:
            parsed.append(kind.from_str(key))
        except Exception:  # pyrage raises its own RecipientError, an internal type
            raise ExportError(f"{key[:24]!r}... is neither an age1... key nor an SSH public key") from None
    return parsed


def files(directory: Path) -> list[Path]:
    """An export's files, relative names as the download URLs name them."""
    return sorted(file for file in directory.iterdir() if file.name.startswith(("adapter_model.", "adapter_config.")))
