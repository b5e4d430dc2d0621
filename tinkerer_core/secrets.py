"""Secrets: which variable names hold them, an environment without them, and text with them removed."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)
SECRET_PREFIXES = ("AWS_", "AZURE_", "GOOGLE_APPLICATION_CREDENTIALS", "TINKER_API_KEY")
KEY_SHAPE = re.compile(r"\b(?:sk|tml)-[A-Za-z0-9_\-]{6,}")
MIN_SECRET_CHARS = 8  # shorter values are too common to scrub safely
REDACTED = "[redacted]"


def is_secret_name(name: str) -> bool:
    """Whether the variable ``name`` looks like it holds a secret (an API key, token, password ...)."""
    return bool(SECRET_NAME.search(name)) or name.startswith(SECRET_PREFIXES)


def scrubbed_environment(env: Mapping[str, str], keep: Iterable[str] = ()) -> dict[str, str]:
    """A copy of ``env`` without secrets, except the names in ``keep``."""
    kept = set(keep)
    return {name: value for name, value in env.items() if name in kept or not is_secret_name(name)}


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without the given secret values, secret-named environment values, or key-shaped strings."""
    environment = (value for name, value in os.environ.items() if is_secret_name(name))
    values = {value for value in [*secrets, *environment] if len(value) >= MIN_SECRET_CHARS}
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, REDACTED)
    return KEY_SHAPE.sub(REDACTED, text)
