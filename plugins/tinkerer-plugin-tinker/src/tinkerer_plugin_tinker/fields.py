"""The config fields every Tinker trainer shares (the model, its renderer, the API, W&B), each with its rules."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import chz

from tinkerer_core.validation import Rule, at_least, not_empty, positive

DEFAULT_BASE_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"


def _is_http_url(url: Any) -> bool:
    parts = urlsplit(str(url))
    return parts.scheme in ("http", "https") and bool(parts.netloc)


HTTP_URL = Rule("an http:// or https:// URL", test=_is_http_url)


def base_model() -> Any:
    """The model to adapt."""
    return chz.field(default=DEFAULT_BASE_MODEL, validator=not_empty(), doc="the model to adapt")


def renderer() -> Any:
    """The chat renderer; None: the model's own."""
    return chz.field(default=None, validator=not_empty(), doc="tinker-cookbook renderer (default: the model's own)")


def learning_rate(default: float, doc: str) -> Any:
    """A learning rate: greater than 0."""
    return chz.field(default=default, validator=positive(), doc=doc)


def lora_rank(doc: str = "LoRA rank") -> Any:
    """The LoRA rank: 1 or more."""
    return chz.field(default=16, validator=at_least(1), doc=doc)


def base_url() -> Any:
    """The Tinker API to train against; None: the service with a key, else a local server."""
    return chz.field(default=None, validator=HTTP_URL, doc="a Tinker API URL (default: service with a key, else local)")


def wandb_project() -> Any:
    """The W&B project metrics also go to."""
    return chz.field(default=None, validator=not_empty(), doc="W&B project (used only when WANDB_API_KEY is set)")
