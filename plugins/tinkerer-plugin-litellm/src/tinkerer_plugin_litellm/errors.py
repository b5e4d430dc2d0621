"""Errors of the gateway; their messages name the model and the cause, never a key."""

from __future__ import annotations

from tinkerer_core import LLMError
from tinkerer_core.secrets import redact

MAX_CAUSE_CHARS = 600


class LLMCallError(LLMError):
    """The model refused the request (bad key, bad request, unknown model, ...); retrying will not help."""


def describe(model: str, error: BaseException) -> str:
    """``error`` as one line naming ``model``, with secrets removed."""
    cause = redact(" ".join(str(error).split()))[:MAX_CAUSE_CHARS]
    return f"model {model!r}: {type(error).__name__}: {cause}"
