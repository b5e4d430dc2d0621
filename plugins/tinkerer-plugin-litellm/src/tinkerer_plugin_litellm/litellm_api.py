"""The parts of litellm the gateway uses, imported on first use (listing plugins stays fast)."""

from __future__ import annotations

import functools
import os
import re
from types import ModuleType
from typing import Any

from tinkerer_core import MissingPluginError

LOCAL_PREFIX = "local/"
LOCAL_PROVIDER = "local"
# litellm reports a missing key as 401, 500 or a connection error depending on the provider
MISSING_KEY = re.compile(r"missing .{0,40}(?:api[ _-]?key|credentials)", re.IGNORECASE)


@functools.cache
def import_litellm() -> ModuleType:
    """litellm, configured to use its bundled price map and to stay quiet."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    return litellm


def require_provider(model: str) -> None:
    """Raise when ``model`` is a ``local/`` model and no plugin registered litellm's ``local`` provider."""
    if not model.startswith(LOCAL_PREFIX):
        return
    providers = {item.get("provider") for item in import_litellm().custom_provider_map}
    if LOCAL_PROVIDER not in providers:
        raise MissingPluginError(
            f"model {model} needs the embedded model plugin: pip install tinkerer-plugin-local-llm"
        )


def is_retryable(error: BaseException) -> bool:
    """True for rate limits, timeouts, connection errors and server (5xx) errors."""
    litellm = import_litellm()
    transient = (
        litellm.RateLimitError,
        litellm.Timeout,
        litellm.APIConnectionError,
        litellm.InternalServerError,
        litellm.ServiceUnavailableError,
        litellm.BadGatewayError,
    )
    status = getattr(error, "status_code", None)
    transient_status = isinstance(status, int) and status >= 500
    return (isinstance(error, transient) or transient_status) and not MISSING_KEY.search(str(error))


def missing_key_hint(model: str, error: BaseException) -> str:
    """When ``error`` says a key is missing: which variables to set for ``model``; else empty."""
    if not MISSING_KEY.search(str(error)):
        return ""
    missing = import_litellm().validate_environment(model).get("missing_keys") or []
    names = " or ".join(missing) or "the provider's API key"
    return f"; set {names} in the environment or in a .env file in the current directory"


def cost_of(response: Any, model: str) -> tuple[float, bool]:
    """The dollar cost of ``response`` and whether it is known (local and unpriced models cost 0, unknown)."""
    if model.startswith(LOCAL_PREFIX):
        return 0.0, False
    try:
        return float(import_litellm().completion_cost(completion_response=response)), True
    except Exception:  # litellm raises several types for models without a price
        return 0.0, False
